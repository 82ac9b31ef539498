package x86

// An 80-bit extended-precision software float, as the x87 computes: a sign, a 15-bit
// biased exponent and a 64-bit significand with an explicit integer bit. Every operation
// rounds once, to the precision and with the rounding mode of an fctx, and records the
// exceptions it raises (IE, DE, ZE, OE, UE, PE) and whether it rounded up (C1) in it.
//
// Formats follow the SDM (Vol. 1, 4.2 and 8.2): exponent 0 with integer bit 0 is a
// denormal (pseudo-denormal if the integer bit is 1), exponent 0x7FFF with fraction 0 is an
// infinity, otherwise a NaN (quiet if bit 62 is set); any other exponent with the integer
// bit clear is an unnormal, and the 387 and later treat unnormals, pseudo-NaNs and
// pseudo-infinities as unsupported formats (an invalid operand).

import (
	"math/bits"
)

// f80 is an extended-precision value.
type f80 struct {
	m  uint64 // significand, integer bit in bit 63
	se uint16 // sign (bit 15) and biased exponent
}

const (
	f80Bias = 16383
	f80Emax = 0x7FFF
	// wrapBias is the exponent adjustment of an unmasked overflow or underflow with a
	// register destination (SDM Vol. 1, 8.5.3.3 and 8.5.4.3).
	wrapBias = 24576
)

// Exception and condition bits as in the x87 status word.
const (
	exIE = 1 << 0
	exDE = 1 << 1
	exZE = 1 << 2
	exOE = 1 << 3
	exUE = 1 << 4
	exPE = 1 << 5
	exSF = 1 << 6
	exES = 1 << 7
	exC0 = 1 << 8
	exC1 = 1 << 9
	exC2 = 1 << 10
	exC3 = 1 << 14
	exB  = 1 << 15

	exAll = exIE | exDE | exZE | exOE | exUE | exPE
)

// Rounding control (control word bits 10-11).
const (
	rcNearest = 0
	rcDown    = 1
	rcUp      = 2
	rcZero    = 3
)

var (
	f80Indefinite = f80{m: 0xC000000000000000, se: 0xFFFF} // the default (real indefinite) QNaN
	f80One        = f80{m: 1 << 63, se: f80Bias}
	f80Inf        = f80{m: 1 << 63, se: f80Emax}
)

// Classes of values.
const (
	clsZero = iota
	clsNormal
	clsDenormal // includes pseudo-denormals
	clsInf
	clsQNaN
	clsSNaN
	clsUnsupported // unnormals, pseudo-NaNs, pseudo-infinities
)

func (x f80) neg() bool   { return x.se&0x8000 != 0 }
func (x f80) exp() int32  { return int32(x.se & 0x7FFF) }
func (x f80) abs() f80    { return f80{x.m, x.se &^ 0x8000} }
func (x f80) chs() f80    { return f80{x.m, x.se ^ 0x8000} }
func (x f80) quiet() f80  { return f80{x.m | 1<<62, x.se} }
func (x f80) isNaN() bool { c := x.class(); return c == clsQNaN || c == clsSNaN }

func (x f80) class() int {
	e := x.exp()
	switch {
	case e == f80Emax:
		switch {
		case x.m>>63 == 0:
			return clsUnsupported
		case x.m<<1 == 0:
			return clsInf
		case x.m>>62&1 != 0:
			return clsQNaN
		}
		return clsSNaN
	case e == 0:
		if x.m == 0 {
			return clsZero
		}
		return clsDenormal
	case x.m>>63 == 0:
		return clsUnsupported
	}
	return clsNormal
}

func signBit(neg bool) uint16 {
	if neg {
		return 0x8000
	}
	return 0
}

func zero80(neg bool) f80 { return f80{se: signBit(neg)} }
func inf80(neg bool) f80  { return f80{m: 1 << 63, se: f80Emax | signBit(neg)} }

// unpack returns the sign, biased exponent and significand of a finite value, normalized so
// that bit 63 is set (denormals get an exponent below 1); m is 0 for a zero.
func (x f80) unpack() (neg bool, e int32, m uint64) {
	neg, e, m = x.neg(), x.exp(), x.m
	if e == 0 {
		e = 1
	}
	if m != 0 {
		lz := bits.LeadingZeros64(m)
		m <<= uint(lz)
		e -= int32(lz)
	}
	return
}

