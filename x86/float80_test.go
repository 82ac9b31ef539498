package x86

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/rand"
	"testing"
)

// The float80 arithmetic against an independent reference: exact rational arithmetic
// (math/big.Rat) rounded by refRound, which follows the SDM's rules directly.

// ratOf returns the exact value of a finite x.
func ratOf(x f80) *big.Rat {
	neg, e, m := x.unpack()
	r := new(big.Rat).SetInt(new(big.Int).SetUint64(m))
	sh := int(e) - f80Bias - 63
	p := new(big.Int).Lsh(big.NewInt(1), uint(abs(sh)))
	if sh >= 0 {
		r.Mul(r, new(big.Rat).SetInt(p))
	} else {
		r.Quo(r, new(big.Rat).SetInt(p))
	}
	if neg {
		r.Neg(r)
	}
	return r
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// ilog2 returns floor(log2(|x|)) for x != 0.
func ilog2(x *big.Rat) int {
	n := new(big.Int).Abs(x.Num())
	d := x.Denom()
	e := n.BitLen() - d.BitLen()
	// 2^e <= n/d < 2^(e+1)?
	lhs := new(big.Int).Set(n)
	rhs := new(big.Int).Set(d)
	if e >= 0 {
		rhs.Lsh(rhs, uint(e))
	} else {
		lhs.Lsh(lhs, uint(-e))
	}
	if lhs.Cmp(rhs) < 0 {
		e--
	}
	return e
}

// roundRatInt rounds q to an integer by mode rc; it reports whether it was inexact.
func roundRatInt(q *big.Rat, rc uint8) (*big.Int, bool) {
	neg := q.Sign() < 0
	a := new(big.Rat).Abs(q)
	n, rem := new(big.Int).QuoRem(a.Num(), a.Denom(), new(big.Int))
	if rem.Sign() == 0 {
		if neg {
			n.Neg(n)
		}
		return n, false
	}
	up := false
	switch rc {
	case rcNearest:
		c := new(big.Int).Lsh(rem, 1).Cmp(a.Denom())
		up = c > 0 || (c == 0 && n.Bit(0) == 1)
	case rcDown:
		up = neg
	case rcUp:
		up = !neg
	}
	if up {
		n.Add(n, big.NewInt(1))
	}
	if neg {
		n.Neg(n)
	}
	return n, true
}

func pow2Rat(e int) *big.Rat {
	p := new(big.Int).Lsh(big.NewInt(1), uint(abs(e)))
	if e >= 0 {
		return new(big.Rat).SetInt(p)
	}
	return new(big.Rat).SetFrac(big.NewInt(1), p)
}

// refRound rounds an exact nonzero x to precision p in the extended exponent range, all
// exceptions masked: the value (nil for an infinity) and the flags PE, UE, OE, C1.
func refRound(x *big.Rat, p int, rc uint8) (*big.Rat, uint16) {
	e := ilog2(x)
	u := e - p + 1
	if lo := -16381 - p; u < lo {
		u = lo
	}
	q := new(big.Rat).Quo(x, pow2Rat(u))
	n, inexact := roundRatInt(q, rc)
	v := new(big.Rat).Mul(new(big.Rat).SetInt(n), pow2Rat(u))
	var ex uint16
	if inexact {
		ex |= exPE
		// Tininess after rounding: round to p bits with an unbounded exponent.
		if e < -16382 {
			q2 := new(big.Rat).Quo(x, pow2Rat(e-p+1))
			n2, _ := roundRatInt(q2, rc)
			v2 := new(big.Rat).Mul(new(big.Rat).SetInt(n2), pow2Rat(e-p+1))
			if new(big.Rat).Abs(v2).Cmp(pow2Rat(-16382)) < 0 {
				ex |= exUE
			}
		}
	}
	if new(big.Rat).Abs(v).Cmp(new(big.Rat).Abs(x)) > 0 {
		ex |= exC1
	}
	if v.Sign() != 0 && ilog2(v) >= 16384 {
		ex = exOE | exPE
		neg := x.Sign() < 0
		if rc == rcNearest || (rc == rcUp && !neg) || (rc == rcDown && neg) {
			return nil, ex | exC1
		}
		m := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(p)), big.NewInt(1))
		v = new(big.Rat).Mul(new(big.Rat).SetInt(m), pow2Rat(16384-p))
		if neg {
			v.Neg(v)
		}
	}
	return v, ex
}

