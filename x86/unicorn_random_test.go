//go:build unicorn

package x86_test

import (
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// dtRandomSkip are instructions whose results differ between machines by design (identity,
// time, I/O, model-specific registers, halting) and are not compared.
var dtRandomSkip = map[x86asm.Op]bool{
	x86asm.CPUID: true, x86asm.RDTSC: true, x86asm.RDTSCP: true, x86asm.RDPMC: true,
	x86asm.RDMSR: true, x86asm.WRMSR: true, x86asm.HLT: true, x86asm.IN: true, x86asm.OUT: true,
	x86asm.INSB: true, x86asm.INSW: true, x86asm.INSD: true, x86asm.OUTSB: true, x86asm.OUTSW: true,
	x86asm.OUTSD: true, x86asm.SYSENTER: true, x86asm.SYSEXIT: true, x86asm.SYSCALL: true,
	x86asm.SYSRET: true, x86asm.UD1: true, x86asm.RSM: true, x86asm.INVD: true, x86asm.WBINVD: true,
	x86asm.SMSW: true, x86asm.SGDT: true, x86asm.SIDT: true, x86asm.STR: true, x86asm.SLDT: true,
	x86asm.LMSW: true, x86asm.LGDT: true, x86asm.LIDT: true, x86asm.LLDT: true, x86asm.LTR: true,
	x86asm.MOV: false, x86asm.CLTS: true, x86asm.INVLPG: true, x86asm.CLFLUSH: true,
	x86asm.BSF: true, x86asm.BSR: true, // destination undefined for a zero source
	x86asm.IRET: true, x86asm.IRETD: true, x86asm.LRET: true, x86asm.RET: true, // pop random data
	x86asm.POPF: true, x86asm.POPFD: true, // may set TF
	x86asm.SHLD: true, x86asm.SHRD: true, // 16-bit forms with counts > 16 are undefined
	x86asm.XLATB: true, // EBX-based; compared in the form table
}

// dtFlagsDefined are instructions whose six arithmetic flags are all defined.
var dtFlagsDefined = map[x86asm.Op]bool{
	x86asm.ADD: true, x86asm.ADC: true, x86asm.SUB: true, x86asm.SBB: true, x86asm.CMP: true,
	x86asm.NEG: true, x86asm.XADD: true, x86asm.CMPXCHG: true, x86asm.SCASB: true,
	x86asm.SCASW: true, x86asm.SCASD: true, x86asm.CMPSB: true, x86asm.CMPSW: true, x86asm.CMPSD: true,
}

// TestUnicornRandomBytes runs random byte strings that x86asm decodes as one 32-bit
// instruction on both CPUs: registers, EIP, memory and the exception vector must agree
// (flags too for the instructions that define all of them). Instructions this CPU does not
// implement (#UD/#NM here: x87, MMX, SSE) and those in dtRandomSkip are not compared.
func TestUnicornRandomBytes(t *testing.T) {
	seed := dtEnvInt("GEMU_DIFF_SEED", 1)
	n := int(dtEnvInt("GEMU_DIFF_N", 24)) * 60
	r := rand.New(rand.NewSource(seed))
	g := &dtGen{r: r}
	o := newDTOracle(t)
	m := newDTMachine()
	trace := os.Getenv("GEMU_DIFF_TRACE") != "" // print each case first (Unicorn can abort)
	compared, fails := 0, 0
	var prev []byte
	unimpl := map[string]int{}
	for i := 0; i < n; i++ {
		code := make([]byte, 15)
		r.Read(code)
		// Bias towards one-byte opcodes with ModRM forms that stay in the data region.
		if r.Intn(2) == 0 {
			code[1] = byte(r.Intn(8)<<3 | []int{3, 6, 7}[r.Intn(3)]) // mod 0, [EBX/ESI/EDI]
		}
		inst, err := x86asm.Decode(code, 32)
		if err != nil || inst.Op == 0 || dtRandomSkip[inst.Op] || fuzzMovCR(inst) || fuzzIsBranch(inst.Op) ||
			dtSegArg(inst) || dtX87(code) {
			continue
		}
		c := &dtCase{Name: inst.String(), SkipReg: -1, Wide: true, MemSeed: r.Int63(), Flags: 2 | uint32(r.Intn(0x1000))&0x8D5}
		c.Insn = code[:inst.Len]
		c.Code = append(append([]byte(nil), c.Insn...), 0xF4, 0xF4, 0xF4, 0xF4)
		c.Regs = [8]uint32{g.value(), uint32(r.Intn(8)), uint32(r.Intn(0x100)), dtData + 0x8000,
			dtESP, dtData + 0x9000, dtData + 0xA000, dtData + 0xB000}
		if dtLockString(c.Insn, inst) {
			continue // Unicorn 2.0.1 aborts ("tcg fatal error") on LOCK CMPSB and kin
		}
		switch inst.Op {
		case x86asm.LDS, x86asm.LES, x86asm.LFS, x86asm.LGS, x86asm.LSS:
			c.Reopen = true
		}
		if !dtFlagsDefined[inst.Op] {
			c.Undef = fOF | fSF | fZF | fAF | fPF | fCF
		}
		if trace {
			fmt.Fprintf(os.Stderr, "case %d [%s] %v\n", i, hexBytes(c.Insn), inst)
		}
		want := o.Run(t, c)
		if want.Note != "" {
			continue // touched unmapped memory on Unicorn
		}
		got := m.RunCase(c)
		if got.Exc == 13 && want.Exc < 0 && dtHasCSOverride(c.Insn) {
			continue // a write through CS: #GP(0) per the SDM, QEMU does not check
		}
		if got.Exc == 6 || got.Exc == 7 {
			if want.Exc != got.Exc {
				unimpl[inst.Op.String()]++
				if testing.Verbose() {
					t.Logf("#UD/#NM here only: [%s] %v", hexBytes(c.Insn), inst)
				}
			}
			continue
		}
		compared++
		if d := dtCompare(c, got, want); len(d) > 0 {
			fails++
			if fails <= 15 {
				fresh := newDTMachine().RunCase(c)
				leak := ""
				if len(dtCompare(c, fresh, want)) == 0 {
					leak = fmt.Sprintf("\n\tpasses on a fresh CPU: state (or memory outside the compared regions) left by the previous case [%s]", hexBytes(prev))
				}
				t.Errorf("[%s] %v\n\t%v%s", hexBytes(c.Insn), c, d, leak)
			}
		}
		prev = c.Insn
	}
	var ops []string
	for op, k := range unimpl {
		ops = append(ops, fmt.Sprintf("%s:%d", op, k))
	}
	sort.Strings(ops)
	t.Logf("%d compared; #UD/#NM here but not on Unicorn: %s", compared, strings.Join(ops, " "))
	if fails > 0 {
		t.Errorf("%d of %d differ", fails, compared)
	}
}

// dtSegArg reports whether inst has a segment register operand (PUSH ES, MOV r/m, DS...):
// the two machines use different flat selectors.
func dtSegArg(inst x86asm.Inst) bool {
	for _, a := range inst.Args {
		if r, ok := a.(x86asm.Reg); ok && r >= x86asm.ES && r <= x86asm.GS {
			return true
		}
	}
	return false
}

// dtX87 reports whether code is an x87 escape (D8-DF after prefixes) or ICEBP (F1, #DB
// here as on Intel parts; Unicorn raises #UD).
func dtX87(code []byte) bool {
	for _, b := range code {
		switch {
		case b == 0x66 || b == 0x67 || b == 0xF0 || b == 0xF2 || b == 0xF3 || b == 0x26 || b == 0x2E ||
			b == 0x36 || b == 0x3E || b == 0x64 || b == 0x65:
			continue
		case b >= 0xD8 && b <= 0xDF, b == 0xF1, b == 0x9B:
			return true
		}
		return false
	}
	return false
}

// dtHasCSOverride reports whether code's prefixes include a CS override (0x2E).
func dtHasCSOverride(code []byte) bool {
	for _, b := range code {
		switch b {
		case 0x2E:
			return true
		case 0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x26, 0x36, 0x3E, 0x64, 0x65:
			continue
		}
		return false
	}
	return false
}

// dtLockString reports a LOCK prefix on a string instruction (#UD here, as the SDM says).
func dtLockString(code []byte, inst x86asm.Inst) bool {
	switch inst.Op {
	case x86asm.MOVSB, x86asm.MOVSW, x86asm.MOVSD, x86asm.CMPSB, x86asm.CMPSW, x86asm.CMPSD,
		x86asm.STOSB, x86asm.STOSW, x86asm.STOSD, x86asm.LODSB, x86asm.LODSW, x86asm.LODSD,
		x86asm.SCASB, x86asm.SCASW, x86asm.SCASD:
	default:
		return false
	}
	for _, b := range code[:inst.Len] {
		if b == 0xF0 {
			return true
		}
	}
	return false
}