// fctx is the environment of an operation: rounding and precision from the control word,
// the exception masks, and the exceptions raised so far.
type fctx struct {
	rc   uint8
	prec int    // significand bits results are rounded to: 24, 53 or 64
	mask uint16 // exception masks (control word bits 0-5)
	ex   uint16 // exceptions raised and C1 (rounded up)
}

func (f *fctx) masked(e uint16) bool { return f.mask&e != 0 }

// rnd rounds the 128-bit significand hi:lo to its top keep bits (keep <= 0: nothing is kept
// but what rounding adds) and returns them as an integer, which is 1<<keep (or 0 with keep 64)
// when rounding carried out; inexact says bits were lost, up that the magnitude grew.
func rnd(hi, lo uint64, keep int, neg bool, rc uint8) (q uint64, inexact, up bool) {
	var half, sticky bool
	switch {
	case keep < 0:
		sticky = hi|lo != 0
	case keep == 0:
		half, sticky = hi>>63 != 0, hi<<1 != 0 || lo != 0
	case keep == 64:
		q, half, sticky = hi, lo>>63 != 0, lo<<1 != 0
	default:
		rest := hi << uint(keep)
		q, half, sticky = hi>>uint(64-keep), rest>>63 != 0, rest<<1 != 0 || lo != 0
	}
	inexact = half || sticky
	switch rc {
	case rcNearest:
		up = half && (sticky || q&1 != 0)
	case rcDown:
		up = inexact && neg
	case rcUp:
		up = inexact && !neg
	}
	if up {
		q++
	}
	return
}

// format describes a binary floating-point format for rounding: significand bits,
// exponent bias, and the all-ones exponent.
type format struct {
	prec int
	bias int32
	emax int32
}

var (
	fmtSingle = format{24, 127, 0xFF}
	fmtDouble = format{53, 1023, 0x7FF}
)

// roundTo rounds the value (-1)^neg * hi:lo/2^127 * 2^(e-f80Bias), hi:lo normalized (bit
// 127 set) or zero, to format ft. It returns the biased exponent field in ft and the
// significand with its integer bit in bit 63 (clear for a denormal), raising PE, UE, OE and
// C1 as the x87 does: tininess is detected after rounding; a masked overflow gives infinity
// or the largest finite value by the rounding mode. With wrap (a register destination), an
// unmasked overflow or underflow gives the result with its exponent adjusted by wrapBias;
// without it, the caller must not store when f.ex has an unmasked exception.
func (f *fctx) roundTo(neg bool, e int32, hi, lo uint64, ft format, wrap bool) (int32, uint64) {
	if hi == 0 && lo == 0 {
		return 0, 0
	}
	if hi>>63 == 0 {
		n := 0
		if hi == 0 {
			hi, lo = lo, 0
			n = 64
		}
		lz := bits.LeadingZeros64(hi)
		hi = hi<<uint(lz) | lo>>uint(64-lz)
		lo <<= uint(lz)
		e -= int32(n + lz)
	}
	p := ft.prec
	te := e - f80Bias + ft.bias // biased in the target format
	normal := func(te int32) (int32, uint64) {
		q, inexact, up := rnd(hi, lo, p, neg, f.rc)
		var m uint64
		if p == 64 {
			if up && q == 0 {
				m, te = 1<<63, te+1
			} else {
				m = q
			}
		} else {
			if q>>uint(p) != 0 {
				q >>= 1
				te++
			}
			m = q << uint(64-p)
		}
		if inexact {
			f.ex |= exPE
		}
		if up {
			f.ex |= exC1
		}
		return te, m
	}
	if te >= 1 {
		te, m := normal(te)
		if te < ft.emax {
			return te, m
		}
		f.ex |= exOE
		if !f.masked(exOE) {
			if wrap {
				return te - wrapBias, m
			}
			return te, m
		}
		f.ex |= exPE
		f.ex &^= exC1
		toInf := f.rc == rcNearest || (f.rc == rcUp && !neg) || (f.rc == rcDown && neg)
		if toInf {
			f.ex |= exC1
			return ft.emax, 1 << 63
		}
		return ft.emax - 1, ^uint64(0) << uint(64-p)
	}
	// Tiny before rounding; after rounding too, unless rounding to p bits with an unbounded
	// exponent carries it to the smallest normal.
	tiny := true
	if te == 0 {
		q, _, up := rnd(hi, lo, p, neg, f.rc)
		if (p == 64 && up && q == 0) || (p < 64 && q>>uint(p) != 0) {
			tiny = false
		}
	}
	if !f.masked(exUE) {
		if tiny {
			f.ex |= exUE
		}
		if wrap {
			te, m := normal(te + wrapBias)
			return te, m
		}
		q, _, _ := rnd(hi, lo, p-int(1-te), neg, f.rc)
		return 0, q << uint(64-p)
	}
	q, inexact, up := rnd(hi, lo, p-int(1-te), neg, f.rc)
	m := q << uint(64-p)
	if inexact {
		f.ex |= exPE
		if tiny {
			f.ex |= exUE
		}
	}
	if up {
		f.ex |= exC1
	}
	if m>>63 != 0 {
		return 1, m
	}
	return 0, m
}

