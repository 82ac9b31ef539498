package x86

import "testing"

// insnCase runs code (hlt appended) in flat 32-bit mode from the given registers and flags
// and checks the registers named in want and the flags in fmask.
type insnCase struct {
	name  string
	code  []byte
	regs  map[int]uint32
	flags uint32
	want  map[int]uint32
	fmask uint32 // flags to compare
	fwant uint32
	mem   map[uint32]uint32 // dwords to preset
	wmem  map[uint32]uint32 // dwords expected after
}

const (
	fA = fCF | fPF | fAF | fZF | fSF | fOF
	fD = fCF | fPF | fZF | fSF | fOF // arithmetic flags without AF (undefined for logic)
)

var insnCases = []insnCase{
	// ALU
	{name: "add overflow", code: []byte{0x01, 0xD8}, regs: map[int]uint32{EAX: 0x7FFFFFFF, EBX: 1},
		want: map[int]uint32{EAX: 0x80000000}, fmask: fA, fwant: fOF | fSF | fAF | fPF},
	{name: "add carry zero", code: []byte{0x01, 0xD8}, regs: map[int]uint32{EAX: 0xFFFFFFFF, EBX: 1},
		want: map[int]uint32{EAX: 0}, fmask: fA, fwant: fCF | fZF | fPF | fAF},
	{name: "add8 ah", code: []byte{0x00, 0xDC}, regs: map[int]uint32{EAX: 0x1234, EBX: 0xF0},
		want: map[int]uint32{EAX: 0x0234}, fmask: fA, fwant: fCF},
	{name: "sub borrow", code: []byte{0x29, 0xD8}, regs: map[int]uint32{EAX: 1, EBX: 2},
		want: map[int]uint32{EAX: 0xFFFFFFFF}, fmask: fA, fwant: fCF | fSF | fPF | fAF},
	{name: "cmp signed overflow", code: []byte{0x39, 0xD8}, regs: map[int]uint32{EAX: 0x80000000, EBX: 1},
		want: map[int]uint32{EAX: 0x80000000}, fmask: fA, fwant: fOF | fPF | fAF},
	{name: "adc with carry", code: []byte{0xF9, 0x11, 0xD8}, regs: map[int]uint32{EAX: 0xFFFFFFFF, EBX: 0},
		want: map[int]uint32{EAX: 0}, fmask: fA, fwant: fCF | fZF | fPF | fAF},
	{name: "sbb with carry", code: []byte{0xF9, 0x19, 0xD8}, regs: map[int]uint32{EAX: 5, EBX: 5},
		want: map[int]uint32{EAX: 0xFFFFFFFF}, fmask: fA, fwant: fCF | fSF | fPF | fAF},
	{name: "sbb16", code: []byte{0xF9, 0x66, 0x19, 0xD8}, regs: map[int]uint32{EAX: 0xABCD0000, EBX: 0xFFFF},
		want: map[int]uint32{EAX: 0xABCD0000}, fmask: fA, fwant: fCF | fZF | fPF | fAF},
	{name: "and clears CF OF", code: []byte{0xF9, 0x21, 0xD8}, regs: map[int]uint32{EAX: 0xF0, EBX: 0x0F},
		want: map[int]uint32{EAX: 0}, fmask: fD, fwant: fZF | fPF},
	{name: "xor self", code: []byte{0x31, 0xC0}, regs: map[int]uint32{EAX: 0x1234},
		want: map[int]uint32{EAX: 0}, fmask: fD, fwant: fZF | fPF},
	{name: "or imm8 sx", code: []byte{0x83, 0xC8, 0xFF}, regs: map[int]uint32{EAX: 1},
		want: map[int]uint32{EAX: 0xFFFFFFFF}, fmask: fD, fwant: fSF | fPF},
	{name: "cmp al imm", code: []byte{0x3C, 0x07}, regs: map[int]uint32{EAX: 0x05},
		fmask: fA, fwant: fCF | fSF | fAF},
	{name: "inc keeps CF", code: []byte{0xF9, 0x40}, regs: map[int]uint32{EAX: 0x7FFFFFFF},
		want: map[int]uint32{EAX: 0x80000000}, fmask: fA, fwant: fCF | fOF | fSF | fAF | fPF},
	{name: "dec to zero", code: []byte{0x48}, regs: map[int]uint32{EAX: 1},
		want: map[int]uint32{EAX: 0}, fmask: fA &^ fCF, fwant: fZF | fPF},
	{name: "neg", code: []byte{0xF7, 0xD8}, regs: map[int]uint32{EAX: 1},
		want: map[int]uint32{EAX: 0xFFFFFFFF}, fmask: fA, fwant: fCF | fSF | fPF | fAF},
	{name: "neg zero", code: []byte{0xF7, 0xD8}, regs: map[int]uint32{EAX: 0},
		want: map[int]uint32{EAX: 0}, fmask: fA, fwant: fZF | fPF},
	{name: "not", code: []byte{0xF7, 0xD0}, regs: map[int]uint32{EAX: 0x0F0F0F0F},
		want: map[int]uint32{EAX: 0xF0F0F0F0}},
	{name: "test", code: []byte{0x85, 0xD8}, regs: map[int]uint32{EAX: 0x80000000, EBX: 0x80000001},
		fmask: fD, fwant: fSF | fPF},
	// Multiply and divide
	{name: "mul", code: []byte{0xF7, 0xE3}, regs: map[int]uint32{EAX: 0x80000000, EBX: 4},
		want: map[int]uint32{EAX: 0, EDX: 2}, fmask: fCF | fOF, fwant: fCF | fOF},
	{name: "mul small", code: []byte{0xF7, 0xE3}, regs: map[int]uint32{EAX: 3, EBX: 4},
		want: map[int]uint32{EAX: 12, EDX: 0}, fmask: fCF | fOF, fwant: 0},
	{name: "imul 3op", code: []byte{0x6B, 0xC3, 0xFD}, regs: map[int]uint32{EBX: 7},
		want: map[int]uint32{EAX: 0xFFFFFFEB}, fmask: fCF | fOF, fwant: 0},
	{name: "imul overflow", code: []byte{0x0F, 0xAF, 0xC3}, regs: map[int]uint32{EAX: 0x10000, EBX: 0x10000},
		want: map[int]uint32{EAX: 0}, fmask: fCF | fOF, fwant: fCF | fOF},
	{name: "div", code: []byte{0xF7, 0xF3}, regs: map[int]uint32{EAX: 100, EDX: 1, EBX: 7},
		want: map[int]uint32{EAX: 0x24924932, EDX: 6}},
	{name: "idiv negative", code: []byte{0xF7, 0xFB}, regs: map[int]uint32{EAX: 0xFFFFFFF9, EDX: 0xFFFFFFFF, EBX: 2},
		want: map[int]uint32{EAX: 0xFFFFFFFD, EDX: 0xFFFFFFFF}},
	{name: "div8", code: []byte{0xF6, 0xF3}, regs: map[int]uint32{EAX: 0x0234, EBX: 0x10},
		want: map[int]uint32{EAX: 0x0423}},
	// Shifts and rotates
	{name: "shl 1 carry", code: []byte{0xD1, 0xE0}, regs: map[int]uint32{EAX: 0x80000001},
		want: map[int]uint32{EAX: 2}, fmask: fCF | fOF | fZF | fSF, fwant: fCF | fOF},
	{name: "shr cl", code: []byte{0xD3, 0xE8}, regs: map[int]uint32{EAX: 0x81, ECX: 4},
		want: map[int]uint32{EAX: 8}, fmask: fCF | fZF | fSF, fwant: 0},
	{name: "sar", code: []byte{0xC1, 0xF8, 0x04}, regs: map[int]uint32{EAX: 0x80000018},
		want: map[int]uint32{EAX: 0xF8000001}, fmask: fCF | fSF | fZF, fwant: fCF | fSF},
	{name: "shift count 0 keeps flags", code: []byte{0xF9, 0xD3, 0xE0}, regs: map[int]uint32{EAX: 5, ECX: 32},
		want: map[int]uint32{EAX: 5}, fmask: fCF, fwant: fCF},
	{name: "rol", code: []byte{0xC1, 0xC0, 0x04}, regs: map[int]uint32{EAX: 0xF0000001},
		want: map[int]uint32{EAX: 0x0000001F}, fmask: fCF, fwant: fCF},
	{name: "ror8", code: []byte{0xD0, 0xC8}, regs: map[int]uint32{EAX: 0x01},
		want: map[int]uint32{EAX: 0x80}, fmask: fCF | fOF, fwant: fCF | fOF},
	{name: "rcl", code: []byte{0xF9, 0xD1, 0xD0}, regs: map[int]uint32{EAX: 0x80000000},
		want: map[int]uint32{EAX: 1}, fmask: fCF | fOF, fwant: fCF | fOF},
	{name: "rcr", code: []byte{0xF9, 0xD1, 0xD8}, regs: map[int]uint32{EAX: 1},
		want: map[int]uint32{EAX: 0x80000000}, fmask: fCF | fOF, fwant: fCF | fOF},
	{name: "shld", code: []byte{0x0F, 0xA4, 0xD8, 0x08}, regs: map[int]uint32{EAX: 0x11223344, EBX: 0xAABBCCDD},
		want: map[int]uint32{EAX: 0x223344AA}, fmask: fCF, fwant: fCF},
	{name: "shrd cl", code: []byte{0x0F, 0xAD, 0xD8}, regs: map[int]uint32{EAX: 0x11223344, EBX: 0xAABBCCDD, ECX: 8},
		want: map[int]uint32{EAX: 0xDD112233}, fmask: fCF, fwant: 0},
	// Bit operations
	{name: "bt", code: []byte{0x0F, 0xA3, 0xD8}, regs: map[int]uint32{EAX: 0x10, EBX: 4},
		fmask: fCF, fwant: fCF},
	{name: "bts imm", code: []byte{0x0F, 0xBA, 0xE8, 0x1F}, regs: map[int]uint32{EAX: 0},
		want: map[int]uint32{EAX: 0x80000000}, fmask: fCF, fwant: 0},
	{name: "btr mem offset", code: []byte{0x0F, 0xB3, 0x03}, regs: map[int]uint32{EBX: 0x20000, EAX: 33},
		mem: map[uint32]uint32{0x20004: 0xFFFFFFFF}, wmem: map[uint32]uint32{0x20004: 0xFFFFFFFD}, fmask: fCF, fwant: fCF},
	{name: "bsf", code: []byte{0x0F, 0xBC, 0xC3}, regs: map[int]uint32{EBX: 0x100},
		want: map[int]uint32{EAX: 8}, fmask: fZF, fwant: 0},
	{name: "bsr zero", code: []byte{0x0F, 0xBD, 0xC3}, regs: map[int]uint32{EAX: 77, EBX: 0},
		want: map[int]uint32{EAX: 77}, fmask: fZF, fwant: fZF},
	{name: "bswap", code: []byte{0x0F, 0xC8}, regs: map[int]uint32{EAX: 0x11223344},
		want: map[int]uint32{EAX: 0x44332211}},
	// Moves
	{name: "movzx", code: []byte{0x0F, 0xB6, 0xC3}, regs: map[int]uint32{EBX: 0x1FF},
		want: map[int]uint32{EAX: 0xFF}},
	{name: "movsx16", code: []byte{0x0F, 0xBF, 0xC3}, regs: map[int]uint32{EBX: 0x8000},
		want: map[int]uint32{EAX: 0xFFFF8000}},
	{name: "mov mem sib", code: []byte{0x8B, 0x44, 0x8B, 0x04}, regs: map[int]uint32{EBX: 0x20000, ECX: 2},
		mem: map[uint32]uint32{0x2000C: 0xCAFEBABE}, want: map[int]uint32{EAX: 0xCAFEBABE}},
	{name: "mov16 store", code: []byte{0x66, 0x89, 0x03}, regs: map[int]uint32{EAX: 0x12345678, EBX: 0x20000},
		mem: map[uint32]uint32{0x20000: 0xAAAAAAAA}, wmem: map[uint32]uint32{0x20000: 0xAAAA5678}},
	{name: "lea", code: []byte{0x8D, 0x44, 0x58, 0x10}, regs: map[int]uint32{EAX: 1, EBX: 2},
		want: map[int]uint32{EAX: 0x15}},
	{name: "xchg", code: []byte{0x87, 0xD8}, regs: map[int]uint32{EAX: 1, EBX: 2},
		want: map[int]uint32{EAX: 2, EBX: 1}},
	{name: "cmovae taken", code: []byte{0x39, 0xD8, 0x0F, 0x43, 0xCA}, regs: map[int]uint32{EAX: 5, EBX: 3, EDX: 9},
		want: map[int]uint32{ECX: 9}},
	{name: "cmovb not taken", code: []byte{0x39, 0xD8, 0x0F, 0x42, 0xCA}, regs: map[int]uint32{EAX: 5, EBX: 3, EDX: 9, ECX: 1},
		want: map[int]uint32{ECX: 1}},
	{name: "setg", code: []byte{0x39, 0xD8, 0x0F, 0x9F, 0xC1}, regs: map[int]uint32{EAX: 5, EBX: 0xFFFFFFFF, ECX: 0x100},
		want: map[int]uint32{ECX: 0x101}},
	{name: "sete", code: []byte{0x39, 0xD8, 0x0F, 0x94, 0xC1}, regs: map[int]uint32{EAX: 5, EBX: 6, ECX: 0x1FF},
		want: map[int]uint32{ECX: 0x100}},
	{name: "cdq", code: []byte{0x99}, regs: map[int]uint32{EAX: 0x80000000},
		want: map[int]uint32{EDX: 0xFFFFFFFF}},
	{name: "cwde", code: []byte{0x98}, regs: map[int]uint32{EAX: 0x1234FF80},
		want: map[int]uint32{EAX: 0xFFFFFF80}},
	// Stack
	{name: "push pop", code: []byte{0x53, 0x58}, regs: map[int]uint32{EBX: 42},
		want: map[int]uint32{EAX: 42, ESP: 0x80000}},
	{name: "pusha popa", code: []byte{0x60, 0x31, 0xC0, 0x31, 0xDB, 0x61}, regs: map[int]uint32{EAX: 1, EBX: 2, EBP: 3},
		want: map[int]uint32{EAX: 1, EBX: 2, EBP: 3, ESP: 0x80000}},
	{name: "push imm8", code: []byte{0x6A, 0xFF, 0x58}, want: map[int]uint32{EAX: 0xFFFFFFFF}},
	{name: "enter leave", code: []byte{0xC8, 0x10, 0x00, 0x00, 0x89, 0xE0, 0xC9}, regs: map[int]uint32{EBP: 0x1234},
		want: map[int]uint32{EAX: 0x80000 - 4 - 0x10, EBP: 0x1234, ESP: 0x80000}},
	{name: "pushf popf", code: []byte{0xF9, 0x9C, 0xF8, 0x9D}, fmask: fCF, fwant: fCF},
	{name: "call ret", code: []byte{0xE8, 0x01, 0x00, 0x00, 0x00, 0xF4, 0xB8, 0x07, 0, 0, 0, 0xC3}, want: map[int]uint32{EAX: 7}},
	// Strings
	{name: "rep stosb", code: []byte{0xF3, 0xAA}, regs: map[int]uint32{EAX: 0x55, EDI: 0x20000, ECX: 5},
		want: map[int]uint32{ECX: 0, EDI: 0x20005}, wmem: map[uint32]uint32{0x20000: 0x55555555, 0x20004: 0x55}},
	{name: "rep movsd", code: []byte{0xF3, 0xA5}, regs: map[int]uint32{ESI: 0x20000, EDI: 0x21000, ECX: 2},
		mem: map[uint32]uint32{0x20000: 1, 0x20004: 2}, wmem: map[uint32]uint32{0x21000: 1, 0x21004: 2},
		want: map[int]uint32{ECX: 0, ESI: 0x20008, EDI: 0x21008}},
	{name: "std movsb", code: []byte{0xFD, 0xA4, 0xFC}, regs: map[int]uint32{ESI: 0x20000, EDI: 0x21000},
		mem: map[uint32]uint32{0x20000: 0x99}, wmem: map[uint32]uint32{0x21000: 0x99},
		want: map[int]uint32{ESI: 0x1FFFF, EDI: 0x20FFF}},
	{name: "repne scasb", code: []byte{0xF2, 0xAE}, regs: map[int]uint32{EAX: 0x33, EDI: 0x20000, ECX: 10},
		mem: map[uint32]uint32{0x20000: 0x44332211}, want: map[int]uint32{ECX: 7, EDI: 0x20003}, fmask: fZF, fwant: fZF},
	{name: "repe cmpsd", code: []byte{0xF3, 0xA7}, regs: map[int]uint32{ESI: 0x20000, EDI: 0x21000, ECX: 3},
		mem: map[uint32]uint32{0x20000: 1, 0x20004: 2, 0x21000: 1, 0x21004: 3}, want: map[int]uint32{ECX: 1}, fmask: fZF | fCF, fwant: fCF},
	{name: "lodsw", code: []byte{0x66, 0xAD}, regs: map[int]uint32{ESI: 0x20000, EAX: 0xFFFFFFFF},
		mem: map[uint32]uint32{0x20000: 0x1234}, want: map[int]uint32{EAX: 0xFFFF1234, ESI: 0x20002}},
	// i486/P6
	{name: "xadd", code: []byte{0x0F, 0xC1, 0xD8}, regs: map[int]uint32{EAX: 5, EBX: 3},
		want: map[int]uint32{EAX: 8, EBX: 5}},
	{name: "cmpxchg equal", code: []byte{0x0F, 0xB1, 0x0B}, regs: map[int]uint32{EAX: 7, EBX: 0x20000, ECX: 9},
		mem: map[uint32]uint32{0x20000: 7}, wmem: map[uint32]uint32{0x20000: 9}, fmask: fZF, fwant: fZF},
	{name: "cmpxchg differ", code: []byte{0xF0, 0x0F, 0xB1, 0x0B}, regs: map[int]uint32{EAX: 7, EBX: 0x20000, ECX: 9},
		mem: map[uint32]uint32{0x20000: 8}, wmem: map[uint32]uint32{0x20000: 8}, want: map[int]uint32{EAX: 8}, fmask: fZF, fwant: 0},
	{name: "cmpxchg8b", code: []byte{0x0F, 0xC7, 0x0E}, regs: map[int]uint32{EAX: 1, EDX: 2, EBX: 3, ECX: 4, ESI: 0x20000},
		mem: map[uint32]uint32{0x20000: 1, 0x20004: 2}, wmem: map[uint32]uint32{0x20000: 3, 0x20004: 4}, fmask: fZF, fwant: fZF},
	{name: "cpuid fpu", code: []byte{0x0F, 0xA2}, regs: map[int]uint32{EAX: 1},
		want: map[int]uint32{EAX: cpuSignature, EDX: 1<<0 | 1<<3 | 1<<4 | 1<<5 | 1<<8 | 1<<9 | 1<<15}},
	{name: "lock or esp", code: []byte{0xF0, 0x83, 0x0C, 0x24, 0x00}, want: map[int]uint32{ESP: 0x80000}},
	// BCD
	{name: "daa", code: []byte{0x27}, regs: map[int]uint32{EAX: 0x1A}, want: map[int]uint32{EAX: 0x20}, fmask: fCF | fAF, fwant: fAF},
	{name: "aam", code: []byte{0xD4, 0x0A}, regs: map[int]uint32{EAX: 47}, want: map[int]uint32{EAX: 0x0407}},
	{name: "aad", code: []byte{0xD5, 0x0A}, regs: map[int]uint32{EAX: 0x0407}, want: map[int]uint32{EAX: 47}},
	// Jumps and loops
	{name: "loop", code: []byte{0x40, 0xE2, 0xFD}, regs: map[int]uint32{ECX: 5}, want: map[int]uint32{EAX: 5, ECX: 0}},
	{name: "jl taken", code: []byte{0x39, 0xD8, 0x7C, 0x01, 0x40}, regs: map[int]uint32{EAX: 0xFFFFFFFF, EBX: 1}, want: map[int]uint32{EAX: 0xFFFFFFFF}},
	{name: "jb not taken", code: []byte{0x39, 0xD8, 0x72, 0x01, 0x40}, regs: map[int]uint32{EAX: 0xFFFFFFFF, EBX: 1}, want: map[int]uint32{EAX: 0}},
	{name: "jcxz", code: []byte{0xE3, 0x01, 0x40}, regs: map[int]uint32{ECX: 0}, want: map[int]uint32{EAX: 0}},
}

func TestInstructions(t *testing.T) {
	for _, tc := range insnCases {
		t.Run(tc.name, func(t *testing.T) {
			c, b, _ := newFlat(t)
			b.put(0x10000, append(append([]byte{}, tc.code...), 0xF4))
			for r, v := range tc.regs {
				c.Reg[r] = v
			}
			for a, v := range tc.mem {
				b.w32(a, v)
			}
			c.SetFlags(2 | tc.flags)
			if r := c.Run(1000); r != StopHalt {
				t.Fatalf("stopped with %v at %#x (%s)", r, c.EIP, c.Fault)
			}
			for r, v := range tc.want {
				if c.Reg[r] != v {
					t.Errorf("reg %d = %#x, want %#x", r, c.Reg[r], v)
				}
			}
			if got := c.Flags() & tc.fmask; got != tc.fwant {
				t.Errorf("flags %#x (masked %#x), want %#x", c.Flags(), got, tc.fwant)
			}
			for a, v := range tc.wmem {
				if got := b.r32(a); got != v {
					t.Errorf("mem[%#x] = %#x, want %#x", a, got, v)
				}
			}
		})
	}
}
