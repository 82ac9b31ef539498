package x86

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/rand"
	"testing"
)

// x87 behaviour that the differential tests cannot see: #NM and #MF by CR0, unmasked
// exceptions, stack faults, and the environment layouts.

// fpuRun runs code (hlt appended) with the IDT stubs installed and returns the vector of
// the exception taken (-1 for none) and the EIP it reported (the stub's pushed EIP).
func fpuRun(t *testing.T, c *CPU, b *testBus, code []byte) (vec int, eip uint32) {
	t.Helper()
	installStubs(b)
	b.put(0x10000, append(append([]byte{}, code...), 0xF4))
	runToHalt(t, c)
	v := b.r32(vecSlot)
	if v == 0xFFFFFFFF {
		return -1, 0
	}
	return int(v), b.r32(c.Reg[ESP])
}

func TestFPUNoDevice(t *testing.T) {
	for _, k := range []struct {
		cr0  uint32
		code []byte
		vec  int
	}{
		{cr0EM, []byte{0xD9, 0xE8}, vecNM},            // fld1
		{cr0TS, []byte{0xD9, 0xE8}, vecNM},            // fld1
		{cr0TS, []byte{0x9B}, -1},                     // wait: only with MP
		{cr0TS | cr0MP, []byte{0x9B}, vecNM},          // wait
		{cr0EM | cr0MP, []byte{0x9B}, -1},             // wait ignores EM
		{cr0MP, []byte{0xDB, 0xE3, 0x9B}, -1},         // fninit; wait
		{cr0EM, []byte{0x0F, 0xA2, 0x90}, -1},         // cpuid is not an FPU instruction
		{0, []byte{0xD9, 0x0D, 0, 0x20, 0, 0}, vecUD}, // D9 /1 m: reserved
	} {
		c, b, _ := newFlat(t)
		c.CR0 |= k.cr0
		if vec, _ := fpuRun(t, c, b, k.code); vec != k.vec {
			t.Errorf("CR0 %#x % x: vector %d, want %d", c.CR0, k.code, vec, k.vec)
		}
	}
}

func TestFPUUnmaskedZeroDivide(t *testing.T) {
	code := []byte{
		0xDB, 0xE3, // fninit
		0xD9, 0x2D, 0x00, 0x20, 0, 0, // fldcw [0x2000] (ZE unmasked)
		0xD9, 0xEE, // fldz
		0xD9, 0xE8, // fld1
		0xDE, 0xF1, // fdivrp st1, st0: ST1 = ST0/ST1 = 1/0 (not stored), pop
		0xDF, 0xE0, // fnstsw ax (no wait: no #MF)
		0x9B, // fwait: #MF
	}
	for _, ne := range []bool{true, false} {
		c, b, _ := newFlat(t)
		if ne {
			c.CR0 |= cr0NE
		}
		ferr := 0
		c.SetFERR(func(*CPU) { ferr++ })
		binary.LittleEndian.PutUint16(b.ram[0x2000:], 0x037B)
		vec, eip := fpuRun(t, c, b, code)
		sw := uint16(c.Reg[EAX])
		if sw&(exZE|exES|exB) != exZE|exES|exB || sw>>11&7 != 6 {
			t.Errorf("status %#x: want ZE, ES, B and TOP 6 (neither the store nor the pop is done)", sw)
		}
		if ne {
			if vec != vecMF || eip != 0x10000+16 {
				t.Errorf("NE=1: vector %d at %#x, want #MF at the fwait", vec, eip)
			}
		} else if vec != -1 || ferr != 1 {
			t.Errorf("NE=0: vector %d, FERR %d times, want no exception and one FERR", vec, ferr)
		}
		if p := &c.fpu; p.get(1) != (f80{}) {
			t.Errorf("ST1 %04x:%016x, want the +0 left alone", p.get(1).se, p.get(1).m)
		}
	}
}

func TestFPUStackFaults(t *testing.T) {
	c, b, _ := newFlat(t)
	code := []byte{0xDB, 0xE3}
	for i := 0; i < 9; i++ {
		code = append(code, 0xD9, 0xE8) // fld1 x 9: the 9th overflows
	}
	code = append(code, 0xDF, 0xE0) // fnstsw ax
	vec, _ := fpuRun(t, c, b, code)
	sw := uint16(c.Reg[EAX])
	if vec != -1 || sw&(exIE|exSF|exC1) != exIE|exSF|exC1 {
		t.Errorf("overflow: vector %d status %#x, want IE, SF, C1", vec, sw)
	}
	if x := c.fpu.get(0); x != f80Indefinite {
		t.Errorf("overflow: ST0 %04x:%016x, want the indefinite", x.se, x.m)
	}
	c, b, _ = newFlat(t)
	vec, _ = fpuRun(t, c, b, []byte{0xDB, 0xE3, 0xD8, 0xC1, 0xDF, 0xE0}) // fninit; fadd st0,st1; fnstsw ax
	sw = uint16(c.Reg[EAX])
	if vec != -1 || sw&(exIE|exSF|exC1) != exIE|exSF {
		t.Errorf("underflow: vector %d status %#x, want IE, SF, C1=0", vec, sw)
	}
	if x := c.fpu.get(0); x != f80Indefinite {
		t.Errorf("underflow: ST0 %04x:%016x, want the indefinite", x.se, x.m)
	}
}