// round rounds to an extended-precision register value at precision prec.
func (f *fctx) round(neg bool, e int32, hi, lo uint64, prec int) f80 {
	te, m := f.roundTo(neg, e, hi, lo, format{prec, f80Bias, f80Emax}, true)
	return f80{m: m, se: uint16(te)&0x7FFF | signBit(neg)}
}

// shr128 shifts hi:lo right by n, or-ing the bits shifted out into bit 0.
func shr128(hi, lo uint64, n int32) (uint64, uint64) {
	if n <= 0 {
		return hi, lo
	}
	if n >= 128 {
		if hi|lo != 0 {
			return 0, 1
		}
		return 0, 0
	}
	var sticky bool
	if n >= 64 {
		sticky = lo != 0 || hi<<uint(128-n) != 0
		hi, lo = 0, hi>>uint(n-64)
	} else {
		sticky = lo<<uint(64-n) != 0
		hi, lo = hi>>uint(n), lo>>uint(n)|hi<<uint(64-n)
	}
	if sticky {
		lo |= 1
	}
	return hi, lo
}

// nan2 is the NaN result of an operation with NaN operand(s) a and/or b (SDM Vol. 1, table
// 4-7): an SNaN raises IE and is quieted; of two NaNs the QNaN wins over an SNaN, and of two
// of a kind the larger significand (the positive one if they tie).
func (f *fctx) nan2(a, b f80) f80 {
	ca, cb := a.class(), b.class()
	if ca == clsSNaN || cb == clsSNaN {
		f.ex |= exIE
	}
	an, bn := ca == clsQNaN || ca == clsSNaN, cb == clsQNaN || cb == clsSNaN
	switch {
	case an && bn:
		if ca != cb {
			if ca == clsQNaN {
				return a
			}
			return b
		}
		qa, qb := a.quiet(), b.quiet()
		if qa.m > qb.m || (qa.m == qb.m && !qa.neg()) {
			return qa
		}
		return qb
	case an:
		return a.quiet()
	}
	return b.quiet()
}

// operands checks the operands of an arithmetic operation for unsupported formats, NaNs
// and denormals. It returns the result and true when that decides it (a NaN or the
// indefinite), or false when the operation must go on. An unmasked denormal stops it too.
func (f *fctx) operands(a, b f80) (f80, bool) {
	ca, cb := a.class(), b.class()
	if ca == clsUnsupported || cb == clsUnsupported {
		f.ex |= exIE
		return f80Indefinite, true
	}
	if ca >= clsQNaN || cb >= clsQNaN {
		return f.nan2(a, b), true
	}
	if ca == clsDenormal || cb == clsDenormal {
		f.ex |= exDE
		if !f.masked(exDE) {
			return f80{}, true
		}
	}
	return f80{}, false
}

func (f *fctx) invalid() f80 {
	f.ex |= exIE
	return f80Indefinite
}

