//go:build unicorn

package x86_test

// Differential tests of the x87 against Unicorn, per instruction group, on random operands
// (normals near 1 and near the ends of the range, denormals, pseudo-denormals, zeros,
// infinities, QNaNs, SNaNs, unnormals), with random rounding and precision control.
//
// Each case loads ST(1) and ST(0) (80-bit, from memory), runs one instruction, stores the
// status word, then every result register (fstp m80) and EFLAGS. A batch of cases is one
// straight-line program run on both machines; the outputs are compared byte for byte, the
// status word under the group's mask (fpuSWCompared).
//
// GEMU_FPU_N=n runs n cases per group (default 3000; the acceptance run is
// GEMU_FPU_N=100000, a few minutes). GEMU_FPU_SEED picks another seed.

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"

	"gemu/x86"
	"gemu/x86/internal/uc"
)

const (
	fpCode   = 0x10000 // the batch's program
	fpIn     = 0x40000 // inputs, 32 bytes per case
	fpOut    = 0x80000 // outputs, 48 bytes per case
	fpBatch  = 400     // cases per batch
	fpInSize = 32
	fpOutSz  = 48
)

// fpOp is one instruction form of a group.
type fpOp struct {
	name string
	code []byte // the instruction; a ModRM with mod=00 rm=101 gets the memory operand's address
	mem  int    // memory operand: 0 none, else its kind (fpM32 ...)
	n    int    // registers to store after (results left on the stack)
	st1  bool   // ST(1) is loaded (two operands)
	st0  bool   // ST(0) is loaded

	sw     uint16 // status word bits compared besides TOP (see fpSWBase)
	eflags uint32 // EFLAGS bits compared, if not all arithmetic flags
	gen    int    // operand restriction (fpGen*)
	approx bool   // results compared to within fpApprox (Unicorn computes them in double)
	env    bool   // code ends in fnstenv [out+6] (instead of storing registers)
}

// Operand restrictions for forms where Unicorn departs from the SDM (see TestFPUDiff).
const (
	fpGenAny     = iota
	fpGenNearest // round to nearest only (constants)
	fpGenPC64    // precision control 64 bits only (fscale)
	fpGenDouble  // operands of 20 significant bits with exponents less than 31 apart (fprem, fprem1)
	fpGenTrig    // exact doubles, |x| < 2^21, zeros (fsin, fcos, fsincos, fptan)
	fpGenExp     // exact doubles in [-1, 1] (f2xm1)
	fpGenLog     // ST(0) a positive exact double, ST(1) an exact double (fyl2x)
	fpGenLog1p   // ST(0) an exact double in (-0.25, 0.25), ST(1) an exact double (fyl2xp1)
	fpGenAtan    // exact doubles (fpatan)
)

// Memory operand kinds.
const (
	fpMNone = iota
	fpM32
	fpM64
	fpM80
	fpMI16
	fpMI32
	fpMI64
	fpMBCD
	fpMOut // the instruction stores to memory: the operand is in the output area
	fpMEnv // fnstenv to the output area at +6
)

func modrm(b0 byte, reg byte) []byte { return []byte{b0, reg<<3 | 5} }

// fpGroups lists the instruction groups.
var fpGroups = map[string][]fpOp{}