func TestFPUSaveRestore(t *testing.T) {
	c, b, _ := newFlat(t)
	code := []byte{
		0xDB, 0xE3, // fninit
		0xD9, 0xE8, // fld1
		0xDD, 0x05, 0x00, 0x20, 0, 0, // fld qword [0x2000]
		0xD9, 0xEE, // fldz
		0xDD, 0x35, 0x00, 0x21, 0, 0, // fnsave [0x2100]
		0xD9, 0xE8, // fld1 (after fnsave's fninit)
		0xDD, 0x25, 0x00, 0x21, 0, 0, // frstor [0x2100]
		0xD9, 0x35, 0x00, 0x22, 0, 0, // fnstenv [0x2200]
		0xF4,
	}
	binary.LittleEndian.PutUint64(b.ram[0x2000:], math.Float64bits(math.Inf(1)))
	vec, _ := fpuRun(t, c, b, code)
	if vec != -1 {
		t.Fatalf("vector %d", vec)
	}
	env := func(a uint32, i int) uint32 { return b.r32(a + uint32(4*i)) }
	// The saved environment: FCW, FSW (TOP 5), the tag word (R5 zero, R6 special, R7
	// valid, the rest empty), and the pointers of the fldz at 0x1000A (and fld qword's operand).
	want := []uint32{0xFFFF037F, 0xFFFF2800, 0xFFFF27FF, 0x1000A, selCode0 | 0x1EE<<16, 0x2000, 0xFFFF0000 | selData0}
	for i, w := range want {
		if got := env(0x2100, i); got != w {
			t.Errorf("fnsave word %d = %#x, want %#x", i, got, w)
		}
	}
	regs := []f80{{}, f80Inf, f80One}
	for i, r := range regs {
		a := 0x2100 + 28 + uint32(10*i)
		x := f80{m: binary.LittleEndian.Uint64(b.ram[a:]), se: binary.LittleEndian.Uint16(b.ram[a+8:])}
		if x != r {
			t.Errorf("fnsave ST(%d) = %04x:%016x, want %04x:%016x", i, x.se, x.m, r.se, r.m)
		}
	}
	// frstor brought it all back; fnstenv then masked every exception (already masked).
	for i, w := range want[:3] {
		if got := env(0x2200, i); got != w {
			t.Errorf("fnstenv word %d = %#x, want %#x", i, got, w)
		}
	}
	if c.fpu.get(1) != f80Inf {
		t.Errorf("ST1 after frstor %04x:%016x", c.fpu.get(1).se, c.fpu.get(1).m)
	}
}

func TestFPUFxamAndCompare(t *testing.T) {
	c, b, _ := newFlat(t)
	code := []byte{
		0xDB, 0xE3, // fninit
		0xD9, 0xE5, // fxam (empty)
		0xDF, 0xE0, // fnstsw ax
		0x89, 0xC3, // mov ebx, eax
		0xD9, 0xE8, // fld1
		0xD9, 0xEE, // fldz
		0xDB, 0xF1, // fcomi st0, st1: 0 < 1, CF
		0x9C, 0x59, // pushfd; pop ecx
		0xD9, 0xE0, // fchs
		0xD9, 0xE5, // fxam (-0)
		0xDF, 0xE0, // fnstsw ax
	}
	if vec, _ := fpuRun(t, c, b, code); vec != -1 {
		t.Fatalf("vector %d", vec)
	}
	if sw := uint16(c.Reg[EBX]); sw&(exC3|exC2|exC0) != exC3|exC0 {
		t.Errorf("fxam empty: %#x", sw)
	}
	if fl := c.Reg[ECX] & (fZF | fPF | fCF); fl != fCF {
		t.Errorf("fcomi 0 < 1: flags %#x", fl)
	}
	if sw := uint16(c.Reg[EAX]); sw&(exC3|exC2|exC1|exC0) != exC3|exC1 {
		t.Errorf("fxam -0: %#x", sw)
	}
}

