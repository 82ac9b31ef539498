// Package amd64 emits the few x86-64 instruction forms the translator in package x86 needs.
// It knows encodings only: no register allocation, no optimisation. Every form it can emit is
// checked against a disassembler in its tests.
package amd64

import "encoding/binary"

// Reg is a 64-bit general register, numbered as in the ModRM encoding (R8-R15 are 8-15).
type Reg uint8

// The general registers.
const (
	RAX Reg = iota
	RCX
	RDX
	RBX
	RSP
	RBP
	RSI
	RDI
	R8
	R9
	R10
	R11
	R12
	R13
	R14
	R15
)

// noIndex marks a memory operand without an index register (RSP cannot be one).
const noIndex = RSP

// Operand is a register or a memory operand [base + index*scale + disp].
type Operand struct {
	mem   bool
	r     Reg // the register, or the base of a memory operand
	index Reg
	shift uint8 // log2 of the scale
	disp  int32
	b8    bool // a byte register operand of a wider instruction (movzx, movsx)
}

// R is register r as an operand.
func R(r Reg) Operand { return Operand{r: r} }

// M is the memory operand [base + disp].
func M(base Reg, disp int32) Operand { return Operand{mem: true, r: base, index: noIndex, disp: disp} }

// MI is the memory operand [base + index<<shift + disp].
func MI(base, index Reg, shift uint8, disp int32) Operand {
	return Operand{mem: true, r: base, index: index, shift: shift, disp: disp}
}

// Cond is a condition code, as in the low nibble of jcc.
type Cond uint8

// Condition codes.
const (
	CondO Cond = iota
	CondNO
	CondB
	CondAE
	CondE
	CondNE
	CondBE
	CondA
	CondS
	CondNS
	CondP
	CondNP
	CondL
	CondGE
	CondLE
	CondG
)

// ALU operations in their encoding order (the reg field of 80-83 and bits 3-5 of 00-3D).
const (
	Add = iota
	Or
	Adc
	Sbb
	And
	Sub
	Xor
	Cmp
)

// Shift operations (the reg field of C1/D3).
const (
	Shl = 4
	Shr = 5
	Sar = 7
)

// Label is a position in the code, bound once, that jumps may name before it is bound.
type Label int

// Asm accumulates machine code.
type Asm struct {
	B      []byte
	Org    uintptr // the address B[0] will run at (for CallAddr)
	labels []int   // offset of each label, -1 until bound
	fixups []fixup
}

type fixup struct {
	at    int // offset of the rel32 field
	label Label
}

// NewLabel returns a label not bound yet.
func (a *Asm) NewLabel() Label {
	a.labels = append(a.labels, -1)
	return Label(len(a.labels) - 1)
}

// Bind binds l to the current position.
func (a *Asm) Bind(l Label) { a.labels[l] = len(a.B) }

// Finish resolves the jumps to labels. It reports false if a label was never bound.
func (a *Asm) Finish() bool {
	for _, f := range a.fixups {
		to := a.labels[f.label]
		if to < 0 {
			return false
		}
		binary.LittleEndian.PutUint32(a.B[f.at:], uint32(int32(to-(f.at+4))))
	}
	a.fixups = a.fixups[:0]
	return true
}

// Reset empties a for new code.
func (a *Asm) Reset() {
	a.B = a.B[:0]
	a.labels = a.labels[:0]
	a.fixups = a.fixups[:0]
}

func (a *Asm) byte1(b ...byte) { a.B = append(a.B, b...) }

func (a *Asm) imm32(v uint32) { a.B = binary.LittleEndian.AppendUint32(a.B, v) }

// enc emits an instruction with a ModRM operand: [66] [REX] op... ModRM [SIB] [disp].
// size is the operand size in bytes (1, 2, 4 or 8); reg is the ModRM reg field (a register
// or an opcode extension).
func (a *Asm) enc(size int, op []byte, reg uint8, rm Operand) {
	if size == 2 {
		a.byte1(0x66)
	}
	rex := byte(0)
	if size == 8 {
		rex |= 8
	}
	if reg&8 != 0 {
		rex |= 4
	}
	if rm.mem && rm.index != noIndex && rm.index&8 != 0 {
		rex |= 2
	}
	if rm.r&8 != 0 {
		rex |= 1
	}
	// Byte registers SPL-DIL need a REX prefix; without one 4-7 would mean AH-BH.
	if (size == 1 || rm.b8) && (reg >= 4 && reg < 8 || !rm.mem && rm.r >= 4 && rm.r < 8) {
		rex |= 0x40
	}
	if rex != 0 {
		a.byte1(0x40 | rex)
	}
	a.byte1(op...)
	r := (reg & 7) << 3
	if !rm.mem {
		a.byte1(0xC0 | r | byte(rm.r&7))
		return
	}
	base := byte(rm.r & 7)
	mod := byte(2)
	switch {
	case rm.disp == 0 && base != 5:
		mod = 0
	case rm.disp >= -128 && rm.disp <= 127:
		mod = 1
	}
	if rm.index != noIndex || base == 4 {
		a.byte1(mod<<6|r|4, rm.shift<<6|byte(rm.index&7)<<3|base)
	} else {
		a.byte1(mod<<6 | r | base)
	}
	switch mod {
	case 1:
		a.byte1(byte(int8(rm.disp)))
	case 2:
		a.imm32(uint32(rm.disp))
	}
}

