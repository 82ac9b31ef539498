package x86_test

// Fuzz targets. Plain `go test` runs their seed corpora (f.Add below and the files under
// testdata/fuzz/); `go test -fuzz=FuzzRun ./x86` explores further.

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"gemu/x86"

	"golang.org/x/arch/x86/x86asm"
)

// fuzzSeeds are a few byte strings every target starts from.
var fuzzSeeds = [][]byte{
	{0x90},
	{0x66, 0x90},
	{0x8d, 0xb4, 0x26, 0x00, 0x00, 0x00, 0x00},
	{0xf3, 0xab},
	{0x0f, 0xb6, 0x04, 0x24},
	{0x67, 0x8b, 0x40, 0x10},
	{0xf0, 0x0f, 0xc7, 0x0b},
	{0x26, 0x66, 0x67, 0xf3, 0xa5},
	{0xcd, 0x40},
	{0x0f, 0x01, 0x15, 0x00, 0x20, 0x00, 0x00},
	{0xea, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00},
	{0xc8, 0x10, 0x00, 0x1f},
	{0x62, 0x05, 0x00, 0x30, 0x00, 0x00},
	{0x0f, 0x0b},
	{0xd4, 0x00},
	{0x8e, 0xd8},
	{0x0f, 0x22, 0xc0},
}

// fuzzMachine sets up a CPU for one fuzz input: real mode if real, else flat 32-bit.
func fuzzMachine(code []byte, real bool) *dtMachine {
	m := newDTMachine()
	if real {
		m.Real16(0)
	} else {
		m.Flat32()
	}
	m.LoadCode(dtCode, code)
	c := m.cpu
	c.Reg = [8]uint32{0, 3, 0, dtData + 0x100, dtESP, dtData + 0x200, dtData + 0x300, dtData + 0x400}
	c.EIP = dtCode
	c.SetFlags(2)
	return m
}

// FuzzRun: any bytes as code, in flat 32-bit protected mode and in real mode, never panic
// the interpreter, and Run never retires more instructions than its budget.
func FuzzRun(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, code []byte, real bool) {
		if len(code) > dtCodeEnd-dtCode {
			code = code[:dtCodeEnd-dtCode]
		}
		m := fuzzMachine(code, real)
		before := m.cpu.Retired
		const budget = 200
		for i := 0; i < 3; i++ { // a few Run calls: state carried over between them must hold up
			m.cpu.Run(budget)
		}
		if d := m.cpu.Retired - before; d > 3*budget {
			t.Errorf("code [%s] real=%v: retired %d instructions with a budget of 3x%d", hexBytes(code), real, d, budget)
		}
	})
}

// fuzzIsBranch reports whether inst may change EIP other than by falling through.
func fuzzIsBranch(op x86asm.Op) bool {
	switch op {
	case x86asm.JMP, x86asm.LJMP, x86asm.CALL, x86asm.LCALL, x86asm.RET, x86asm.LRET,
		x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JE, x86asm.JNE, x86asm.JG, x86asm.JGE,
		x86asm.JL, x86asm.JLE, x86asm.JO, x86asm.JNO, x86asm.JP, x86asm.JNP, x86asm.JS, x86asm.JNS,
		x86asm.JCXZ, x86asm.JECXZ, x86asm.LOOP, x86asm.LOOPE, x86asm.LOOPNE,
		x86asm.INT, x86asm.INTO, x86asm.IRET, x86asm.IRETD, x86asm.SYSCALL, x86asm.SYSENTER,
		x86asm.SYSEXIT, x86asm.SYSRET, x86asm.UD1, x86asm.UD2, x86asm.BOUND, x86asm.HLT:
		return true
	}
	return false
}