// randF80 returns a random finite value: ordinary, near the ends of the range, denormal.
func randF80(r *rand.Rand) f80 {
	m := r.Uint64() | 1<<63
	switch r.Intn(6) {
	case 0:
		m = ^uint64(0) << uint(r.Intn(64)) // runs of ones
	case 1:
		m = 1<<63 | uint64(r.Intn(16))
	}
	var e int
	switch r.Intn(8) {
	case 0:
		e = 1 + r.Intn(80)
	case 1:
		e = f80Emax - 1 - r.Intn(80)
	case 2:
		e = 0
		m >>= uint(r.Intn(64))
	default:
		e = f80Bias - 40 + r.Intn(80)
	}
	return f80{m: m, se: uint16(e) | uint16(r.Intn(2))<<15}
}

func TestFloat80ArithmeticAgainstRationals(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	precs := []int{24, 53, 64}
	for i := 0; i < n; i++ {
		a, b := randF80(r), randF80(r)
		if r.Intn(4) == 0 { // close exponents: cancellation
			b.se = a.se&0x7FFF | b.se&0x8000
			b.m = a.m ^ uint64(r.Intn(1<<10))
			b.m |= a.m & (1 << 63)
		}
		op := r.Intn(4)
		f := fctx{rc: uint8(r.Intn(4)), prec: precs[r.Intn(3)], mask: exAll}
		var got f80
		ra, rb := ratOf(a), ratOf(b)
		var want *big.Rat
		switch op {
		case 0:
			got = f.add(a, b, false)
			want = new(big.Rat).Add(ra, rb)
		case 1:
			got = f.add(a, b, true)
			want = new(big.Rat).Sub(ra, rb)
		case 2:
			got = f.mul(a, b)
			want = new(big.Rat).Mul(ra, rb)
		case 3:
			if b.m == 0 {
				continue
			}
			got = f.div(a, b)
			want = new(big.Rat).Quo(ra, rb)
		}
		wantEx := uint16(0)
		var wantV *big.Rat
		if want.Sign() == 0 {
			wantV = want
		} else {
			wantV, wantEx = refRound(want, f.prec, f.rc)
		}
		den := a.class() == clsDenormal || b.class() == clsDenormal
		if den {
			wantEx |= exDE
		}
		gotEx := f.ex
		ok := gotEx == wantEx
		if wantV == nil {
			ok = ok && got.class() == clsInf && got.neg() == (want.Sign() < 0)
		} else {
			ok = ok && got.class() != clsInf && got.class() != clsUnsupported && ratOf(got).Cmp(wantV) == 0
		}
		if !ok {
			t.Fatalf("op %d prec %d rc %d: %04x:%016x, %04x:%016x = %04x:%016x ex %#x; want %v ex %#x",
				op, f.prec, f.rc, a.se, a.m, b.se, b.m, got.se, got.m, gotEx, wantV, wantEx)
		}
	}
}