func init() {
	two := func(name string, code ...byte) fpOp { return fpOp{name: name, code: code, n: 1, st1: true, st0: true} }
	var arith []fpOp
	names := []string{"fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"}
	for r := byte(0); r < 8; r++ {
		if r == 2 || r == 3 {
			continue
		}
		arith = append(arith, fpOp{name: names[r] + " st0,st1", code: []byte{0xD8, 0xC0 | r<<3 | 1}, n: 2, st1: true, st0: true})
		arith = append(arith, fpOp{name: names[r] + " st1,st0", code: []byte{0xDC, 0xC0 | r<<3 | 1}, n: 2, st1: true, st0: true})
		arith = append(arith, two(names[r]+"p st1,st0", 0xDE, 0xC0|r<<3|1))
	}
	fpGroups["arith"] = arith
	var mem []fpOp
	for r := byte(0); r < 8; r++ {
		if r == 2 || r == 3 {
			continue
		}
		mem = append(mem, fpOp{name: names[r] + " m32", code: modrm(0xD8, r), mem: fpM32, n: 1, st0: true})
		mem = append(mem, fpOp{name: names[r] + " m64", code: modrm(0xDC, r), mem: fpM64, n: 1, st0: true})
		mem = append(mem, fpOp{name: "fi" + names[r][1:] + " m32", code: modrm(0xDA, r), mem: fpMI32, n: 1, st0: true})
		mem = append(mem, fpOp{name: "fi" + names[r][1:] + " m16", code: modrm(0xDE, r), mem: fpMI16, n: 1, st0: true})
	}
	fpGroups["arith-mem"] = mem
	cmp := []fpOp{
		{name: "fcom st1", code: []byte{0xD8, 0xD1}, n: 2, st1: true, st0: true},
		{name: "fcomp st1", code: []byte{0xD8, 0xD9}, n: 1, st1: true, st0: true},
		{name: "fcompp", code: []byte{0xDE, 0xD9}, st1: true, st0: true},
		{name: "fucom st1", code: []byte{0xDD, 0xE1}, n: 2, st1: true, st0: true},
		{name: "fucomp st1", code: []byte{0xDD, 0xE9}, n: 1, st1: true, st0: true},
		{name: "fucompp", code: []byte{0xDA, 0xE9}, st1: true, st0: true},
		{name: "fcomi st1", code: []byte{0xDB, 0xF1}, n: 2, st1: true, st0: true},
		{name: "fucomi st1", code: []byte{0xDB, 0xE9}, n: 2, st1: true, st0: true},
		{name: "fcomip st1", code: []byte{0xDF, 0xF1}, n: 1, st1: true, st0: true},
		{name: "fucomip st1", code: []byte{0xDF, 0xE9}, n: 1, st1: true, st0: true},
		{name: "ftst", code: []byte{0xD9, 0xE4}, n: 1, st0: true},
		{name: "fxam", code: []byte{0xD9, 0xE5}, n: 1, st0: true},
		{name: "fcom m32", code: modrm(0xD8, 2), mem: fpM32, n: 1, st0: true},
		{name: "fcomp m64", code: modrm(0xDC, 3), mem: fpM64, st0: true},
		{name: "ficom m32", code: modrm(0xDA, 2), mem: fpMI32, n: 1, st0: true},
		{name: "ficomp m16", code: modrm(0xDE, 3), mem: fpMI16, st0: true},
	}
	for i := range cmp {
		cmp[i].sw = exC3 | exC2 | exC1 | exC0
		if strings.Contains(cmp[i].name, "comi") {
			cmp[i].eflags = 0x45 // ZF, PF, CF
		}
	}
	fpGroups["compare"] = cmp
	fpGroups["load-store"] = []fpOp{
		{name: "fld m32", code: modrm(0xD9, 0), mem: fpM32, n: 1},
		{name: "fld m64", code: modrm(0xDD, 0), mem: fpM64, n: 1},
		{name: "fld m80", code: modrm(0xDB, 5), mem: fpM80, n: 1},
		{name: "fild m16", code: modrm(0xDF, 0), mem: fpMI16, n: 1},
		{name: "fild m32", code: modrm(0xDB, 0), mem: fpMI32, n: 1},
		{name: "fild m64", code: modrm(0xDF, 5), mem: fpMI64, n: 1},
		{name: "fbld", code: modrm(0xDF, 4), mem: fpMBCD, n: 1},
		{name: "fst m32", code: modrm(0xD9, 2), mem: fpMOut, n: 1, st0: true},
		{name: "fstp m32", code: modrm(0xD9, 3), mem: fpMOut, st0: true},
		{name: "fst m64", code: modrm(0xDD, 2), mem: fpMOut, n: 1, st0: true},
		{name: "fstp m64", code: modrm(0xDD, 3), mem: fpMOut, st0: true},
		{name: "fstp m80", code: modrm(0xDB, 7), mem: fpMOut, st0: true},
		{name: "fist m16", code: modrm(0xDF, 2), mem: fpMOut, n: 1, st0: true},
		{name: "fistp m16", code: modrm(0xDF, 3), mem: fpMOut, st0: true},
		{name: "fist m32", code: modrm(0xDB, 2), mem: fpMOut, n: 1, st0: true},
		{name: "fistp m32", code: modrm(0xDB, 3), mem: fpMOut, st0: true},
		{name: "fistp m64", code: modrm(0xDF, 7), mem: fpMOut, st0: true},
		{name: "fbstp", code: modrm(0xDF, 6), mem: fpMOut, st0: true},
		{name: "fld st1", code: []byte{0xD9, 0xC1}, n: 3, st0: true, st1: true},
		{name: "fst st1", code: []byte{0xDD, 0xD1}, n: 2, st0: true, st1: true},
		{name: "fstp st1", code: []byte{0xDD, 0xD9}, n: 1, st0: true, st1: true},
		{name: "fxch st1", code: []byte{0xD9, 0xC9}, n: 2, st0: true, st1: true},
		{name: "fchs", code: []byte{0xD9, 0xE0}, n: 1, st0: true},
		{name: "fabs", code: []byte{0xD9, 0xE1}, n: 1, st0: true},
	}
	env := func(name string, code ...byte) fpOp {
		return fpOp{name: name, code: append(code, 0xD9, 0x35), mem: fpMEnv, st0: true, st1: true, env: true}
	}
	fpGroups["state"] = []fpOp{
		env("fnstenv"),
		env("ffree st1; fnstenv", 0xDD, 0xC1),
		env("ffree st0; fnstenv", 0xDD, 0xC0),
		env("fincstp; fnstenv", 0xD9, 0xF7),
		env("fdecstp; fnstenv", 0xD9, 0xF6),
		env("fxch st1; fnstenv", 0xD9, 0xC9),
		env("fldz; fnstenv", 0xD9, 0xEE),
		env("fnclex; fnstenv", 0xDB, 0xE2),
		{name: "fcmovb", code: []byte{0xDA, 0xC1}, n: 2, st0: true, st1: true},
		{name: "fcmove", code: []byte{0xDA, 0xC9}, n: 2, st0: true, st1: true},
		{name: "fcmovbe", code: []byte{0xDA, 0xD1}, n: 2, st0: true, st1: true},
		{name: "fcmovu", code: []byte{0xDA, 0xD9}, n: 2, st0: true, st1: true},
		{name: "fcmovnb", code: []byte{0xDB, 0xC1}, n: 2, st0: true, st1: true},
		{name: "fcmovne", code: []byte{0xDB, 0xC9}, n: 2, st0: true, st1: true},
		{name: "fcmovnbe", code: []byte{0xDB, 0xD1}, n: 2, st0: true, st1: true},
		{name: "fcmovnu", code: []byte{0xDB, 0xD9}, n: 2, st0: true, st1: true},
	}
	fpGroups["constants"] = []fpOp{
		{name: "fld1", code: []byte{0xD9, 0xE8}, n: 1, gen: fpGenNearest},
		{name: "fldl2t", code: []byte{0xD9, 0xE9}, n: 1, gen: fpGenNearest},
		{name: "fldl2e", code: []byte{0xD9, 0xEA}, n: 1, gen: fpGenNearest},
		{name: "fldpi", code: []byte{0xD9, 0xEB}, n: 1, gen: fpGenNearest},
		{name: "fldlg2", code: []byte{0xD9, 0xEC}, n: 1, gen: fpGenNearest},
		{name: "fldln2", code: []byte{0xD9, 0xED}, n: 1, gen: fpGenNearest},
		{name: "fldz", code: []byte{0xD9, 0xEE}, n: 1, gen: fpGenNearest},
	}
	fpGroups["round-scale"] = []fpOp{
		{name: "fsqrt", code: []byte{0xD9, 0xFA}, n: 1, st0: true},
		{name: "frndint", code: []byte{0xD9, 0xFC}, n: 1, st0: true},
		{name: "fscale", code: []byte{0xD9, 0xFD}, n: 2, st0: true, st1: true, gen: fpGenPC64},
		{name: "fxtract", code: []byte{0xD9, 0xF4}, n: 2, st0: true},
		{name: "fprem", code: []byte{0xD9, 0xF8}, n: 2, st0: true, st1: true, gen: fpGenDouble, sw: exC3 | exC2 | exC1 | exC0},
		{name: "fprem1", code: []byte{0xD9, 0xF5}, n: 2, st0: true, st1: true, gen: fpGenDouble, sw: exC3 | exC2 | exC1 | exC0},
	}
	fpGroups["transcendental"] = []fpOp{
		{name: "fsin", code: []byte{0xD9, 0xFE}, n: 1, st0: true, gen: fpGenTrig},
		{name: "fcos", code: []byte{0xD9, 0xFF}, n: 1, st0: true, gen: fpGenTrig},
		{name: "fsincos", code: []byte{0xD9, 0xFB}, n: 2, st0: true, gen: fpGenTrig},
		{name: "fptan", code: []byte{0xD9, 0xF2}, n: 2, st0: true, gen: fpGenTrig},
		{name: "fpatan", code: []byte{0xD9, 0xF3}, n: 1, st0: true, st1: true, gen: fpGenAtan},
		{name: "f2xm1", code: []byte{0xD9, 0xF0}, n: 1, st0: true, gen: fpGenExp},
		{name: "fyl2x", code: []byte{0xD9, 0xF1}, n: 1, st0: true, st1: true, gen: fpGenLog},
		{name: "fyl2xp1", code: []byte{0xD9, 0xF9}, n: 1, st0: true, st1: true, gen: fpGenLog1p},
	}
	for i := range fpGroups["transcendental"] {
		op := &fpGroups["transcendental"][i]
		op.approx = true
		op.sw = exC2
	}
	fxam := &fpGroups["compare"][11]
	fxam.sw = exC3 | exC2 | exC1 | exC0
}