func TestFPUTranscendentals(t *testing.T) {
	f := fctx{prec: 64, mask: exAll}
	x := f.fromBig(toBig(fromInt(1)), 64)
	if x != f80One {
		t.Fatalf("fromBig(1) %04x:%016x", x.se, x.m)
	}
	pi := f.constant(3)
	if pi.m != 0xC90FDAA22168C235 || pi.se != 0x4000 {
		t.Errorf("fldpi %04x:%016x", pi.se, pi.m)
	}
	down := fctx{prec: 64, mask: exAll, rc: rcDown}
	if p := down.constant(3); p.m != 0xC90FDAA22168C234 {
		t.Errorf("fldpi rounded down %016x", p.m)
	}
	// fsin(fldpi) reduces by the 66-bit pi, which lies a quarter ulp below the rounded-up
	// 64-bit one: -sin(2^-64), that is -2^-64 (-5.42e-20) once rounded.
	s, ok := f.sincos(pi, false)
	if !ok || s != (f80{m: 1 << 63, se: 0x8000 | (f80Bias - 64)}) {
		t.Errorf("fsin(fldpi) = %04x:%016x", s.se, s.m)
	}
	// log2(8) * 3 = 9 exactly; 2^1 - 1 = 1; atan2(1, 1) = pi/4.
	g := fctx{prec: 64, mask: exAll}
	if r := g.fyl2x(fromInt(3), fromInt(8), false); r != fromInt(9) || g.ex&exPE != 0 {
		t.Errorf("fyl2x 3, 8 = %04x:%016x ex %#x", r.se, r.m, g.ex)
	}
	if r := g.f2xm1(f80One); r != f80One {
		t.Errorf("f2xm1(1) = %04x:%016x", r.se, r.m)
	}
	if r := g.fpatan(f80One, f80One); r.m != pi.m || r.se != 0x3FFE {
		t.Errorf("fpatan(1, 1) = %04x:%016x", r.se, r.m)
	}
	if _, ok := g.sincos(f80{m: 1 << 63, se: f80Bias + 63}, false); ok {
		t.Errorf("fsin(2^63) in range")
	}
}

// TestFPUEnvRealMode checks the real-mode environment layouts: the instruction and operand
// pointers are 20-bit linear addresses split into a low word and bits 16-19 at the top of
// the next word (with the opcode below them for the instruction pointer).
func TestFPUEnvRealMode(t *testing.T) {
	b := newTestBus(1 << 20)
	c := New(b, &testIntr{}, nil)
	for i := range c.Seg {
		c.SetRealSeg(i, 0x1234)
	}
	c.EIP = 0x100
	code := []byte{
		0xDB, 0xE3, // fninit
		0xDD, 0x06, 0x00, 0x02, // fld qword [0x200] (at 1234:0102; +0: tag 01 in R7)
		0xD9, 0x36, 0x00, 0x03, // fnstenv [0x300] (14 bytes)
		0x66, 0xD9, 0x36, 0x00, 0x04, // o32 fnstenv [0x400] (28 bytes)
		0xF4,
	}
	b.put(0x12340+0x100, code)
	runToHalt(t, c)
	ip, dp := uint32(0x12340+0x102), uint32(0x12340+0x200)
	fop := uint32(5<<8 | 0x06)
	w16 := func(a uint32) uint32 { return uint32(binary.LittleEndian.Uint16(b.ram[0x12340+a:])) }
	for i, want := range []uint32{0x37F, 0x3800, 0x7FFF, ip & 0xFFFF, ip>>16<<12 | fop, dp & 0xFFFF, dp >> 16 << 12} {
		if got := w16(0x300 + uint32(2*i)); got != want {
			t.Errorf("16-bit word %d = %#x, want %#x", i, got, want)
		}
	}
	for i, want := range []uint32{0xFFFF037F, 0xFFFF3800, 0xFFFF7FFF, 0xFFFF0000 | ip&0xFFFF, ip>>16<<12 | fop, 0xFFFF0000 | dp&0xFFFF, dp >> 16 << 12} {
		if got := b.r32(0x12340 + 0x400 + uint32(4*i)); got != want {
			t.Errorf("32-bit word %d = %#x, want %#x", i, got, want)
		}
	}
}

