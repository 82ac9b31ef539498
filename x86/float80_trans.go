package x86

// The transcendental instructions and the constants, computed with math/big at bigPrec
// bits (about 40 µs an instruction) and rounded once to the destination: within half an ulp of the exact result (real
// x87s are within about one ulp, so an occasional last-bit difference from a given chip is
// expected). fsin, fcos, fsincos and fptan reduce their argument by a 66-bit
// approximation of pi, as the x87 does (SDM Vol. 1, 8.3.10), so large arguments give what
// the hardware gives rather than the mathematically exact value.

import (
	"math/big"
	"sync"
)

const bigPrec = 192

var (
	bigOnce                 sync.Once
	bigPi, bigLn2, bigLn10  *big.Float
	bigPiHalf66             *big.Float // pi rounded to 66 bits, halved
	bigConsts               [6]*big.Float
	bigOneF, bigTwoF, bigHF *big.Float
)

func newF() *big.Float { return new(big.Float).SetPrec(bigPrec) }

// bigInv[k] is 1/k: series terms multiply by it rather than divide.
var bigInv [512]*big.Float

// inv returns 1/k.
func inv(k int64) *big.Float {
	if k < int64(len(bigInv)) {
		return bigInv[k]
	}
	return newF().Quo(bigOneF, newF().SetInt64(k))
}

func bigInit() {
	bigOneF = newF().SetInt64(1)
	for k := 1; k < len(bigInv); k++ {
		bigInv[k] = newF().Quo(bigOneF, newF().SetInt64(int64(k)))
	}
	bigTwoF = newF().SetInt64(2)
	bigHF = newF().SetFloat64(0.5)
	// pi = 16 atan(1/5) - 4 atan(1/239) (Machin); ln 2 = 2 atanh(1/3);
	// ln 10 = 3 ln 2 + 2 atanh(1/9).
	a := atanSeries(newF().Quo(bigOneF, newF().SetInt64(5)), false)
	b := atanSeries(newF().Quo(bigOneF, newF().SetInt64(239)), false)
	bigPi = newF().Sub(newF().Mul(a, newF().SetInt64(16)), newF().Mul(b, newF().SetInt64(4)))
	bigLn2 = newF().Mul(atanSeries(newF().Quo(bigOneF, newF().SetInt64(3)), true), bigTwoF)
	l := newF().Mul(atanSeries(newF().Quo(bigOneF, newF().SetInt64(9)), true), bigTwoF)
	bigLn10 = newF().Add(newF().Mul(bigLn2, newF().SetInt64(3)), l)
	p66 := new(big.Float).SetPrec(66).Set(bigPi)
	bigPiHalf66 = newF().Quo(p66, bigTwoF)
	bigConsts[1] = newF().Quo(bigLn10, bigLn2)
	bigConsts[2] = newF().Quo(bigOneF, bigLn2)
	bigConsts[3] = bigPi
	bigConsts[4] = newF().Quo(bigLn2, bigLn10)
	bigConsts[5] = bigLn2
}

// bigConst returns the constant of fldl2t (1), fldl2e (2), fldpi (3), fldlg2 (4), fldln2 (5).
func bigConst(i int) *big.Float {
	bigOnce.Do(bigInit)
	return bigConsts[i]
}

// small reports whether term no longer matters next to sum.
func small(term, sum *big.Float) bool {
	if term.Sign() == 0 {
		return true
	}
	if sum.Sign() == 0 {
		return false
	}
	return term.MantExp(nil) < sum.MantExp(nil)-bigPrec-8
}

// atanSeries returns atan(t), or atanh(t) with hyp, by the Taylor series (|t| < 1, small).
func atanSeries(t *big.Float, hyp bool) *big.Float {
	sum := newF().Set(t)
	t2 := newF().Mul(t, t)
	pow := newF().Set(t)
	term := newF()
	for k := int64(1); k < 2000; k++ {
		pow.Mul(pow, t2)
		term.Mul(pow, inv(2*k+1))
		if small(term, sum) {
			break
		}
		if !hyp && k%2 == 1 {
			sum.Sub(sum, term)
		} else {
			sum.Add(sum, term)
		}
	}
	return sum
}