// add returns a+b, or a-b with sub.
func (f *fctx) add(a, b f80, sub bool) f80 {
	if r, done := f.operands(a, b); done {
		return r
	}
	if sub {
		b = b.chs()
	}
	ca, cb := a.class(), b.class()
	if ca == clsInf || cb == clsInf {
		if ca == clsInf && cb == clsInf && a.neg() != b.neg() {
			return f.invalid()
		}
		if ca == clsInf {
			return a
		}
		return b
	}
	an, ae, am := a.unpack()
	bn, be, bm := b.unpack()
	if am == 0 && bm == 0 {
		if an == bn {
			return zero80(an)
		}
		return zero80(f.rc == rcDown)
	}
	if am == 0 {
		return f.round(bn, be, bm, 0, f.prec)
	}
	if bm == 0 {
		return f.round(an, ae, am, 0, f.prec)
	}
	if ae < be || (ae == be && am < bm) {
		an, ae, am, bn, be, bm = bn, be, bm, an, ae, am
	}
	ahi, alo := am, uint64(0)
	bhi, blo := shr128(bm, 0, ae-be)
	var hi, lo uint64
	if an == bn {
		var c uint64
		lo, c = bits.Add64(alo, blo, 0)
		hi, c = bits.Add64(ahi, bhi, c)
		if c != 0 {
			hi, lo = shr128(hi, lo, 1)
			hi |= 1 << 63
			ae++
		}
	} else {
		var bw uint64
		lo, bw = bits.Sub64(alo, blo, 0)
		hi, _ = bits.Sub64(ahi, bhi, bw)
		if hi == 0 && lo == 0 {
			return zero80(f.rc == rcDown)
		}
	}
	return f.round(an, ae, hi, lo, f.prec)
}

// mul returns a*b.
func (f *fctx) mul(a, b f80) f80 {
	if r, done := f.operands(a, b); done {
		return r
	}
	neg := a.neg() != b.neg()
	ca, cb := a.class(), b.class()
	if ca == clsInf || cb == clsInf {
		if ca == clsZero || cb == clsZero {
			return f.invalid()
		}
		return inf80(neg)
	}
	_, ae, am := a.unpack()
	_, be, bm := b.unpack()
	if am == 0 || bm == 0 {
		return zero80(neg)
	}
	hi, lo := bits.Mul64(am, bm)
	return f.round(neg, ae+be-f80Bias+1, hi, lo, f.prec)
}

// div returns a/b.
func (f *fctx) div(a, b f80) f80 {
	if r, done := f.operands(a, b); done {
		return r
	}
	neg := a.neg() != b.neg()
	ca, cb := a.class(), b.class()
	switch {
	case ca == clsInf && cb == clsInf, ca == clsZero && cb == clsZero:
		return f.invalid()
	case ca == clsInf:
		return inf80(neg)
	case cb == clsInf, ca == clsZero:
		return zero80(neg)
	case cb == clsZero:
		f.ex |= exZE
		return inf80(neg)
	}
	_, ae, am := a.unpack()
	_, be, bm := b.unpack()
	q1, r1 := bits.Div64(am>>1, am<<63, bm)
	q2, r2 := bits.Div64(r1, 0, bm)
	if r2 != 0 {
		q2 |= 1
	}
	return f.round(neg, ae-be+f80Bias, q1, q2, f.prec)
}

// fromInt converts a 64-bit signed integer exactly.
func fromInt(v int64) f80 {
	if v == 0 {
		return f80{}
	}
	neg := v < 0
	u := uint64(v)
	if neg {
		u = -u
	}
	lz := bits.LeadingZeros64(u)
	return f80{m: u << uint(lz), se: uint16(f80Bias+63-lz) | signBit(neg)}
}

// fromBits32 converts a single-precision value exactly (an SNaN stays signaling; the
// caller decides). den reports a denormal.
func fromBits32(v uint32) (x f80, den bool) {
	return fromIEEE(uint64(v&0x7FFFFF), int32(v>>23&0xFF), v>>31 != 0, 23, 127, 0xFF)
}

// fromBits64 converts a double-precision value exactly.
func fromBits64(v uint64) (x f80, den bool) {
	return fromIEEE(v&(1<<52-1), int32(v>>52&0x7FF), v>>63 != 0, 52, 1023, 0x7FF)
}

func fromIEEE(frac uint64, e int32, neg bool, fbits uint, bias, emax int32) (f80, bool) {
	s := signBit(neg)
	switch {
	case e == emax:
		return f80{m: 1<<63 | frac<<(63-fbits), se: f80Emax | s}, false
	case e == 0:
		if frac == 0 {
			return f80{se: s}, false
		}
		lz := bits.LeadingZeros64(frac)
		return f80{m: frac << uint(lz), se: uint16(1-bias+f80Bias-int32(lz-(63-int(fbits)))) | s}, true
	}
	return f80{m: 1<<63 | frac<<(63-fbits), se: uint16(e-bias+f80Bias) | s}, false
}

