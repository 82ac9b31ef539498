package x86

import "testing"

// Instructions decoded together (a run, linked by insn.next) must not outlive a store
// over them or a change of the mapping they were fetched through.

func TestStoreOverLaterInstructionOfRun(t *testing.T) {
	for _, target := range []uint32{0x1000B, 0x10040} { // same 64-byte line, next line
		c, b, _ := newFlat(t)
		code := []byte{0xC6, 0x05, byte(target), byte(target >> 8), 0x01, 0x00, 0x40} // mov byte [target], 0x40 (inc eax)
		for a := uint32(0x10007); a+3 <= target; a += 3 {
			code = append(code, 0x8D, 0x76, 0x00) // lea esi, [esi+0]
		}
		for uint32(0x10000+len(code)) < target {
			code = append(code, 0x90)
		}
		code = append(code, 0x48, 0xF4) // dec eax (patched to inc eax); hlt
		b.put(0x10000, code)
		runToHalt(t, c)
		if c.Reg[EAX] != 1 {
			t.Errorf("target %#x: EAX = %#x, want 1: the instruction decoded before the store ran", target, c.Reg[EAX])
		}
	}
}

func TestCR3WriteInsideRun(t *testing.T) {
	c, b, _ := newFlat(t)
	pagingSetup(c, b)
	// A second page directory: the same 4 MB identity page, and 0x400000 -> 0x202000.
	b.w32(0x102000, 0x000000|0x83)
	b.w32(0x102004, 0x103000|0x7)
	b.w32(0x103000, 0x202000|0x7)
	b.put(0x200000, []byte{0x0F, 0x22, 0xD8, 0xBB, 1, 0, 0, 0, 0xF4}) // mov cr3, eax; mov ebx, 1; hlt
	b.put(0x202003, []byte{0xBB, 2, 0, 0, 0, 0xF4})                   // mov ebx, 2; hlt
	c.Reg[EAX] = 0x102000
	c.EIP = 0x400000
	runToHalt(t, c)
	if c.Reg[EBX] != 2 {
		t.Errorf("EBX = %d, want 2: ran code of the old mapping after mov cr3", c.Reg[EBX])
	}
}

// The fetch pages a CPU remembers were checked at a privilege: a return to user mode on
// the kernel's own (supervisor) code page must fault, not run from the remembered page.
func TestUserFetchFromKernelCodePage(t *testing.T) {
	c, b, _ := newFlat(t)
	installStubs(b)
	pagingSetup(c, b)
	// call 0x10100 (decode and run it at CPL 0), then iret to it at CPL 3.
	b.put(0x10000, append([]byte{0xE8, 0xFB, 0, 0, 0}, enterUser(0x10100, 0x400800)...))
	b.put(0x10100, []byte{0x90, 0xC3}) // nop; ret
	runToHalt(t, c)
	if v := b.r32(vecSlot); v != vecPF {
		t.Fatalf("vector %d, want 14 (page fault)", v)
	}
	if c.CR2 != 0x10100 {
		t.Errorf("CR2 %#x, want 0x10100", c.CR2)
	}
	if e := b.r32(c.Reg[ESP]); e != 5 {
		t.Errorf("error code %#x, want 5 (user, present)", e)
	}
}