// bigAtan returns atan(t).
func bigAtan(t *big.Float) *big.Float {
	neg := t.Sign() < 0
	x := newF().Abs(t)
	inv := x.Cmp(bigOneF) > 0
	if inv {
		x.Quo(bigOneF, x)
	}
	// atan(x) = 2 atan(x / (1 + sqrt(1 + x^2))), three times: |x| < 0.1.
	for i := 0; i < 3; i++ {
		s := newF().Sqrt(newF().Add(bigOneF, newF().Mul(x, x)))
		x.Quo(x, s.Add(s, bigOneF))
	}
	r := atanSeries(x, false)
	r.Mul(r, newF().SetInt64(8))
	if inv {
		r.Sub(newF().Quo(bigPi, bigTwoF), r)
	}
	if neg {
		r.Neg(r)
	}
	return r
}

// bigLn returns ln(x), x > 0.
func bigLn(x *big.Float) *big.Float {
	m := newF()
	e := x.MantExp(m) // x = m * 2^e, m in [0.5, 1)
	m.SetMantExp(m, 1)
	e--
	if m.Cmp(newF().SetFloat64(1.4142135623730951)) > 0 {
		m.Quo(m, bigTwoF)
		e++
	}
	t := newF().Quo(newF().Sub(m, bigOneF), newF().Add(m, bigOneF))
	r := atanSeries(t, true)
	r.Mul(r, bigTwoF)
	return r.Add(r, newF().Mul(bigLn2, newF().SetInt64(int64(e))))
}

// bigLn1p returns ln(1+x), x > -1, accurate for tiny x.
func bigLn1p(x *big.Float) *big.Float {
	if newF().Abs(x).Cmp(bigHF) > 0 {
		return bigLn(newF().Add(bigOneF, x))
	}
	t := newF().Quo(x, newF().Add(bigTwoF, x))
	r := atanSeries(t, true)
	return r.Mul(r, bigTwoF)
}

// bigExpm1 returns e^x - 1 for |x| <= 1 by the series.
func bigExpm1(x *big.Float) *big.Float {
	sum := newF().Set(x)
	term := newF().Set(x)
	for k := int64(2); k < 2000; k++ {
		term.Mul(term, x)
		term.Mul(term, inv(k))
		if small(term, sum) {
			break
		}
		sum.Add(sum, term)
	}
	return sum
}

// bigSinCos returns sin(r) and cos(r) for |r| <= pi/4 by the series.
func bigSinCos(r *big.Float) (s, c *big.Float) {
	s = newF().Set(r)
	c = newF().Set(bigOneF)
	r2 := newF().Mul(r, r)
	ts := newF().Set(r)
	tc := newF().Set(bigOneF)
	for k := int64(1); k < 2000; k++ {
		ts.Mul(ts, r2)
		ts.Mul(ts, inv(2*k))
		ts.Mul(ts, inv(2*k+1))
		tc.Mul(tc, r2)
		tc.Mul(tc, inv(2*k-1))
		tc.Mul(tc, inv(2*k))
		if small(ts, s) && small(tc, c) {
			break
		}
		if k%2 == 1 {
			s.Sub(s, ts)
			c.Sub(c, tc)
		} else {
			s.Add(s, ts)
			c.Add(c, tc)
		}
	}
	return s, c
}

// toBig returns the exact value of a finite x.
func toBig(x f80) *big.Float {
	neg, e, m := x.unpack()
	z := newF().SetUint64(m)
	z.SetMantExp(z, int(e)-f80Bias-63)
	if neg {
		z.Neg(z)
	}
	return z
}

// fromBig rounds z to an extended value at precision prec; z is treated as inexact unless
// it has no more than 128 significant bits.
func (f *fctx) fromBig(z *big.Float, prec int) f80 {
	if z.Sign() == 0 {
		return zero80(z.Signbit())
	}
	m := newF()
	e := z.MantExp(m)
	m.SetMantExp(m, 128)
	neg := m.Sign() < 0
	m.Abs(m)
	i, acc := m.Int(nil)
	hi, lo := bigTo128(i)
	if acc != big.Exact {
		lo |= 1
	}
	return f.round(neg, int32(e-1+f80Bias), hi, lo, prec)
}