// TestFPUTranscendentalIdentities holds the series against each other at full precision
// (Unicorn only checks them to 2^-40): sin^2 + cos^2 = 1, atan(tan x) = x, log2(1 + (2^x - 1)) = x,
// to within a few ulps of the 64-bit results.
func TestFPUTranscendentalIdentities(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	f := fctx{prec: 64, mask: exAll}
	ulps := func(a, b f80) float64 {
		d, _ := new(big.Float).Sub(toBig(a), toBig(b)).Float64()
		_, e, _ := b.unpack()
		return math.Abs(d) / math.Ldexp(1, int(e)-f80Bias-63)
	}
	for i := 0; i < 300; i++ {
		x := f80{m: r.Uint64() | 1<<63, se: uint16(f80Bias - 1 - r.Intn(20))} // (0, 1)
		if r.Intn(2) == 0 {
			x = x.chs()
		}
		s, _ := f.sincos(x, false)
		c, _ := f.sincos(x, true)
		one := f.add(f.mul(s, s), f.mul(c, c), false)
		if u := ulps(one, f80One); u > 4 {
			t.Errorf("sin^2+cos^2 of %04x:%016x off by %.1f ulps", x.se, x.m, u)
		}
		if x.exp() < f80Bias-1 || x.m < 0xC90FDAA22168C234 { // |x| < pi/4
			sc, co, _ := sinCosBig(x)
			tn := f.fromBig(sc.Quo(sc, co), 64)
			if u := ulps(f.fpatan(tn, f80One), x); u > 2 {
				t.Errorf("atan(tan %04x:%016x) off by %.1f ulps", x.se, x.m, u)
			}
		}
		// log2(1 + (2^x - 1)) through fyl2xp1: well conditioned, unlike log2 of 2^x rounded.
		if u := ulps(f.fyl2x(f80One, f.f2xm1(x), true), x); u > 4 {
			t.Errorf("log2(2^%04x:%016x) off by %.1f ulps", x.se, x.m, u)
		}
	}
}

// TestFPUUnmaskedStores checks that an unmasked exception leaves memory destinations and
// the stack alone (SDM Vol. 1, 8.5): fst m64 overflow, fistp out of range, fld of an SNaN,
// fld of a single-precision denormal with DE unmasked.
func TestFPUUnmaskedStores(t *testing.T) {
	for _, k := range []struct {
		name string
		cw   uint16
		code []byte
		top  uint16 // TOP after
		flag uint16
	}{
		// fld tbyte [0x2000] (1.5 * 2^16383); fstp qword [0x2100]: OE, nothing stored, no pop.
		{"fstp m64 overflow", 0x0377, []byte{0xDB, 0x2D, 0x00, 0x20, 0, 0, 0xDD, 0x1D, 0x00, 0x21, 0, 0}, 7, exOE},
		// the same, fistp dword: IE.
		{"fistp m32 invalid", 0x037E, []byte{0xDB, 0x2D, 0x00, 0x20, 0, 0, 0xDB, 0x1D, 0x00, 0x21, 0, 0}, 7, exIE},
		// fld dword [0x2010] (an SNaN): IE, nothing pushed.
		{"fld m32 SNaN", 0x037E, []byte{0xD9, 0x05, 0x10, 0x20, 0, 0}, 0, exIE},
		// fld dword [0x2014] (a denormal): DE, nothing pushed.
		{"fld m32 denormal", 0x037D, []byte{0xD9, 0x05, 0x14, 0x20, 0, 0}, 0, exDE},
	} {
		c, b, _ := newFlat(t)
		binary.LittleEndian.PutUint64(b.ram[0x2000:], 0xC000000000000000)
		binary.LittleEndian.PutUint16(b.ram[0x2008:], 0x7FFE)
		binary.LittleEndian.PutUint32(b.ram[0x2010:], 0x7F800001)
		binary.LittleEndian.PutUint32(b.ram[0x2014:], 0x00000001)
		binary.LittleEndian.PutUint16(b.ram[0x2020:], k.cw)
		for i := 0; i < 8; i++ {
			b.ram[0x2100+i] = 0xAA
		}
		code := append([]byte{0xDB, 0xE3, 0xD9, 0x2D, 0x20, 0x20, 0, 0}, k.code...) // fninit; fldcw
		code = append(code, 0xDF, 0xE0)                                             // fnstsw ax
		if vec, _ := fpuRun(t, c, b, code); vec != -1 {
			t.Errorf("%s: vector %d", k.name, vec)
			continue
		}
		sw := uint16(c.Reg[EAX])
		if sw&k.flag == 0 || sw&exES == 0 || sw>>11&7 != k.top {
			t.Errorf("%s: status %#x, want %#x, ES and TOP %d", k.name, sw, k.flag, k.top)
		}
		if got := binary.LittleEndian.Uint64(b.ram[0x2100:]); got != 0xAAAAAAAAAAAAAAAA {
			t.Errorf("%s: memory written: %#x", k.name, got)
		}
	}
}