// Status word bits (as in package x86).
const (
	exC0 = 1 << 8
	exC1 = 1 << 9
	exC2 = 1 << 10
	exC3 = 1 << 14
	// fpSWBase is compared for every form: TOP.
	fpSWBase = 7 << 11
)

// fpOddFormats adds pseudo-denormals and the unsupported formats to the operands.
var fpOddFormats = os.Getenv("GEMU_FPU_ODD") != ""

// fpRand80 returns a random extended value in the classes the tests cover.
func fpRand80(r *rand.Rand, near bool) [10]byte {
	m := r.Uint64() | 1<<63
	switch r.Intn(8) {
	case 0:
		m = ^uint64(0) << uint(r.Intn(64))
	case 1:
		m = 1<<63 | uint64(r.Intn(8))
	}
	e := 16383 - 20 + r.Intn(40)
	switch k := r.Intn(40); {
	case near:
	case k == 0:
		e, m = 0, 0 // zero
	case k == 1:
		e, m = 0x7FFF, 1<<63 // infinity
	case k == 2:
		e, m = 0x7FFF, m|1<<62 // QNaN
	case k == 3:
		e, m = 0x7FFF, m&^(1<<62)|1 // SNaN
	case k == 4:
		e, m = 0, m>>uint(1+r.Intn(63)) // denormal
	case k == 5:
		e = 1 + r.Intn(100)
	case k == 6:
		e = 0x7FFE - r.Intn(100)
	case k == 7:
		e = r.Intn(0x7FFF)
	case k == 8 && fpOddFormats:
		e = 0 // pseudo-denormal: exponent 0, integer bit set
	case k == 9 && fpOddFormats:
		m &^= 1 << 63 // unnormal, pseudo-infinity or pseudo-NaN
		if r.Intn(2) == 0 {
			e = 0x7FFF
		}
	}
	var b [10]byte
	binary.LittleEndian.PutUint64(b[:], m)
	binary.LittleEndian.PutUint16(b[8:], uint16(e)|uint16(r.Intn(2))<<15)
	return b
}

