package x86_test

// The translator against the interpreter: random loops of the instruction forms blocks
// handle run on two CPUs, one with NoJIT, and must leave the same registers, flags, memory
// and instruction count.

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"gemu/x86"

	"golang.org/x/arch/x86/x86asm"
)

// jitRegs are the registers random instructions may write: not ESP (the stack) nor EBX
// (the base of memory operands).
var jitRegs = []byte{0, 1, 2, 5, 6, 7}

// jitRegs8 are the byte registers that do not overlap EBX or ESP.
var jitRegs8 = []byte{0, 1, 2, 4, 5, 6}

const jitCounter = dtData + 0xF00 // the loop counter, in the data region

// jitGen produces random instruction bytes of the forms the translator handles.
type jitGen struct {
	r *rand.Rand
}

func (g *jitGen) pick(s []byte) byte { return s[g.r.Intn(len(s))] }

func (g *jitGen) imm32() []byte {
	v := g.r.Uint32()
	switch g.r.Intn(4) {
	case 0:
		v &= 0xFF
	case 1:
		v = uint32(g.r.Intn(3)) - 1
	case 2:
		v = 0x80000000 >> uint(g.r.Intn(32))
	}
	return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
}

// modrm returns a ModRM (with displacement) naming register reg and either a random
// register (from regs, if regOnly or by chance) or [EBX+disp8] in the data region.
func (g *jitGen) modrm(reg byte, regs []byte, regOnly bool) []byte {
	if regOnly || g.r.Intn(2) == 0 {
		return []byte{0xC0 | reg<<3 | g.pick(regs)}
	}
	if g.r.Intn(4) == 0 { // [EBX+ESI*4+disp8]: ESI is kept small below
		return []byte{0x44 | reg<<3, 0xB3, byte(g.r.Intn(0x80))}
	}
	return []byte{0x43 | reg<<3, byte(g.r.Intn(0x80))}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// insn returns one random instruction (or a short sequence that keeps the stack balanced).
func (g *jitGen) insn() []byte {
	r := g.r
	aluOps := []byte{0, 1, 4, 5, 6, 7}
	switch r.Intn(24) {
	case 0, 1: // ALU r/m, reg and reg, r/m, both sizes
		op := g.pick(aluOps)<<3 | byte(r.Intn(4))
		if op&1 == 0 {
			return cat([]byte{op}, g.modrm(g.pick(jitRegs8), jitRegs8, false))
		}
		return cat([]byte{op}, g.modrm(g.pick(jitRegs), jitRegs, false))
	case 2: // ALU al/eax, imm
		op := g.pick(aluOps)<<3 | 4
		if r.Intn(2) == 0 {
			return []byte{op, byte(r.Intn(256))}
		}
		return cat([]byte{op + 1}, g.imm32())
	case 3: // 80, 81, 83
		ext := g.pick(aluOps)
		switch r.Intn(3) {
		case 0:
			return cat([]byte{0x80}, g.modrm(ext, jitRegs8, false), []byte{byte(r.Intn(256))})
		case 1:
			return cat([]byte{0x81}, g.modrm(ext, jitRegs, false), g.imm32())
		}
		return cat([]byte{0x83}, g.modrm(ext, jitRegs, false), []byte{byte(r.Intn(256))})
	case 4: // test
		switch r.Intn(4) {
		case 0:
			return cat([]byte{0x84}, g.modrm(g.pick(jitRegs8), jitRegs8, false))
		case 1:
			return cat([]byte{0x85}, g.modrm(g.pick(jitRegs), jitRegs, false))
		case 2:
			return cat([]byte{0xF6}, g.modrm(0, jitRegs8, false), []byte{byte(r.Intn(256))})
		}
		return cat([]byte{0xF7}, g.modrm(0, jitRegs, false), g.imm32())
	case 5: // not, neg
		if r.Intn(2) == 0 {
			return cat([]byte{0xF6}, g.modrm(byte(2+r.Intn(2)), jitRegs8, false))
		}
		return cat([]byte{0xF7}, g.modrm(byte(2+r.Intn(2)), jitRegs, false))
	case 6: // mov
		switch r.Intn(5) {
		case 0:
			return cat([]byte{0x88 + byte(r.Intn(2))*2}, g.modrm(g.pick(jitRegs8), jitRegs8, false))
		case 1:
			return cat([]byte{0x89 + byte(r.Intn(2))*2}, g.modrm(g.pick(jitRegs), jitRegs, false))
		case 2:
			return cat([]byte{0xC6}, g.modrm(0, jitRegs8, false), []byte{byte(r.Intn(256))})
		case 3:
			return cat([]byte{0xC7}, g.modrm(0, jitRegs, false), g.imm32())
		}
		a := uint32(dtData + r.Intn(0x100))
		return []byte{0xA0 + byte(r.Intn(4)), byte(a), byte(a >> 8), 0, 0}
	case 7: // mov reg, imm
		if r.Intn(2) == 0 {
			return []byte{0xB0 + g.pick(jitRegs8), byte(r.Intn(256))}
		}
		return cat([]byte{0xB8 + g.pick(jitRegs)}, g.imm32())
	case 8: // lea
		return []byte{0x8D, 0x44 | g.pick(jitRegs)<<3, 0x73, byte(r.Intn(256))}
	case 9: // movzx, movsx
		op := byte(0xB6 + r.Intn(2) + 8*r.Intn(2))
		if op&1 == 0 {
			return cat([]byte{0x0F, op}, g.modrm(g.pick(jitRegs), jitRegs8, false))
		}
		return cat([]byte{0x0F, op}, g.modrm(g.pick(jitRegs), jitRegs, false))
	case 10: // inc, dec
		switch r.Intn(3) {
		case 0:
			return []byte{0x40 + byte(r.Intn(2))*8 + g.pick(jitRegs)}
		case 1:
			return cat([]byte{0xFE}, g.modrm(byte(r.Intn(2)), jitRegs8, false))
		}
		return cat([]byte{0xFF}, g.modrm(byte(r.Intn(2)), jitRegs, false))
	case 11: // push, pop
		switch r.Intn(4) {
		case 0:
			return []byte{0x50 + byte(r.Intn(8)), 0x58 + g.pick(jitRegs)}
		case 1:
			return cat([]byte{0x68}, g.imm32(), []byte{0x58 + g.pick(jitRegs)})
		case 2:
			return []byte{0x6A, byte(r.Intn(256)), 0x58 + g.pick(jitRegs)}
		}
		return cat([]byte{0xFF}, g.modrm(6, jitRegs, false), []byte{0x58 + g.pick(jitRegs)})
	case 12: // shifts
		ext := []byte{4, 5, 7}[r.Intn(3)]
		if r.Intn(2) == 0 {
			return cat([]byte{0xD1}, g.modrm(ext, jitRegs, false))
		}
		return cat([]byte{0xC1}, g.modrm(ext, jitRegs, false), []byte{byte(r.Intn(40))})
	case 13: // imul
		switch r.Intn(3) {
		case 0:
			return cat([]byte{0x0F, 0xAF}, g.modrm(g.pick(jitRegs), jitRegs, false))
		case 1:
			return cat([]byte{0x69}, g.modrm(g.pick(jitRegs), jitRegs, false), g.imm32())
		}
		return cat([]byte{0x6B}, g.modrm(g.pick(jitRegs), jitRegs, false), []byte{byte(r.Intn(256))})
	case 14:
		switch r.Intn(4) {
		case 0: // pushf; pop: every flag, as a block computes them
			return []byte{0x9C, 0x58 + g.pick(jitRegs)}
		case 1: // lahf (interpreted): the flags a block left, as the interpreter reads them
			return []byte{0x9F}
		case 2:
			return []byte{0xFA} // cli
		}
		return []byte{0x99}
	case 15:
		return []byte{0x90}
	case 16: // setcc
		return cat([]byte{0x0F, 0x90 + byte(r.Intn(16))}, g.modrm(0, jitRegs8, false))
	case 17, 18: // jcc over one instruction (a branch inside the loop body)
		body := g.simple()
		if r.Intn(2) == 0 {
			return cat([]byte{0x70 + byte(r.Intn(16)), byte(len(body))}, body)
		}
		return cat([]byte{0x0F, 0x80 + byte(r.Intn(16)), byte(len(body)), 0, 0, 0}, body)
	case 19: // call the next instruction, pop the return address
		return []byte{0xE8, 0, 0, 0, 0, 0x58 + g.pick(jitRegs)}
	case 20: // frame: push eax; mov ebp, esp; leave
		return []byte{0x50, 0x89, 0xE5, 0xC9}
	case 21: // jmp over one instruction
		body := g.simple()
		if r.Intn(2) == 0 {
			return cat([]byte{0xEB, byte(len(body))}, body)
		}
		return cat([]byte{0xE9, byte(len(body)), 0, 0, 0}, body)
	case 22: // call a ret (imm16) in the data... at the subroutine after the loop
		return []byte{0x6A, 0x07, 0xE8, 0xFF, 0xFF, 0xFF, 0xFF} // patched by jitProgram
	}
	return g.simple()
}

// simple is an instruction without control flow.
func (g *jitGen) simple() []byte {
	for {
		b := g.insn()
		if len(b) > 0 && b[0] != 0xE8 && b[0] != 0xEB && b[0] != 0xE9 && b[0]&0xF0 != 0x70 && !(b[0] == 0x0F && b[1]&0xF0 == 0x80) && b[0] != 0x6A && b[0] != 0x50 {
			return b
		}
	}
}

// jitProgram builds: a loop of n random instructions run iters times, then hlt, then a
// subroutine `ret 4` that case 22's calls reach.
func jitProgram(r *rand.Rand, n, iters int) []byte {
	g := &jitGen{r: r}
	var body []byte
	var calls []int // offsets of rel32 fields to patch
	for i := 0; i < n; i++ {
		in := g.insn()
		if len(in) == 7 && in[0] == 0x6A && in[2] == 0xE8 {
			calls = append(calls, len(body)+3)
		}
		// Keep ESI, the index register, small: and esi, 0x1F after every instruction
		// that may have changed it is cheap enough.
		body = append(body, in...)
		body = append(body, 0x83, 0xE6, 0x1F)
	}
	// loop: body; dec dword [counter]; jnz loop; hlt; sub: ret 4
	prog := append([]byte{}, body...)
	prog = append(prog, 0xFF, 0x0D, jitCounter&0xFF, jitCounter>>8, 0, 0)
	back := -(len(prog) + 6)
	prog = append(prog, 0x0F, 0x85, byte(back), byte(back>>8), byte(back>>16), byte(back>>24))
	prog = append(prog, 0xF4)
	sub := len(prog)
	prog = append(prog, 0xC2, 4, 0)
	for _, at := range calls {
		rel := sub - (at + 4)
		prog[at], prog[at+1], prog[at+2], prog[at+3] = byte(rel), byte(rel>>8), byte(rel>>16), byte(rel>>24)
	}
	_ = iters
	return prog
}

func jitRun(t *testing.T, prog []byte, seed int64, iters int, noJIT bool) *dtMachine {
	m := newDTMachine()
	m.Flat32()
	m.cpu.NoJIT = noJIT
	m.LoadCode(dtCode, prog)
	r := rand.New(rand.NewSource(seed))
	r.Read(m.bus.ram[dtData:dtDataEnd])
	m.bus.ram[jitCounter], m.bus.ram[jitCounter+1], m.bus.ram[jitCounter+2], m.bus.ram[jitCounter+3] = byte(iters), 0, 0, 0
	c := m.cpu
	for i := range c.Reg {
		c.Reg[i] = r.Uint32()
	}
	c.Reg[4], c.Reg[3], c.Reg[6] = dtESP, dtData, 0
	c.EIP = dtCode
	c.SetFlags(2 | r.Uint32()&0x8D5)
	if stop, ev := m.RunToHalt(1 << 20); ev != nil {
		t.Fatalf("seed %d (noJIT %v): stopped %v with event %+v at EIP %#x", seed, noJIT, stop, *ev, c.EIP)
	}
	return m
}

// disasm lists prog for a failure report.
func disasm(prog []byte) string {
	var s string
	for off := 0; off < len(prog); {
		in, err := x86asm.Decode(prog[off:], 32)
		if err != nil {
			s += fmt.Sprintf("%04x: % x ?\n", off, prog[off])
			off++
			continue
		}
		s += fmt.Sprintf("%04x: %-24x %s\n", off, prog[off:off+in.Len], x86asm.IntelSyntax(in, uint64(dtCode+off), nil))
		off += in.Len
	}
	return s
}

func TestJITMatchesInterpreter(t *testing.T) {
	for seed := int64(1); seed <= jitSeeds; seed++ {
		jitCompare(t, seed, 24)
	}
}

// TestJITReusesCodeMemory gives translated code two 4 KB chunks: programs that need more
// drop every block and reuse them, and must still match the interpreter.
func TestJITReusesCodeMemory(t *testing.T) {
	defer x86.SetJITChunks(4096, 2)()
	flushes := 0
	for seed := int64(1); seed <= 100; seed++ {
		flushes += jitCompare(t, seed, 64).code.JITFlushes()
	}
	if flushes == 0 {
		t.Fatal("no program filled the code memory: the test does not test reuse")
	}
}

// jitCompare runs a random loop of up to n instructions on an interpreting and a
// translating machine and fails on any difference; it returns the translating machine.
func jitCompare(t *testing.T, seed int64, n int) *dtMachine {
	t.Helper()
	const iters = 40
	r := rand.New(rand.NewSource(seed))
	prog := jitProgram(r, 1+r.Intn(n), iters)
	a := jitRun(t, prog, seed, iters, true)
	b := jitRun(t, prog, seed, iters, false)
	ca, cb := a.cpu, b.cpu
	diff := ""
	if ca.Reg != cb.Reg {
		diff += fmt.Sprintf("regs interp %08x\n     jit    %08x\n", ca.Reg, cb.Reg)
	}
	if ca.EIP != cb.EIP || ca.Retired != cb.Retired {
		diff += fmt.Sprintf("EIP %#x/%#x retired %d/%d\n", ca.EIP, cb.EIP, ca.Retired, cb.Retired)
	}
	if fa, fb := ca.Flags(), cb.Flags(); fa != fb {
		diff += fmt.Sprintf("flags interp %#x jit %#x\n", fa, fb)
	}
	if !bytes.Equal(a.bus.ram[dtData:dtStackHigh], b.bus.ram[dtData:dtStackHigh]) {
		for i := dtData; i < dtStackHigh; i++ {
			if a.bus.ram[i] != b.bus.ram[i] {
				diff += fmt.Sprintf("memory differs first at %#x: %#x vs %#x\n", i, a.bus.ram[i], b.bus.ram[i])
				break
			}
		}
	}
	if diff != "" {
		t.Fatalf("seed %d:\n%s\n%s", seed, diff, disasm(prog))
	}
	return b
}

// jitSeeds is the number of random programs TestJITMatchesInterpreter tries.
var jitSeeds = int64(400)