// byteReg marks the reg field of byte forms as a register (it may need a REX prefix).
func byteReg(r Reg) uint8 { return uint8(r) }

// Mov moves size bytes from src to dst (one of them a register).
func (a *Asm) Mov(size int, dst, src Operand) {
	op := byte(0x89)
	if size == 1 {
		op = 0x88
	}
	if dst.mem {
		a.enc(size, []byte{op}, byteReg(src.r), dst)
		return
	}
	a.enc(size, []byte{op + 2}, byteReg(dst.r), src)
}

// MovImm moves the immediate v (size bytes, 8 meaning sign-extended from 32 bits) to dst.
func (a *Asm) MovImm(size int, dst Operand, v uint32) {
	if !dst.mem && size == 4 {
		if dst.r&8 != 0 {
			a.byte1(0x41)
		}
		a.byte1(0xB8 + byte(dst.r&7))
		a.imm32(v)
		return
	}
	if size == 1 {
		a.enc(1, []byte{0xC6}, 0, dst)
	} else {
		a.enc(size, []byte{0xC7}, 0, dst)
	}
	a.immSized(size, v)
}

// immSized emits v as an immediate of the operand size (1, 2, or 4 bytes, 4 for size 8).
func (a *Asm) immSized(size int, v uint32) {
	switch size {
	case 1:
		a.byte1(byte(v))
	case 2:
		a.B = binary.LittleEndian.AppendUint16(a.B, uint16(v))
	default:
		a.imm32(v)
	}
}

// MovImm64 loads the 64-bit constant v into r.
func (a *Asm) MovImm64(r Reg, v uint64) {
	a.byte1(0x48|byte(r>>3), 0xB8+byte(r&7))
	a.B = binary.LittleEndian.AppendUint64(a.B, v)
}

// Movzx zero-extends the size-byte (1 or 2) src into the 32-bit register dst.
func (a *Asm) Movzx(dst Reg, size int, src Operand) {
	a.enc(4, []byte{0x0F, 0xB6 + byte(size-1)}, uint8(dst), forceByte(size, src))
}

// Movsx sign-extends the size-byte (1 or 2) src into the 32-bit register dst.
func (a *Asm) Movsx(dst Reg, size int, src Operand) {
	a.enc(4, []byte{0x0F, 0xBE + byte(size-1)}, uint8(dst), forceByte(size, src))
}

// forceByte marks a byte-register source of movzx/movsx, which needs REX for SPL-DIL too.
func forceByte(size int, src Operand) Operand {
	src.b8 = size == 1 && !src.mem
	return src
}

// Lea loads the address of m into the size-byte (4 or 8) register dst.
func (a *Asm) Lea(size int, dst Reg, m Operand) { a.enc(size, []byte{0x8D}, uint8(dst), m) }

// Alu performs op (Add..Cmp) on dst and src, one of them a register.
func (a *Asm) Alu(op int, size int, dst, src Operand) {
	base := byte(op) << 3
	if size != 1 {
		base++
	}
	if dst.mem {
		a.enc(size, []byte{base}, byteReg(src.r), dst)
		return
	}
	a.enc(size, []byte{base + 2}, byteReg(dst.r), src)
}

// AluImm performs op with an immediate (sign-extended to size for size 2, 4 and 8).
func (a *Asm) AluImm(op int, size int, dst Operand, v int32) {
	switch {
	case size == 1:
		a.enc(1, []byte{0x80}, uint8(op), dst)
		a.byte1(byte(v))
	case v >= -128 && v <= 127:
		a.enc(size, []byte{0x83}, uint8(op), dst)
		a.byte1(byte(int8(v)))
	case size == 2:
		a.enc(2, []byte{0x81}, uint8(op), dst)
		a.B = binary.LittleEndian.AppendUint16(a.B, uint16(v))
	default:
		a.enc(size, []byte{0x81}, uint8(op), dst)
		a.imm32(uint32(v))
	}
}

// Test ands dst and src (one a register) for the flags only.
func (a *Asm) Test(size int, dst, src Operand) {
	op := byte(0x85)
	if size == 1 {
		op = 0x84
	}
	if dst.mem {
		a.enc(size, []byte{op}, byteReg(src.r), dst)
		return
	}
	a.enc(size, []byte{op}, byteReg(dst.r), src)
}