// fpRandMem returns a random memory operand of kind k (8 or 10 bytes).
func fpRandMem(r *rand.Rand, k int) []byte {
	b := make([]byte, 10)
	switch k {
	case fpM32:
		v := r.Uint32()
		switch r.Intn(8) {
		case 0:
			v &= 0x807FFFFF // zero or denormal
			if r.Intn(2) == 0 {
				v &= 0x80000000
			}
		case 1:
			v |= 0x7F800000 // inf or NaN
			if r.Intn(2) == 0 {
				v &= 0xFF800000
			}
		default:
			v = v&0x807FFFFF | uint32(127-20+r.Intn(40))<<23
		}
		binary.LittleEndian.PutUint32(b, v)
	case fpM64:
		v := r.Uint64()
		switch r.Intn(8) {
		case 0:
			v &= 0x800FFFFFFFFFFFFF
			if r.Intn(2) == 0 {
				v &= 1 << 63
			}
		case 1:
			v |= 0x7FF << 52
			if r.Intn(2) == 0 {
				v &= 0xFFF << 52
			}
		default:
			v = v&0x800FFFFFFFFFFFFF | uint64(1023-20+r.Intn(40))<<52
		}
		binary.LittleEndian.PutUint64(b, v)
	case fpM80:
		x := fpRand80(r, false)
		copy(b, x[:])
	case fpMI16, fpMI32, fpMI64:
		v := r.Uint64() >> uint(r.Intn(64))
		if r.Intn(2) == 0 {
			v = -v
		}
		binary.LittleEndian.PutUint64(b, v)
	case fpMBCD:
		for i := 0; i < 9; i++ {
			b[i] = byte(r.Intn(10)) | byte(r.Intn(10))<<4
		}
		b[9] = byte(r.Intn(2)) << 7
	}
	return b
}

// fpCase is one generated case.
type fpCase struct {
	op    *fpOp
	in    [fpInSize]byte
	flags uint32
}

// fpProgram builds the batch's program and input area.
func fpProgram(cases []fpCase) (code, in []byte) {
	in = make([]byte, len(cases)*fpInSize)
	abs := func(a uint32) []byte { return binary.LittleEndian.AppendUint32(nil, a) }
	for i, c := range cases {
		copy(in[i*fpInSize:], c.in[:])
		ia := uint32(fpIn + i*fpInSize)
		oa := uint32(fpOut + i*fpOutSz)
		code = append(code, 0xDB, 0xE3)                        // fninit
		code = append(append(code, 0xD9, 0x2D), abs(ia+28)...) // fldcw [in+28]
		if c.op.st1 {
			code = append(append(code, 0xDB, 0x2D), abs(ia+10)...) // fld m80 [in+10]
		}
		if c.op.st0 {
			code = append(append(code, 0xDB, 0x2D), abs(ia)...) // fld m80 [in+0]
		}
		// Set EFLAGS (for fcmov and to see what fcomi leaves): push imm; popfd.
		code = append(append(code, 0x68), abs(c.flags)...)
		code = append(code, 0x9D)
		op := c.op.code
		code = append(code, op...)
		if c.op.mem != fpMNone {
			a := ia + 20
			if c.op.mem == fpM80 || c.op.mem == fpMBCD {
				a = ia + 10
			}
			if c.op.mem == fpMOut {
				a = oa + 36
			}
			if c.op.mem == fpMEnv {
				a = oa + 6
			}
			code = append(code, abs(a)...)
		}
		code = append(append(code, 0xDD, 0x3D), abs(oa)...) // fnstsw [out]
		code = append(code, 0x9C, 0x8F, 0x05)               // pushfd; pop [out+2]
		code = append(code, abs(oa+2)...)
		for k := 0; k < c.op.n; k++ {
			code = append(append(code, 0xDB, 0x3D), abs(oa+6+uint32(10*k))...) // fstp m80
		}
	}
	code = append(code, 0xF4)
	return code, in
}