// f2xm1 returns 2^a - 1.
func (f *fctx) f2xm1(a f80) f80 {
	if r, done := f.operands(a, a); done {
		return r
	}
	bigOnce.Do(bigInit)
	switch a.class() {
	case clsZero:
		return a
	case clsInf:
		if a.neg() {
			return fromInt(-1)
		}
		return a
	}
	x := toBig(a)
	if x.Cmp(bigOneF) == 0 {
		return f80One
	}
	if x.Cmp(newF().Neg(bigOneF)) == 0 {
		return f80{m: 1 << 63, se: 0x8000 | (f80Bias - 1)}
	}
	if newF().Abs(x).Cmp(bigOneF) <= 0 {
		return f.fromBig(bigExpm1(x.Mul(x, bigLn2)), 64)
	}
	// Outside [-1, 1] the result is undefined on the x87; give 2^a - 1 anyway.
	k, _ := x.Int64()
	if k > 20000 {
		k = 20000
	} else if k < -20000 {
		k = -20000
	}
	r := newF().Sub(x, newF().SetInt64(k))
	p := bigExpm1(r.Mul(r, bigLn2))
	p.Add(p, bigOneF)
	p.SetMantExp(p, int(k))
	return f.fromBig(p.Sub(p, bigOneF), 64)
}

// fyl2x returns y * log2(x), or y * log2(x + 1) with p1 (fyl2xp1).
func (f *fctx) fyl2x(y, x f80, p1 bool) f80 {
	if r, done := f.operands(x, y); done {
		return r
	}
	bigOnce.Do(bigInit)
	cx, cy := x.class(), y.class()
	// lg is the sign of log2 (-1, 0, 1) and whether it is infinite.
	var lg int
	var lgInf bool
	switch {
	case cx == clsInf && x.neg():
		return f.invalid()
	case cx == clsInf:
		lg, lgInf = 1, true
	case cx == clsZero && !p1:
		lg, lgInf = -1, true
	case cx == clsZero:
		lg = 0
	default:
		bx := toBig(x)
		if p1 {
			bx.Add(bx, bigOneF)
		}
		switch bx.Sign() {
		case -1:
			return f.invalid()
		case 0:
			lg, lgInf = -1, true
		default:
			lg = bx.Cmp(bigOneF)
		}
	}
	if cy == clsInf || lgInf {
		if lg == 0 || cy == clsZero {
			return f.invalid()
		}
		if cy != clsInf && lgInf && lg < 0 {
			f.ex |= exZE
		}
		return inf80(y.neg() != (lg < 0))
	}
	if cy == clsZero || lg == 0 {
		if lg == 0 && p1 && cx == clsZero {
			return zero80(y.neg() != x.neg())
		}
		return zero80(y.neg() != (lg < 0))
	}
	if !p1 {
		if _, _, m := x.unpack(); m == 1<<63 && !x.neg() {
			// A power of two: the logarithm is an integer, the product is rounded once.
			_, e, _ := x.unpack()
			g := *f
			g.prec = 64
			r := g.mul(y, fromInt(int64(e-f80Bias)))
			f.ex = g.ex
			return r
		}
	}
	var l *big.Float
	if p1 {
		l = bigLn1p(toBig(x))
	} else {
		l = bigLn(toBig(x))
	}
	l.Quo(l, bigLn2)
	return f.fromBig(l.Mul(l, toBig(y)), 64)
}

