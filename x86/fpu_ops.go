package x86

// The one-operand and two-operand x87 instructions of D9 F0-FF, the constants, and packed
// BCD.

import (
	"math/big"
	"math/bits"
)

// fpuMisc executes D9 F0+n.
func (c *CPU) fpuMisc(n int) {
	p := &c.fpu
	switch n {
	case 6: // fdecstp
		p.top = (p.top - 1) & 7
		p.sw &^= exC1
		return
	case 7: // fincstp
		p.top = (p.top + 1) & 7
		p.sw &^= exC1
		return
	case 4: // fxtract
		c.fxtract()
		return
	case 2, 11: // fptan, fsincos
		c.fpuTrig2(n == 2)
		return
	}
	f := p.ctx()
	two := n == 1 || n == 3 || n == 5 || n == 8 || n == 9 || n == 13
	if p.isEmpty(0) || (two && p.isEmpty(1)) {
		f.ex = stackFault(false)
		p.raise(f.ex)
		if p.unmasked(f.ex) {
			return
		}
		switch n {
		case 1, 3, 9: // the result goes to ST(1), then a pop
			p.set(1, f80Indefinite)
			p.pop()
		case 5, 8:
			p.set(0, f80Indefinite)
			p.sw &^= exC0 | exC2 | exC3
		default:
			p.set(0, f80Indefinite)
		}
		return
	}
	a := p.get(0)
	var r f80
	var cc uint16
	setCC := false
	switch n {
	case 0:
		r = f.f2xm1(a)
	case 1:
		r = f.fyl2x(p.get(1), a, false)
	case 3:
		r = f.fpatan(p.get(1), a)
	case 5, 8:
		r, cc = f.prem(a, p.get(1), n == 5)
		setCC = true
	case 9:
		r = f.fyl2x(p.get(1), a, true)
	case 10:
		r = f.sqrt(a)
	case 12:
		r = f.roundInt(a)
	case 13:
		r = f.scale(a, p.get(1))
	case 14, 15:
		var ok bool
		r, ok = f.sincos(a, n == 15)
		if !ok { // out of range: C2=1, ST(0) unchanged
			p.sw = p.sw&^exC1 | exC2
			return
		}
		cc = 0
		p.sw &^= exC2
	}
	if p.unmasked(f.ex & (exIE | exZE | exDE)) {
		p.raise(f.ex &^ exC1)
		return
	}
	switch n {
	case 1, 3, 9:
		p.set(1, r)
		p.raise(f.ex)
		p.pop()
		return
	}
	p.set(0, r)
	p.raise(f.ex)
	if setCC {
		p.sw = p.sw&^(exC0|exC1|exC2|exC3) | cc
	}
}

// sqrt returns the square root of a.
func (f *fctx) sqrt(a f80) f80 {
	if r, done := f.operands(a, a); done {
		return r
	}
	switch a.class() {
	case clsZero:
		return a
	case clsInf:
		if a.neg() {
			return f.invalid()
		}
		return a
	}
	if a.neg() {
		return f.invalid()
	}
	_, e, m := a.unpack()
	s := int(e) - f80Bias - 63 // a = m * 2^s
	k := 128 + (s & 1)
	n := new(big.Int).Lsh(new(big.Int).SetUint64(m), uint(k))
	root := new(big.Int).Sqrt(n)
	exact := new(big.Int).Mul(root, root).Cmp(n) == 0
	bl := root.BitLen()
	root.Lsh(root, uint(128-bl))
	hi, lo := bigTo128(root)
	if !exact {
		lo |= 1
	}
	return f.round(false, int32((s-k)/2+bl-1+f80Bias), hi, lo, f.prec)
}

// bigTo128 returns the low 128 bits of a non-negative x.
func bigTo128(x *big.Int) (hi, lo uint64) {
	var w [2]uint64
	words := x.Bits()
	for i := 0; i < len(words) && i*bits.UintSize < 128; i++ {
		v := uint64(words[i])
		if bits.UintSize == 32 {
			w[i/2] |= v << (32 * uint(i%2))
		} else {
			w[i] = v
		}
	}
	return w[1], w[0]
}

// prem is the partial remainder of a by b (fprem, or fprem1 with nearest): the remainder
// and the condition codes C2 (incomplete) or C0, C3, C1 (the quotient's low bits).
func (f *fctx) prem(a, b f80, nearest bool) (f80, uint16) {
	if r, done := f.operands(a, b); done {
		return r, 0
	}
	ca, cb := a.class(), b.class()
	switch {
	case ca == clsInf || cb == clsZero:
		return f.invalid(), 0
	case ca == clsZero || cb == clsInf:
		return a, 0
	}
	an, ae, am := a.unpack()
	_, be, bm := b.unpack()
	d := int(ae - be)
	if d < 0 && (!nearest || d < -1) {
		return a, 0
	}
	A := new(big.Int).SetUint64(am)
	B := new(big.Int).SetUint64(bm)
	if d >= 64 {
		// Partial: reduce the exponent difference by 32 to 63 (AMD's N = 32 + D mod 32).
		n := 32 + d%32
		A.Lsh(A, uint(n))
		q := new(big.Int).Quo(A, B)
		A.Sub(A, q.Mul(q, B))
		return f.fromBigInt(an, A, int(ae)-f80Bias-63-n), exC2
	}
	exp := int(ae) - f80Bias - 63 // the unit of the remainder
	if d >= 0 {
		A.Lsh(A, uint(d))
		exp -= d
	} else {
		B.Lsh(B, 1) // d == -1 with fprem1: |a| may exceed |b|/2
	}
	q, r := new(big.Int).QuoRem(A, B, new(big.Int))
	neg := an
	if nearest {
		r2 := new(big.Int).Lsh(r, 1)
		if c := r2.Cmp(B); c > 0 || (c == 0 && q.Bit(0) == 1) {
			q.Add(q, big.NewInt(1))
			r.Sub(B, r)
			neg = !neg
		}
	}
	var cc uint16
	qlo := q.Uint64()
	if qlo&4 != 0 {
		cc |= exC0
	}
	if qlo&2 != 0 {
		cc |= exC3
	}
	if qlo&1 != 0 {
		cc |= exC1
	}
	if r.Sign() == 0 {
		return zero80(an), cc
	}
	return f.fromBigInt(neg, r, exp), cc
}