// fpGen generates a case of op.
func fpGen(r *rand.Rand, op *fpOp) fpCase {
	c := fpCase{op: op}
	near := r.Intn(4) == 0
	a, b := fpRand80(r, near), fpRand80(r, near)
	copy(c.in[0:], a[:])
	copy(c.in[10:], b[:])
	if op.mem != fpMNone && op.mem != fpMOut && op.mem != fpMEnv {
		m := fpRandMem(r, op.mem)
		if op.mem == fpM80 || op.mem == fpMBCD {
			copy(c.in[10:], m)
		} else {
			copy(c.in[20:], m[:8])
		}
	}
	// Control word: all exceptions masked, random precision and rounding.
	cw := uint16(0x3F | r.Intn(4)<<8 | r.Intn(4)<<10)
	if r.Intn(3) == 0 {
		cw = uint16(0x37F | r.Intn(4)<<10)
	}
	switch op.gen {
	case fpGenNearest:
		cw &^= 3 << 10
	case fpGenPC64:
		cw |= 3 << 8
	case fpGenDouble:
		for k, off := range []int{0, 10} {
			m := r.Uint64()>>44 | 1<<19
			e := 16383 + r.Intn(40) - 20
			if k == 1 {
				e = int(binary.LittleEndian.Uint16(c.in[8:])&0x7FFF) - r.Intn(33) + 2
			}
			binary.LittleEndian.PutUint64(c.in[off:], m<<44)
			binary.LittleEndian.PutUint16(c.in[off+8:], uint16(e)|uint16(r.Intn(2))<<15)
		}
	case fpGenTrig, fpGenExp, fpGenLog, fpGenLog1p, fpGenAtan:
		lo, hi := -30, 20
		switch op.gen {
		case fpGenExp:
			hi = -1
		case fpGenLog1p:
			hi = -3
		}
		for k, off := range []int{0, 10} {
			m := r.Uint64()>>11 | 1<<52
			e := 16383 + lo + r.Intn(hi-lo+1)
			if k == 1 {
				e = 16383 - 30 + r.Intn(61)
			}
			neg := r.Intn(2)
			if k == 0 && op.gen == fpGenLog {
				neg = 0
			}
			switch r.Intn(20) {
			case 0:
				m, e = 0, 0
			case 1:
				if op.gen == fpGenExp {
					m, e = 1<<52, 16383 // exactly 1 or -1
				}
			}
			binary.LittleEndian.PutUint64(c.in[off:], m<<11)
			binary.LittleEndian.PutUint16(c.in[off+8:], uint16(e)|uint16(neg)<<15)
		}
	}
	binary.LittleEndian.PutUint16(c.in[28:], cw)
	c.flags = 2 | uint32(r.Intn(2))*0x1 | uint32(r.Intn(2))*0x40 | uint32(r.Intn(2))*0x4 | 0x800 | 0x80 | 0x10
	return c
}

// fpRun runs a program on our CPU and returns the output area.
func fpRunOurs(m *dtMachine, code, in []byte, n int) ([]byte, error) {
	clear(m.bus.ram[fpOut : fpOut+n*fpOutSz])
	copy(m.bus.ram[fpIn:], in)
	m.Flat32()
	m.LoadCode(fpCode, code)
	m.cpu.Reg = [8]uint32{}
	m.cpu.Reg[x86.ESP] = dtESP
	m.cpu.EIP = fpCode
	m.cpu.SetFlags(2)
	stop, ev := m.RunToHalt(100000000)
	if ev != nil {
		return nil, fmt.Errorf("exception %d at %#x", ev.Vector, ev.EIP)
	}
	if stop != x86.StopHalt {
		return nil, fmt.Errorf("stopped with %d", stop)
	}
	return append([]byte(nil), m.bus.ram[fpOut:fpOut+n*fpOutSz]...), nil
}

func fpRunUnicorn(e *uc.Engine, code, in []byte, n int) ([]byte, error) {
	if err := e.WriteMem(fpOut, make([]byte, n*fpOutSz)); err != nil {
		return nil, err
	}
	if err := e.WriteMem(fpIn, in); err != nil {
		return nil, err
	}
	if err := e.WriteMem(fpCode, code); err != nil {
		return nil, err
	}
	if err := e.InvalidateCode(fpCode, fpCode+uint32(len(code))); err != nil {
		return nil, err
	}
	if err := e.SetReg(4, dtESP); err != nil {
		return nil, err
	}
	if err := e.SetGDTR(0, 0); err != nil {
		return nil, err
	}
	res, err := e.Start(fpCode, fpCode+uint32(len(code))-1, 0)
	if err != nil {
		return nil, err
	}
	if res.Intr {
		return nil, fmt.Errorf("unicorn exception %d at %#x", res.Vector, res.IntEIP)
	}
	out := make([]byte, n*fpOutSz)
	return out, e.ReadMem(fpOut, out)
}