func TestFloat80Sqrt(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for i := 0; i < 5000; i++ {
		a := randF80(r).abs()
		f := fctx{rc: uint8(r.Intn(4)), prec: []int{24, 53, 64}[r.Intn(3)], mask: exAll}
		got := f.sqrt(a)
		if a.m == 0 {
			continue
		}
		// got is the correctly rounded root iff the exact root lies in the right interval
		// around it; check with squares of rationals.
		g := ratOf(got)
		x := ratOf(a)
		sq := new(big.Rat).Mul(g, g)
		c := sq.Cmp(x)
		ulp := pow2Rat(ilog2(g) - f.prec + 1)
		switch f.rc {
		case rcNearest:
			lo := new(big.Rat).Sub(g, new(big.Rat).Quo(ulp, big.NewRat(2, 1)))
			hi := new(big.Rat).Add(g, new(big.Rat).Quo(ulp, big.NewRat(2, 1)))
			if new(big.Rat).Mul(lo, lo).Cmp(x) > 0 || new(big.Rat).Mul(hi, hi).Cmp(x) < 0 {
				t.Fatalf("sqrt %04x:%016x = %04x:%016x, not nearest", a.se, a.m, got.se, got.m)
			}
		case rcDown, rcZero:
			hi := new(big.Rat).Add(g, ulp)
			if c > 0 || new(big.Rat).Mul(hi, hi).Cmp(x) <= 0 {
				t.Fatalf("sqrt %04x:%016x = %04x:%016x, not rounded down", a.se, a.m, got.se, got.m)
			}
		case rcUp:
			lo := new(big.Rat).Sub(g, ulp)
			if c < 0 || new(big.Rat).Mul(lo, lo).Cmp(x) >= 0 {
				t.Fatalf("sqrt %04x:%016x = %04x:%016x, not rounded up", a.se, a.m, got.se, got.m)
			}
		}
		if (c != 0) != (f.ex&exPE != 0) {
			t.Fatalf("sqrt %04x:%016x: PE %v, exact %v", a.se, a.m, f.ex&exPE != 0, c == 0)
		}
	}
}

func TestFloat80Conversions(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for i := 0; i < 20000; i++ {
		// float64 -> f80 -> float64 is the identity (SNaNs are quieted only by fld).
		v := r.Uint64()
		if r.Intn(4) == 0 {
			v &^= 0x7FF << 52 // denormals
		}
		x, _ := fromBits64(v)
		f := fctx{rc: uint8(r.Intn(4)), prec: 64, mask: exAll}
		got := f.toIEEE(x, fmtDouble)
		isSNaN := v>>52&0x7FF == 0x7FF && v&(1<<52-1) != 0 && v>>51&1 == 0
		if isSNaN {
			v |= 1 << 51
		}
		if got != v {
			t.Fatalf("double %#x -> %04x:%016x -> %#x", v, x.se, x.m, got)
		}
		s := uint32(v)
		x, _ = fromBits32(s)
		got32 := uint32(f.toIEEE(x, fmtSingle))
		if s>>23&0xFF == 0xFF && s&0x7FFFFF != 0 {
			s |= 1 << 22
		}
		if got32 != s {
			t.Fatalf("single %#x -> %04x:%016x -> %#x", s, x.se, x.m, got32)
		}
		// f80 -> double matches the reference rounding with the double's range.
		a := randF80(r)
		a.se = a.se&0x8000 | uint16(f80Bias-1100+r.Intn(2200))
		g := fctx{rc: rcNearest, prec: 64, mask: exAll}
		d := g.toIEEE(a, fmtDouble)
		if want := math.Float64bits(ratFloat64(ratOf(a))); d != want && a.class() == clsNormal {
			t.Fatalf("%04x:%016x -> double %#x, want %#x", a.se, a.m, d, want)
		}
	}
	// Integers.
	for _, v := range []int64{0, 1, -1, 1 << 62, -1 << 63, math.MaxInt64, 12345678901234} {
		f := fctx{prec: 64, mask: exAll}
		if got := f.toInt(fromInt(v), 64); got != v || f.ex != 0 {
			t.Errorf("int %d -> %d ex %#x", v, got, f.ex)
		}
	}
	f := fctx{prec: 64, mask: exAll}
	if got := f.toInt(fromInt(40000), 16); got != -32768 || f.ex != exIE {
		t.Errorf("40000 -> int16 %d ex %#x", got, f.ex)
	}
	f = fctx{prec: 64, mask: exAll, rc: rcNearest}
	if got := f.toInt(f.div(fromInt(5), fromInt(2)), 32); got != 2 || f.ex != exPE {
		t.Errorf("2.5 -> %d ex %#x (nearest even)", got, f.ex)
	}
	// BCD.
	lo, hi := f.toBCD(fromInt(-123456789012345678))
	if lo != 0x3456789012345678 || hi != 0x8012 {
		t.Errorf("bcd %#x %#x", hi, lo)
	}
	if x := fromBCD(lo, hi); x != fromInt(-123456789012345678) {
		t.Errorf("fbld %04x:%016x", x.se, x.m)
	}
}