// fromBigInt returns (-1)^neg * x * 2^exp (x > 0) rounded at full precision.
func (f *fctx) fromBigInt(neg bool, x *big.Int, exp int) f80 {
	if x.Sign() == 0 {
		return zero80(neg)
	}
	bl := x.BitLen()
	y := new(big.Int)
	sticky := false
	if bl > 128 {
		y.Rsh(x, uint(bl-128))
		sticky = new(big.Int).Lsh(y, uint(bl-128)).Cmp(x) != 0
	} else {
		y.Lsh(x, uint(128-bl))
	}
	hi, lo := bigTo128(y)
	if sticky {
		lo |= 1
	}
	return f.round(neg, int32(exp+bl-1+f80Bias), hi, lo, 64)
}

// scale returns a * 2^trunc(b) (fscale).
func (f *fctx) scale(a, b f80) f80 {
	if r, done := f.operands(a, b); done {
		return r
	}
	ca, cb := a.class(), b.class()
	if cb == clsInf {
		switch {
		case ca == clsZero && !b.neg(), ca == clsInf && b.neg():
			return f.invalid()
		case b.neg():
			return zero80(a.neg())
		case ca == clsZero:
			return a
		}
		return inf80(a.neg())
	}
	if ca == clsZero || ca == clsInf {
		return a
	}
	bn, be, bm := b.unpack()
	var n int64
	if u := be - f80Bias; u >= 0 {
		if u > 30 {
			n = 1 << 30
		} else {
			n = int64(bm >> uint(63-u))
		}
	}
	if bn {
		n = -n
	}
	an, ae, am := a.unpack()
	return f.round(an, int32(int64(ae)+n), am, 0, 64)
}

// fxtract splits ST(0) into its exponent (left in ST(1)) and its significand (pushed).
func (c *CPU) fxtract() {
	p := &c.fpu
	f := p.ctx()
	if p.isEmpty(0) || !p.isEmpty(7) {
		ex := stackFault(!p.isEmpty(7) && !p.isEmpty(0))
		p.raise(ex)
		if !p.unmasked(ex) {
			p.set(0, f80Indefinite)
			p.push(f80Indefinite)
		}
		return
	}
	a := p.get(0)
	var e, s f80
	switch a.class() {
	case clsUnsupported:
		e = f.invalid()
		s = e
	case clsQNaN, clsSNaN:
		e = f.nan2(a, a)
		s = e
	case clsInf:
		e, s = inf80(false), a
	case clsZero:
		f.ex |= exZE
		e, s = inf80(true), a
	default:
		if a.class() == clsDenormal {
			f.ex |= exDE
		}
		neg, ex, m := a.unpack()
		e = fromInt(int64(ex - f80Bias))
		s = f80{m: m, se: f80Bias | signBit(neg)}
	}
	if p.unmasked(f.ex) {
		p.raise(f.ex)
		return
	}
	p.set(0, e)
	p.push(s)
	p.raise(f.ex)
}

// constant returns the constant of D9 E8+i, rounded by the rounding mode (fld1, fldl2t,
// fldl2e, fldpi, fldlg2, fldln2, fldz).
func (f *fctx) constant(i int) f80 {
	switch i {
	case 0:
		return f80One
	case 6:
		return f80{}
	}
	g := fctx{rc: f.rc, prec: 64, mask: exAll}
	return g.fromBig(bigConst(i), 64)
}

// fromBCD converts an 18-digit packed BCD integer (fbld).
func fromBCD(lo uint64, hi uint16) f80 {
	var v int64
	for i := 8; i >= 0; i-- {
		var b byte
		if i == 8 {
			b = byte(hi)
		} else {
			b = byte(lo >> (8 * uint(i)))
		}
		v = v*100 + int64(b>>4)*10 + int64(b&15)
	}
	x := fromInt(v)
	if hi&0x8000 != 0 {
		x = x.chs()
	}
	return x
}

// toBCD rounds x to an integer and converts it to packed BCD (fbstp); out of range, NaNs
// and infinities raise IE and give the BCD indefinite.
func (f *fctx) toBCD(x f80) (lo uint64, hi uint16) {
	const max = 999999999999999999
	save := f.ex
	v := f.toInt(x, 64)
	if f.ex&exIE != 0 || v > max || v < -max {
		f.ex = save | exIE
		return 0xC000000000000000, 0xFFFF
	}
	if x.neg() {
		hi = 0x8000
		v = -v
	}
	for i := 0; i < 9; i++ {
		d := uint64(v%10) | uint64(v/10%10)<<4
		v /= 100
		if i == 8 {
			hi |= uint16(d)
		} else {
			lo |= d << (8 * uint(i))
		}
	}
	return
}