// fpUnicornWrong says why a disagreeing case is one where Unicorn 2.0.1 (QEMU 5.0's x87)
// is known to depart from the SDM, or "" if it is not. Each class names the SDM's rule that
// Unicorn breaks; `GEMU_FPU_PROBE` (TestFPUProbe) shows any single case on both machines.
func fpUnicornWrong(c *fpCase, got []byte) string {
	a := c.in[0:10]
	b := c.in[10:20]
	snan := func(x []byte) bool {
		return binary.LittleEndian.Uint16(x[8:])&0x7FFF == 0x7FFF && x[7]&0xC0 == 0x80 && binary.LittleEndian.Uint64(x)<<2 != 0
	}
	nan := func(x []byte) bool {
		return binary.LittleEndian.Uint16(x[8:])&0x7FFF == 0x7FFF && binary.LittleEndian.Uint64(x)<<1 != 0
	}
	inf := func(x []byte) bool {
		return binary.LittleEndian.Uint16(x[8:])&0x7FFF == 0x7FFF && binary.LittleEndian.Uint64(x)<<1 == 0
	}
	pseudoDen := func(x []byte) bool {
		return binary.LittleEndian.Uint16(x[8:])&0x7FFF == 0 && x[7]&0x80 != 0
	}
	unsupported := func(x []byte) bool {
		return binary.LittleEndian.Uint16(x[8:])&0x7FFF != 0 && x[7]&0x80 == 0
	}
	if c.op.st0 && pseudoDen(a) || c.op.st1 && pseudoDen(b) {
		return "pseudo-denormal operands are added and rounded as if their exponent were 0, not 1 (SDM Vol. 1, 8.2.2: a pseudo-denormal is worth m * 2^-16445, like a denormal, and raises DE)"
	}
	if c.op.st0 && unsupported(a) || c.op.st1 && unsupported(b) {
		return "fxam, fscale, fxtract and fbstp take unnormals, pseudo-NaNs and pseudo-infinities for numbers or NaNs (SDM Vol. 1, 8.2.2: unsupported formats are invalid operands, IE; fxam class 000)"
	}
	m := c.in[20:28]
	switch c.op.name {
	case "fsin", "fcos", "fsincos", "fptan":
		if binary.LittleEndian.Uint16(a[8:])&0x7FFF >= 16383+10 {
			return "not an error of either side: for |x| >= 2^10 Gemu reduces by the x87's 66-bit pi (SDM Vol. 1, 8.3.10), libm by the exact one; near a zero or pole of the function the results part by more than 2^-40"
		}
	case "fld m32":
		if v := binary.LittleEndian.Uint32(m); v&0x7FC00000 == 0x7F800000 && v&0x3FFFFF != 0 {
			return "fld m32/m64 of an SNaN loads it unquieted (SDM FLD: #IA, the SNaN becomes a QNaN)"
		}
	case "fld m64":
		if v := binary.LittleEndian.Uint64(m); v>>51&0xFFF == 0xFFE && v<<13 != 0 {
			return "fld m32/m64 of an SNaN loads it unquieted (SDM FLD: #IA, the SNaN becomes a QNaN)"
		}
	case "fst m32", "fstp m32", "fst m64", "fstp m64":
		if snan(a) {
			return "fst m32/m64 of an SNaN stores it unquieted (SDM FST: #IA, the SNaN becomes a QNaN)"
		}
	case "fbstp":
		if a[9]&0x80 != 0 && binary.LittleEndian.Uint16(a[8:])&0x7FFF < 16383 {
			return "fbstp of a value in (-1, -0] stores +0 (SDM FBSTP table: -0 or -1 by the rounding mode, sign kept)"
		}
		if binary.LittleEndian.Uint16(a[8:])&0x7FFF >= 16383+59 {
			return "fbstp of an infinity, a NaN or a value of 10^18 or more stores digits (SDM FBSTP: #IA, the packed BCD indefinite)"
		}
	case "fxtract":
		if binary.LittleEndian.Uint16(a[8:])&0x7FFF == 0 && binary.LittleEndian.Uint64(a) != 0 {
			return "fxtract of a denormal gives an unnormal significand and exponent -16382 (SDM FXTRACT: #D, the significand normalized and the true exponent)"
		}
		fallthrough
	case "fscale":
		if nan(a) || nan(b) || inf(b) && c.op.name == "fscale" || inf(a) && c.op.name == "fxtract" {
			return "fscale/fxtract take NaNs and infinities for numbers (SDM FSCALE and FXTRACT tables: QNaN, #IA for an SNaN; fscale by +inf gives inf; fxtract of inf gives +inf and inf)"
		}
	case "fprem", "fprem1":
		if r := got[6:16]; a[9]&0x80 != 0 && binary.LittleEndian.Uint64(r) == 0 && r[9] == 0x80 {
			return "fprem/fprem1 give +0 for a zero remainder of a negative ST0 (SDM FPREM: the remainder has the sign of the dividend)"
		}
		if c.op.name == "fprem" {
			break
		}
		if binary.LittleEndian.Uint16(a[8:])&0x7FFF < binary.LittleEndian.Uint16(b[8:])&0x7FFF {
			return "fprem1 with exponent(ST0) < exponent(ST1) leaves ST0 alone (SDM FPREM1: ST0 - ST1*round(ST0/ST1), which is not ST0 when |ST0| > |ST1|/2)"
		}
	case "fyl2x":
		if binary.LittleEndian.Uint64(a) == 0 {
			return "fyl2x with ST0 = 0 sets C2 and does not pop (SDM FYL2X: #Z, -inf times ST1's sign, pop)"
		}
	case "fyl2xp1":
		if binary.LittleEndian.Uint16(a[8:])&0x7FFF < 16383-10 {
			return "fyl2xp1 of a small ST0 loses bits: Unicorn computes log(1+x) in double, not log1p"
		}
	}
	return ""
}

