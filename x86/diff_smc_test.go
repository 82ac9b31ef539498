package x86_test

import (
	"testing"

	"gemu/x86"
)

// dtSMCCases are self-modifying code snippets (at dtCode, flat 32-bit): a store must be
// seen by every later fetch of the bytes it changed, also when the instruction was already
// decoded (xv6 keeps data on code pages, so stores near code are common).
var dtSMCCases = []struct {
	name string
	code []byte
	reg  int    // register to check
	want uint32 // its value at the end
}{
	{"store into the next instruction's immediate", []byte{
		0xC6, 0x05, 0x0B, 0x10, 0x00, 0x00, 0x42, // mov byte [0x100B], 0x42
		0x90, 0x90, 0x90, // nop x3
		0xB0, 0x11, // 0x100A: mov al, 0x11 (immediate at 0x100B)
		0xF4,
	}, x86.EAX, 0x42},
	{"loop rewriting its own immediate", []byte{
		0xB9, 0x03, 0x00, 0x00, 0x00, // mov ecx, 3
		0x31, 0xDB, // xor ebx, ebx
		0xB0, 0x01, // 0x1007: mov al, 1 (immediate at 0x1008)
		0x00, 0xC3, // add bl, al
		0xFE, 0x05, 0x08, 0x10, 0x00, 0x00, // inc byte [0x1008]
		0x49,       // dec ecx
		0x75, 0xF3, // jnz 0x1007
		0xF4,
	}, x86.EBX, 6},
	{"rep stosb over a ud2 ahead", []byte{
		0xBF, 0x10, 0x10, 0x00, 0x00, // mov edi, 0x1010
		0xB9, 0x02, 0x00, 0x00, 0x00, // mov ecx, 2
		0xB0, 0x90, // mov al, 0x90
		0xF3, 0xAA, // rep stosb
		0x90, 0x90, // nop nop
		0x0F, 0x0B, // 0x1010: ud2, overwritten by nops
		0xBA, 0x77, 0x00, 0x00, 0x00, // mov edx, 0x77
		0xF4,
	}, x86.EDX, 0x77},
	{"movs copying an instruction ahead", []byte{
		0xBE, 0x17, 0x10, 0x00, 0x00, // mov esi, 0x1017
		0xBF, 0x12, 0x10, 0x00, 0x00, // mov edi, 0x1012
		0xB9, 0x05, 0x00, 0x00, 0x00, // mov ecx, 5
		0xF3, 0xA4, // rep movsb
		0xBE, 0x01, 0x00, 0x00, 0x00, // 0x1011: mov esi, 1 -> its imm32 (0x1012..) becomes 0x1017's bytes
		0xF4,
		0x55, 0x66, 0x77, 0x88, 0xF4, // 0x1017: copied over the immediate (4 bytes) and the hlt
	}, x86.ESI, 0x88776655},
}

// TestSelfModifyingCode runs the snippets on our CPU and checks the results.
func TestSelfModifyingCode(t *testing.T) {
	m := newDTMachine()
	for _, tc := range dtSMCCases {
		c := &dtCase{Name: tc.name, Code: tc.code, SkipReg: -1, MemSeed: 1, Flags: 2}
		c.Regs[x86.ESP] = dtESP
		got := m.RunCase(c)
		if got.Exc >= 0 || got.Note != "" {
			t.Errorf("%s: exception %d at %#x %s", tc.name, got.Exc, got.ExcEIP, got.Note)
			continue
		}
		if got.Regs[tc.reg] != tc.want {
			t.Errorf("%s: register %d = %#x, want %#x", tc.name, tc.reg, got.Regs[tc.reg], tc.want)
		}
	}
}