// FuzzDecodeLength: for every byte string x86asm decodes, in 32-bit and in 16-bit mode, our
// decoder (x86.DecodeLength) agrees on the instruction's length. For non-branch instructions
// in 32-bit mode the length is also checked by executing the instruction once and reading EIP.
func FuzzDecodeLength(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code []byte) {
		if len(code) > 15 {
			code = code[:15]
		}
		if fuzzRaisesUD(code) {
			return // not implemented by this CPU (x87, MMX, SSE): the length does not matter
		}
		for _, mode := range []int{32, 16} {
			inst, err := x86asm.Decode(code, mode)
			if err != nil || inst.Op == 0 || inst.Len > len(code) {
				continue // x86asm returns Op 0 for some truncated inputs
			}
			if fuzzMovCR(inst) {
				// MOV to/from CRn/DRn ignores the mod field (SDM Vol. 2B, MOV-Move to/from
				// Control Registers): always a register operand, no displacement. x86asm
				// decodes a displacement for mod != 3; our decoder is right.
				continue
			}
			n, err := x86.DecodeLength(code, mode == 32)
			if err != nil {
				// The CPU may reject what it does not implement (x87, SSE: #UD/#NM on a CPU
				// without them), but not plain integer instructions x86asm knows.
				continue
			}
			if n != inst.Len {
				t.Errorf("%d-bit [%s] (%v): DecodeLength %d, x86asm %d", mode, hexBytes(code[:inst.Len]), inst, n, inst.Len)
			}
			if mode == 32 && !fuzzIsBranch(inst.Op) {
				if got, ok := ourLength(code); ok && got != inst.Len {
					t.Errorf("[%s] (%v): executing it advances EIP by %d, x86asm length %d", hexBytes(code[:inst.Len]), inst, got, inst.Len)
				}
			}
		}
	})
}

// fuzzMovCR reports whether inst moves to or from a control or debug register.
func fuzzMovCR(inst x86asm.Inst) bool {
	for _, a := range inst.Args {
		if r, ok := a.(x86asm.Reg); ok && r >= x86asm.CR0 && r <= x86asm.TR7 {
			return true
		}
	}
	return false
}

// fuzzRaisesUD reports whether the instruction at the start of code raises #UD or #NM
// when executed in flat 32-bit mode.
func fuzzRaisesUD(code []byte) bool {
	buf := append(append([]byte(nil), code...), 0xF4, 0xF4, 0xF4, 0xF4)
	m := fuzzMachine(buf, false)
	_, ev := m.RunToHalt(1)
	return ev != nil && (ev.Vector == 6 || ev.Vector == 7) && ev.EIP == dtCode
}

// ourLength returns the length our CPU executes for the instruction at the start of code
// in flat 32-bit mode; ok is false when that cannot tell (an exception, or no progress).
func ourLength(code []byte) (n int, ok bool) {
	buf := append(append([]byte(nil), code...), 0xF4, 0xF4, 0xF4, 0xF4)
	m := fuzzMachine(buf, false)
	for i := 0; i < 8; i++ { // a rep prefix may take several steps
		_, ev := m.RunToHalt(1)
		if ev != nil {
			return 0, false
		}
		if m.cpu.EIP != dtCode {
			break
		}
	}
	if m.cpu.EIP == dtCode {
		return 0, false
	}
	return int(m.cpu.EIP - dtCode), true
}

// TestWriteFuzzCorpus regenerates the seed corpus files from the differential form table
// (GEMU_WRITE_CORPUS=1 go test -run TestWriteFuzzCorpus ./x86).
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("GEMU_WRITE_CORPUS") == "" {
		t.Skip("set GEMU_WRITE_CORPUS=1 to rewrite testdata/fuzz")
	}
	g := &dtGen{r: rand.New(rand.NewSource(11))}
	for i, fm := range dtForms() {
		c := g.Generate(fm)
		if i%4 != 0 {
			continue
		}
		for _, target := range []string{"FuzzRun", "FuzzDecodeLength"} {
			dir := filepath.Join("testdata", "fuzz", target)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", c.Insn)
			if target == "FuzzRun" {
				body += fmt.Sprintf("bool(%v)\n", i%3 == 0)
			}
			name := filepath.Join(dir, fmt.Sprintf("form%03d", i))
			if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