// fpApprox is the relative difference allowed for the approx forms.
const fpApprox = 1.0 / (1 << 40)

// fpDiff compares one case's outputs; it returns a description of the difference or "".
func fpDiff(c *fpCase, got, want []byte) string {
	mask := fpSWBase | c.op.sw
	gsw := binary.LittleEndian.Uint16(got) & mask
	wsw := binary.LittleEndian.Uint16(want) & mask
	var d []string
	if gsw != wsw {
		d = append(d, fmt.Sprintf("sw %04x want %04x", gsw, wsw))
	}
	fm := uint32(0x8D5)
	if c.op.eflags != 0 {
		fm = c.op.eflags
	}
	gf := binary.LittleEndian.Uint32(got[2:]) & fm
	wf := binary.LittleEndian.Uint32(want[2:]) & fm
	if gf != wf {
		d = append(d, fmt.Sprintf("eflags %03x want %03x", gf, wf))
	}
	if c.op.env {
		// The environment: FCW (bit 6 aside), TOP and the condition codes of FSW, and the
		// tag word. Unicorn writes zeros for the reserved upper halves and for the
		// last-instruction and operand pointers (QEMU 5.0 keeps none), and stores FCW
		// bit 6 as loaded, where the x87 reads it as 1 (its power-on FCW is 0x0040).
		for i, m := range []uint16{0xFFBF, fpSWBase | exC3 | exC2 | exC1 | exC0, 0xFFFF} {
			g := binary.LittleEndian.Uint16(got[6+4*i:]) & m
			w := binary.LittleEndian.Uint16(want[6+4*i:]) & m
			if g != w {
				d = append(d, fmt.Sprintf("env word %d %04x want %04x", i, g, w))
			}
		}
		return strings.Join(d, "; ")
	}
	for k := 0; k < 3; k++ {
		g, w := got[6+10*k:16+10*k], want[6+10*k:16+10*k]
		if string(g) != string(w) && !(c.op.approx && fpClose(g, w)) {
			d = append(d, fmt.Sprintf("st%d %s want %s", k, f80s(g), f80s(w)))
		}
	}
	if g, w := got[36:46], want[36:46]; string(g) != string(w) {
		d = append(d, fmt.Sprintf("mem % x want % x", g, w))
	}
	return strings.Join(d, "; ")
}

// fpClose reports whether two finite extended values are within fpApprox of each other,
// relatively, or absolutely (for results near a zero of the function).
func fpClose(a, b []byte) bool {
	x, y := f80Float(a), f80Float(b)
	if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
		return false
	}
	d := math.Abs(x - y)
	return d <= fpApprox*math.Max(math.Abs(x), math.Abs(y)) || d <= fpApprox/32
}

// f80Float converts an extended value to the nearest float64 (flushing what is out of
// its range).
func f80Float(b []byte) float64 {
	se := binary.LittleEndian.Uint16(b[8:])
	m := binary.LittleEndian.Uint64(b)
	e := int(se & 0x7FFF)
	if e == 0x7FFF {
		if m<<1 != 0 {
			return math.NaN()
		}
		return math.Inf(1 - 2*int(se>>15))
	}
	v := math.Ldexp(float64(m), e-16383-63)
	if se&0x8000 != 0 {
		v = -v
	}
	return v
}

func f80s(b []byte) string {
	return fmt.Sprintf("%04x:%016x", binary.LittleEndian.Uint16(b[8:]), binary.LittleEndian.Uint64(b))
}

func TestFPUDiff(t *testing.T) {
	n := int(dtEnvInt("GEMU_FPU_N", 3000))
	seed := dtEnvInt("GEMU_FPU_SEED", 1)
	var groups []string
	for g := range fpGroups {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		ops := fpGroups[g]
		t.Run(g, func(t *testing.T) {
			r := rand.New(rand.NewSource(seed))
			m := newDTMachine()
			e, err := uc.NewMode(dtMemSize, false)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			fails := map[string]int{}
			documented := map[string]int{}
			examples := map[string]string{}
			total := 0
			for done := 0; done < n; {
				k := min(fpBatch, n-done)
				cases := make([]fpCase, k)
				for i := range cases {
					cases[i] = fpGen(r, &ops[r.Intn(len(ops))])
				}
				code, in := fpProgram(cases)
				got, err := fpRunOurs(m, code, in, k)
				if err != nil {
					t.Fatalf("gemu: %v", err)
				}
				want, err := fpRunUnicorn(e, code, in, k)
				if err != nil {
					t.Fatalf("unicorn: %v", err)
				}
				for i := range cases {
					c := &cases[i]
					if d := fpDiff(c, got[i*fpOutSz:(i+1)*fpOutSz], want[i*fpOutSz:(i+1)*fpOutSz]); d != "" {
						if why := fpUnicornWrong(c, got[i*fpOutSz:]); why != "" {
							documented[why]++
							continue
						}
						fails[c.op.name]++
						if _, ok := examples[c.op.name]; !ok {
							examples[c.op.name] = fmt.Sprintf("a=% x b=% x mem=% x cw=%04x: %s", c.in[:10], c.in[10:20], c.in[20:28], binary.LittleEndian.Uint16(c.in[28:]), d)
						}
					}
				}
				done += k
				total += k
			}
			var names []string
			for k := range fails {
				names = append(names, k)
			}
			sort.Strings(names)
			sum := 0
			for _, k := range names {
				sum += fails[k]
				t.Logf("%s: %d disagree, e.g. %s", k, fails[k], examples[k])
			}
			var whys []string
			for k := range documented {
				whys = append(whys, k)
			}
			sort.Strings(whys)
			ndoc := 0
			for _, k := range whys {
				ndoc += documented[k]
				t.Logf("documented Unicorn error, %d cases: %s", documented[k], k)
			}
			t.Logf("%s: %d operations, %d disagreements (%d more in the documented Unicorn errors)", g, total, sum, ndoc)
			if sum > 0 {
				t.Errorf("%d of %d disagree", sum, total)
			}
		})
	}
}