// TestImm ands dst and the immediate v for the flags only.
func (a *Asm) TestImm(size int, dst Operand, v uint32) {
	if size == 1 {
		a.enc(1, []byte{0xF6}, 0, dst)
	} else {
		a.enc(size, []byte{0xF7}, 0, dst)
	}
	a.immSized(size, v)
}

// ShiftImm shifts dst by n (op is Shl, Shr or Sar).
func (a *Asm) ShiftImm(op int, size int, dst Operand, n uint8) {
	if size == 1 {
		a.enc(1, []byte{0xC0}, uint8(op), dst)
	} else {
		a.enc(size, []byte{0xC1}, uint8(op), dst)
	}
	a.byte1(n)
}

// ShiftCL shifts dst by CL (op is Shl, Shr or Sar).
func (a *Asm) ShiftCL(op int, size int, dst Operand) {
	if size == 1 {
		a.enc(1, []byte{0xD2}, uint8(op), dst)
		return
	}
	a.enc(size, []byte{0xD3}, uint8(op), dst)
}

// Unary emits not (2) or neg (3) of dst.
func (a *Asm) Unary(op int, size int, dst Operand) {
	if size == 1 {
		a.enc(1, []byte{0xF6}, uint8(op), dst)
		return
	}
	a.enc(size, []byte{0xF7}, uint8(op), dst)
}

// Not and Neg for Unary.
const (
	Not = 2
	Neg = 3
)

// IncDec increments (dec false) or decrements dst.
func (a *Asm) IncDec(dec bool, size int, dst Operand) {
	ext := uint8(0)
	if dec {
		ext = 1
	}
	if size == 1 {
		a.enc(1, []byte{0xFE}, ext, dst)
		return
	}
	a.enc(size, []byte{0xFF}, ext, dst)
}

// Imul multiplies the register dst by src (signed, low half kept).
func (a *Asm) Imul(size int, dst Reg, src Operand) {
	a.enc(size, []byte{0x0F, 0xAF}, uint8(dst), src)
}

// Setcc sets the byte dst to 1 if cc holds, else 0.
func (a *Asm) Setcc(cc Cond, dst Operand) {
	a.enc(1, []byte{0x0F, 0x90 + byte(cc)}, 0, dst)
}

// Bt copies bit index (a register, taken modulo 64) of the 64-bit register r into CF.
func (a *Asm) Bt(r, index Reg) { a.enc(8, []byte{0x0F, 0xA3}, uint8(index), R(r)) }

// BtImm copies bit n of the 32-bit dst into CF.
func (a *Asm) BtImm(dst Operand, n uint8) {
	a.enc(4, []byte{0x0F, 0xBA}, 4, dst)
	a.byte1(n)
}

// Jcc jumps to l if cc holds.
func (a *Asm) Jcc(cc Cond, l Label) {
	a.byte1(0x0F, 0x80+byte(cc))
	a.fixups = append(a.fixups, fixup{at: len(a.B), label: l})
	a.imm32(0)
}

// Jmp jumps to l.
func (a *Asm) Jmp(l Label) {
	a.byte1(0xE9)
	a.fixups = append(a.fixups, fixup{at: len(a.B), label: l})
	a.imm32(0)
}

// Call calls l (a routine in the same code).
func (a *Asm) Call(l Label) {
	a.byte1(0xE8)
	a.fixups = append(a.fixups, fixup{at: len(a.B), label: l})
	a.imm32(0)
}

// CallAddr calls the routine at address target; the code must run at Org.
func (a *Asm) CallAddr(target uintptr) {
	a.byte1(0xE8)
	a.imm32(uint32(int32(int64(target) - int64(a.Org) - int64(len(a.B)+4))))
}

// JmpReg jumps to the address in r.
func (a *Asm) JmpReg(r Reg) { a.enc(4, []byte{0xFF}, 4, R(r)) }

// Ret returns.
func (a *Asm) Ret() { a.byte1(0xC3) }

// Push pushes the 64-bit register r.
func (a *Asm) Push(r Reg) {
	if r&8 != 0 {
		a.byte1(0x41)
	}
	a.byte1(0x50 + byte(r&7))
}

// Pop pops the 64-bit register r.
func (a *Asm) Pop(r Reg) {
	if r&8 != 0 {
		a.byte1(0x41)
	}
	a.byte1(0x58 + byte(r&7))
}

// Pushfq pushes RFLAGS.
func (a *Asm) Pushfq() { a.byte1(0x9C) }

// Popfq pops RFLAGS.
func (a *Asm) Popfq() { a.byte1(0x9D) }