// toIEEE rounds x to a single- or double-precision format (fst/fstp m32 and m64): an SNaN
// raises IE and is quieted, a NaN keeps its top fraction bits.
func (f *fctx) toIEEE(x f80, ft format) uint64 {
	fbits := uint(ft.prec - 1)
	var s uint64
	if x.neg() {
		s = 1 << (fbits + uint(bits.Len32(uint32(ft.emax))))
	}
	inf := uint64(ft.emax) << fbits
	switch x.class() {
	case clsUnsupported:
		f.ex |= exIE
		x = f80Indefinite
		s = 1 << (fbits + uint(bits.Len32(uint32(ft.emax))))
		fallthrough
	case clsQNaN, clsSNaN:
		if x.class() == clsSNaN {
			f.ex |= exIE
		}
		return s | inf | (x.m|1<<62)<<1>>(64-fbits)
	case clsInf:
		return s | inf
	case clsZero:
		return s
	}
	neg, e, m := x.unpack()
	te, rm := f.roundTo(neg, e, m, 0, ft, false)
	return s | uint64(te)<<fbits | rm<<1>>(64-fbits)
}

// toInt rounds x to an integer by the rounding mode and checks it fits in n bits (fist,
// fistp); out of range, NaNs and infinities raise IE and give the integer indefinite.
func (f *fctx) toInt(x f80, n uint) int64 {
	indef := int64(-1) << (n - 1)
	switch x.class() {
	case clsUnsupported, clsQNaN, clsSNaN, clsInf:
		f.ex |= exIE
		return indef
	case clsZero:
		return 0
	}
	neg, e, m := x.unpack()
	u := e - f80Bias // unbiased exponent: integer bits = u+1
	if u >= 64 {
		f.ex |= exIE
		return indef
	}
	q, inexact, up := rnd(m, 0, int(u+1), neg, f.rc)
	carry := u == 63 && up && q == 0
	limit := uint64(1) << (n - 1)
	if carry || q > limit || (q == limit && !neg) {
		f.ex |= exIE
		return indef
	}
	if inexact {
		f.ex |= exPE
	}
	if up {
		f.ex |= exC1
	}
	if neg {
		return -int64(q)
	}
	return int64(q)
}

// roundInt rounds x to an integral value by the rounding mode (frndint).
func (f *fctx) roundInt(x f80) f80 {
	switch x.class() {
	case clsUnsupported:
		return f.invalid()
	case clsQNaN, clsSNaN:
		return f.nan2(x, x)
	case clsInf, clsZero:
		return x
	case clsDenormal:
		f.ex |= exDE
		if !f.masked(exDE) {
			return x
		}
	}
	neg, e, m := x.unpack()
	u := e - f80Bias
	if u >= 63 {
		return x
	}
	q, inexact, up := rnd(m, 0, int(u+1), neg, f.rc)
	if inexact {
		f.ex |= exPE
	}
	if up {
		f.ex |= exC1
	}
	if q == 0 {
		return zero80(neg)
	}
	r := fromInt(int64(q))
	if q == 1<<63 {
		r = f80{m: 1 << 63, se: f80Bias + 63}
	}
	r.se |= signBit(neg)
	return r
}

// compare orders a and b: 0 a > b, 1 a < b, 2 equal, 3 unordered (the C3,C2,C0 and
// ZF,PF,CF patterns are built from it). An unordered compare raises IE when quiet is false
// or an operand is an SNaN; unsupported formats always raise it.
func (f *fctx) compare(a, b f80, quiet bool) int {
	ca, cb := a.class(), b.class()
	if ca == clsUnsupported || cb == clsUnsupported {
		f.ex |= exIE
		return 3
	}
	if ca >= clsQNaN || cb >= clsQNaN {
		if !quiet || ca == clsSNaN || cb == clsSNaN {
			f.ex |= exIE
		}
		return 3
	}
	if ca == clsDenormal || cb == clsDenormal {
		f.ex |= exDE
	}
	if ca == clsZero && cb == clsZero {
		return 2
	}
	if a.neg() != b.neg() {
		if a.neg() {
			return 1
		}
		return 0
	}
	var less, eq bool
	if ca == clsInf || cb == clsInf {
		eq = ca == cb
		less = cb == clsInf && ca != clsInf
	} else {
		_, ae, am := a.unpack()
		_, be, bm := b.unpack()
		if am == 0 || bm == 0 {
			eq = am == bm
			less = am == 0
		} else {
			eq = ae == be && am == bm
			less = ae < be || (ae == be && am < bm)
		}
	}
	switch {
	case eq:
		return 2
	case less != a.neg():
		return 1
	}
	return 0
}