func ratFloat64(r *big.Rat) float64 {
	f, _ := r.Float64()
	return f
}

// TestFPUDouble is the check: (int)(1.5*4.0) == 6, as gcc -m32 compiles it.
func TestFPUDouble(t *testing.T) {
	c, b, _ := newFlat(t)
	code := []byte{
		0xDB, 0xE3, // fninit
		0xDD, 0x05, 0x00, 0x20, 0, 0, // fld qword [0x2000]
		0xDC, 0x0D, 0x08, 0x20, 0, 0, // fmul qword [0x2008]
		0xD9, 0x3D, 0x10, 0x20, 0, 0, // fnstcw [0x2010]
		0x66, 0xA1, 0x10, 0x20, 0, 0, // mov ax, [0x2010]
		0x80, 0xCC, 0x0C, // or ah, 0xc
		0x66, 0xA3, 0x12, 0x20, 0, 0, // mov [0x2012], ax
		0xD9, 0x2D, 0x12, 0x20, 0, 0, // fldcw [0x2012]
		0xDB, 0x1D, 0x14, 0x20, 0, 0, // fistp dword [0x2014]
		0xD9, 0x2D, 0x10, 0x20, 0, 0, // fldcw [0x2010]
		0xDF, 0xE0, // fnstsw ax
		0xF4,
	}
	b.put(0x10000, code)
	binary.LittleEndian.PutUint64(b.ram[0x2000:], math.Float64bits(1.5))
	binary.LittleEndian.PutUint64(b.ram[0x2008:], math.Float64bits(4.0))
	runToHalt(t, c)
	if got := b.r32(0x2014); got != 6 {
		t.Errorf("(int)(1.5*4.0) = %d, want 6", int32(got))
	}
	if sw := c.Reg[EAX] & 0xFFFF; sw != 0 {
		t.Errorf("status word %#x, want 0", sw)
	}
}

// TestFloat80UnmaskedOverUnderflow checks the unmasked responses with a register
// destination: the rounded result with its exponent adjusted by 24576 (SDM Vol. 1, 8.5.3.3
// and 8.5.4.3), and UE for a tiny result even when it is exact.
func TestFloat80UnmaskedOverUnderflow(t *testing.T) {
	big := f80{m: 0xC000000000000000, se: 0x7FFE} // 1.5 * 2^16383
	f := fctx{prec: 64, mask: exAll &^ exOE}
	r := f.mul(big, fromInt(4)) // 1.5 * 2^16385: biased 0x8000 before the adjustment
	if r != (f80{m: 0xC000000000000000, se: 0x8000 - wrapBias}) || f.ex&exOE == 0 {
		t.Errorf("unmasked overflow: %04x:%016x ex %#x", r.se, r.m, f.ex)
	}
	small := f80{m: 1 << 63, se: 1} // 2^-16382
	f = fctx{prec: 64, mask: exAll &^ exUE}
	r = f.div(small, fromInt(4)) // 2^-16384, exact
	if r != (f80{m: 1 << 63, se: uint16(-1 + wrapBias)}) || f.ex != exUE {
		t.Errorf("unmasked underflow: %04x:%016x ex %#x", r.se, r.m, f.ex)
	}
	f = fctx{prec: 64, mask: exAll}
	r = f.div(small, fromInt(4)) // masked and exact: a denormal, no UE
	if r != (f80{m: 1 << 61}) || f.ex != 0 {
		t.Errorf("masked exact underflow: %04x:%016x ex %#x", r.se, r.m, f.ex)
	}
}