// fpatan returns the angle of (x, y): atan(y/x) in the quadrant of the point.
func (f *fctx) fpatan(y, x f80) f80 {
	if r, done := f.operands(x, y); done {
		return r
	}
	bigOnce.Do(bigInit)
	cx, cy := x.class(), y.class()
	var r *big.Float
	switch {
	case cy == clsZero && !x.neg():
		return y
	case cy == clsZero:
		r = newF().Set(bigPi)
	case cx == clsZero:
		r = newF().Quo(bigPi, bigTwoF)
	case cy == clsInf && cx == clsInf && !x.neg():
		r = newF().Quo(bigPi, newF().SetInt64(4))
	case cy == clsInf && cx == clsInf:
		r = newF().Mul(bigPi, newF().SetFloat64(0.75))
	case cy == clsInf:
		r = newF().Quo(bigPi, bigTwoF)
	case cx == clsInf && !x.neg():
		return zero80(y.neg())
	case cx == clsInf:
		r = newF().Set(bigPi)
	default:
		bx, by := toBig(x), toBig(y)
		r = bigAtan(newF().Quo(newF().Abs(by), newF().Abs(bx)))
		if x.neg() {
			r.Sub(bigPi, r)
		}
	}
	if y.neg() {
		r.Neg(r)
	}
	return f.fromBig(r, 64)
}

// trigArg reduces a finite a for fsin, fcos, fsincos and fptan by multiples of pi/2 (the
// 66-bit pi of the x87): the reduced argument and the quadrant. ok is false if |a| >= 2^63.
func trigArg(a f80) (r *big.Float, quad int64, ok bool) {
	bigOnce.Do(bigInit)
	if a.exp() >= f80Bias+63 {
		return nil, 0, false
	}
	x := toBig(a)
	q := newF().Quo(x, bigPiHalf66)
	q.Add(q, bigHF)
	k, _ := q.Int(nil)
	if q.Sign() < 0 && !q.IsInt() {
		k.Sub(k, big.NewInt(1))
	}
	kf := newF().SetInt(k)
	r = newF().Sub(x, kf.Mul(kf, bigPiHalf66))
	return r, new(big.Int).And(k, big.NewInt(3)).Int64(), true
}

// sinCosBig returns sin and cos of a finite a, or ok=false out of range.
func sinCosBig(a f80) (s, c *big.Float, ok bool) {
	r, quad, ok := trigArg(a)
	if !ok {
		return nil, nil, false
	}
	s, c = bigSinCos(r)
	switch quad {
	case 1:
		s, c = c, s.Neg(s)
	case 2:
		s, c = s.Neg(s), c.Neg(c)
	case 3:
		s, c = c.Neg(c), s
	}
	return s, c, true
}

// sincos returns sin(a), or cos(a) with cos; ok=false if |a| >= 2^63 (C2=1).
func (f *fctx) sincos(a f80, cos bool) (f80, bool) {
	if r, done := f.operands(a, a); done {
		return r, true
	}
	switch a.class() {
	case clsInf:
		return f.invalid(), true
	case clsZero:
		if cos {
			return f80One, true
		}
		return a, true
	}
	s, c, ok := sinCosBig(a)
	if !ok {
		return a, false
	}
	if cos {
		return f.fromBig(c, 64), true
	}
	return f.fromBig(s, 64), true
}

// fpuTrig2 executes fptan (tan, then push 1) or fsincos (sin, then push cos).
func (c *CPU) fpuTrig2(tan bool) {
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
	var r0, r1 f80
	if r, done := f.operands(a, a); done {
		r0, r1 = r, r
	} else {
		switch a.class() {
		case clsInf:
			r0 = f.invalid()
			r1 = r0
		case clsZero:
			r0, r1 = a, f80One
		default:
			s, co, ok := sinCosBig(a)
			if !ok {
				p.sw = p.sw&^exC1 | exC2
				return
			}
			if tan {
				r0, r1 = f.fromBig(s.Quo(s, co), 64), f80One
			} else {
				r0, r1 = f.fromBig(s, 64), f.fromBig(co, 64)
			}
		}
	}
	if tan && r0.class() != clsQNaN {
		r1 = f80One
	}
	if p.unmasked(f.ex & (exIE | exZE | exDE)) {
		p.raise(f.ex &^ exC1)
		return
	}
	p.set(0, r0)
	p.push(r1)
	p.raise(f.ex)
	p.sw &^= exC2
}