// TestFPUProbe runs one case given by GEMU_FPU_PROBE="code a b mem cw" (hex: the
// instruction, ST(0), ST(1) as 20 hex digits se:m, the memory operand, the control word)
// on both machines and prints the outputs: for investigating a disagreement.
func TestFPUProbe(t *testing.T) {
	s := os.Getenv("GEMU_FPU_PROBE")
	if s == "" {
		t.Skip("GEMU_FPU_PROBE not set")
	}
	var code, a, b, mem string
	var cw uint16
	var n int
	fmt.Sscanf(s, "%s %s %s %s %x %d", &code, &a, &b, &mem, &cw, &n)
	op := fpOp{name: "probe", code: mustHex(code), n: n, st0: a != "-", st1: b != "-"}
	if mem != "-" {
		op.mem = fpM64
	}
	c := fpCase{op: &op, flags: 2}
	put80 := func(dst []byte, h string) {
		if h == "-" {
			return
		}
		v := mustHex(h) // se then m, big-endian
		for i := 0; i < 10; i++ {
			dst[9-i] = v[i]
		}
	}
	put80(c.in[0:], a)
	put80(c.in[10:], b)
	if mem != "-" {
		v := mustHex(mem)
		for i := range v {
			c.in[20+len(v)-1-i] = v[i]
		}
	}
	binary.LittleEndian.PutUint16(c.in[28:], cw)
	code2, in := fpProgram([]fpCase{c})
	m := newDTMachine()
	e, err := uc.NewMode(dtMemSize, false)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	got, err := fpRunOurs(m, code2, in, 1)
	if err != nil {
		t.Fatal(err)
	}
	want, err := fpRunUnicorn(e, code2, in, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		who string
		o   []byte
	}{{"gemu   ", got}, {"unicorn", want}} {
		t.Logf("%s sw %04x eflags %03x st0 %s st1 %s st2 %s mem % x", x.who, binary.LittleEndian.Uint16(x.o),
			binary.LittleEndian.Uint32(x.o[2:])&0x8D5, f80s(x.o[6:]), f80s(x.o[16:]), f80s(x.o[26:]), x.o[36:46])
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestFPUUnicornStatusFlags is the evidence for comparing only TOP and the condition codes
// of the status word: on Unicorn 2.0.1 (QEMU 5.0) 1/3 leaves PE clear and 0/0 leaves IE
// clear, where the SDM requires both (Vol. 1, 4.9.1.6 and 4.9.1.2) and Gemu sets them.
func TestFPUUnicornStatusFlags(t *testing.T) {
	one := [10]byte{7: 0x80, 8: 0xFF, 9: 0x3F}
	three := [10]byte{7: 0xC0, 8: 0x00, 9: 0x40}
	var zero [10]byte
	fdiv := fpOp{name: "fdiv st0,st1", code: []byte{0xD8, 0xF1}, n: 2, st0: true, st1: true}
	for _, k := range []struct {
		a, b [10]byte
		flag uint16
	}{{one, three, 0x20}, {zero, zero, 0x01}} {
		c := fpCase{op: &fdiv, flags: 2}
		copy(c.in[0:], k.a[:])
		copy(c.in[10:], k.b[:])
		binary.LittleEndian.PutUint16(c.in[28:], 0x37F)
		code, in := fpProgram([]fpCase{c})
		e, err := uc.NewMode(dtMemSize, false)
		if err != nil {
			t.Fatal(err)
		}
		got, err := fpRunOurs(newDTMachine(), code, in, 1)
		if err != nil {
			t.Fatal(err)
		}
		want, err := fpRunUnicorn(e, code, in, 1)
		e.Close()
		if err != nil {
			t.Fatal(err)
		}
		gsw, usw := binary.LittleEndian.Uint16(got), binary.LittleEndian.Uint16(want)
		if gsw&k.flag == 0 {
			t.Errorf("gemu: status %04x lacks %#x", gsw, k.flag)
		}
		if usw&k.flag != 0 {
			t.Logf("unicorn now sets %#x (status %04x): the status word mask in fpDiff can grow", k.flag, usw)
		}
	}
}
