package x86

import (
	"encoding/binary"
	"strings"
	"testing"
)

const (
	stubBase = 0x30000 // handler stub for vector v at stubBase+16*v: record v, hlt
	vecSlot  = 0x2F000 // where a stub records its vector
)

// installStubs points every IDT vector at a ring-0 stub that stores its vector number at
// vecSlot and halts.
func installStubs(b *testBus) {
	for v := 0; v < 256; v++ {
		a := uint32(stubBase + 16*v)
		code := []byte{0x36, 0xC7, 0x05, 0, 0, 0, 0, byte(v), 0, 0, 0, 0xF4} // mov ss:[vecSlot], v
		binary.LittleEndian.PutUint32(code[3:], vecSlot)
		b.put(a, code)
		setGate(b, v, selCode0, a, 0xE, 0)
	}
	b.w32(vecSlot, 0xFFFFFFFF)
}

// runToHalt runs and fails the test unless the CPU halts.
func runToHalt(t *testing.T, c *CPU) {
	t.Helper()
	if r := c.Run(100000); r != StopHalt {
		t.Fatalf("stopped with %v at %#x: %s", r, c.EIP, c.Fault)
	}
}

// pagingSetup maps VA 0-4 MB onto itself with a supervisor 4 MB page and VA 0x400000+ with
// 4 KB pages: +0 -> 0x200000 (user rw), +0x1000 -> 0x201000 (user ro), +0x2000 absent.
func pagingSetup(c *CPU, b *testBus) {
	b.w32(0x100000, 0x000000|0x83) // PS, W, P
	b.w32(0x100004, 0x101000|0x7)  // U, W, P
	b.w32(0x101000, 0x200000|0x7)  // user rw
	b.w32(0x101004, 0x201000|0x5)  // user ro
	c.CR4 = cr4PSE
	c.CR3 = 0x100000
	c.CR0 |= cr0PG | cr0WP
}

func TestPageFaultNotPresent(t *testing.T) {
	c, b, _ := newFlat(t)
	installStubs(b)
	pagingSetup(c, b)
	b.put(0x10000, []byte{
		0xA1, 0x00, 0x00, 0x40, 0x00, // mov eax, [0x400000]
		0xA3, 0x04, 0x00, 0x40, 0x00, // mov [0x400004], eax
		0xA1, 0x00, 0x20, 0x40, 0x00, // mov eax, [0x402000]: not present
	})
	b.w32(0x200000, 0x12345678)
	runToHalt(t, c)
	if v := b.r32(vecSlot); v != vecPF {
		t.Fatalf("vector %d, want 14", v)
	}
	if c.CR2 != 0x402000 {
		t.Errorf("CR2 %#x", c.CR2)
	}
	sp := c.Reg[ESP]
	if e, ip := b.r32(sp), b.r32(sp+4); e != 0 || ip != 0x1000A {
		t.Errorf("error code %#x EIP %#x, want 0 and 0x1000a", e, ip)
	}
	if b.r32(0x200004) != 0x12345678 {
		t.Errorf("store through the page table missed")
	}
	if pte := b.r32(0x101000); pte&0x60 != 0x60 {
		t.Errorf("PTE %#x: accessed and dirty should be set", pte)
	}
	if pde := b.r32(0x100004); pde&0x20 == 0 {
		t.Errorf("PDE %#x: accessed should be set", pde)
	}
}

func TestPageFaultWriteProtect(t *testing.T) {
	for _, wp := range []bool{true, false} {
		c, b, _ := newFlat(t)
		installStubs(b)
		pagingSetup(c, b)
		if !wp {
			c.CR0 &^= cr0WP
		}
		b.put(0x10000, []byte{0xA3, 0x00, 0x10, 0x40, 0x00, 0xF4}) // mov [0x401000], eax; hlt
		c.Reg[EAX] = 0xAB
		runToHalt(t, c)
		v := b.r32(vecSlot)
		if wp {
			if v != vecPF || b.r32(c.Reg[ESP]) != 3 || c.CR2 != 0x401000 {
				t.Errorf("WP=1: vector %d error %#x CR2 %#x, want 14, 3, 0x401000", v, b.r32(c.Reg[ESP]), c.CR2)
			}
		} else if v != 0xFFFFFFFF || b.r32(0x201000) != 0xAB {
			t.Errorf("WP=0: supervisor write to a read-only page should succeed (vector %d)", v)
		}
	}
}

// enterUser builds kernel code that irets to ring 3 at eip with user stack esp.
func enterUser(eip, esp uint32) []byte {
	code := []byte{0x6A, selData3, 0x68, 0, 0, 0, 0, 0x6A, 0x02, 0x6A, selCode3, 0x68, 0, 0, 0, 0, 0xCF}
	binary.LittleEndian.PutUint32(code[3:], esp)
	binary.LittleEndian.PutUint32(code[12:], eip)
	return code
}

func TestUserPageFaultOnKernelPage(t *testing.T) {
	c, b, _ := newFlat(t)
	installStubs(b)
	pagingSetup(c, b)
	b.put(0x10000, enterUser(0x400000, 0x400800))
	b.put(0x200000, []byte{
		0x66, 0xB8, selData3, 0x00, // mov ax, 0x23
		0x8E, 0xD8, // mov ds, ax
		0xA1, 0x00, 0x00, 0x01, 0x00, // mov eax, [0x10000]: supervisor page
	})
	runToHalt(t, c)
	if v := b.r32(vecSlot); v != vecPF {
		t.Fatalf("vector %d, want 14", v)
	}
	sp := c.Reg[ESP]
	if sp != 0x90000-24 {
		t.Errorf("ESP %#x, want the TSS stack 0x90000-24", sp)
	}
	frame := []uint32{b.r32(sp), b.r32(sp + 4), b.r32(sp + 8), b.r32(sp + 16), b.r32(sp + 20)}
	want := []uint32{5, 0x400006, selCode3, 0x400800, selData3}
	for i := range want {
		if frame[i] != want[i] {
			t.Errorf("frame %x, want %x (err, eip, cs, esp, ss)", frame, want)
			break
		}
	}
	if c.CPL() != 0 || c.Seg[SS].Sel != selData0 {
		t.Errorf("CPL %d SS %#x after the fault", c.CPL(), c.Seg[SS].Sel)
	}
}

func TestSyscallAndUserIOFault(t *testing.T) {
	c, b, _ := newFlat(t)
	installStubs(b)
	setGate(b, 0x40, selCode0, 0x12000, 0xF, 3) // trap gate, DPL 3
	b.put(0x12000, []byte{
		0x8B, 0x5C, 0x24, 0x04, // mov ebx, [esp+4]  (saved CS)
		0x36, 0x89, 0x1D, 0x00, 0xF1, 0x02, 0x00, // mov ss:[0x2F100], ebx (DS is null after the iret to ring 3)
		0x36, 0x89, 0x25, 0x04, 0xF1, 0x02, 0x00, // mov ss:[0x2F104], esp
		0xCF, // iret
	})
	b.put(0x10000, enterUser(0x40000, 0x48000))
	b.put(0x40000, []byte{
		0xCD, 0x40, // int 0x40
		0xB9, 0x11, 0x00, 0x00, 0x00, // mov ecx, 0x11
		0xE4, 0x60, // in al, 0x60: IOPL 0, I/O map past the TSS limit
	})
	runToHalt(t, c)
	if b.r32(0x2F100) != selCode3 || b.r32(0x2F104) != 0x90000-20 {
		t.Errorf("syscall handler saw CS %#x ESP %#x", b.r32(0x2F100), b.r32(0x2F104))
	}
	if c.Reg[ECX] != 0x11 {
		t.Errorf("iret did not return to ring 3 code (ECX %#x)", c.Reg[ECX])
	}
	if v := b.r32(vecSlot); v != vecGP {
		t.Fatalf("vector %d, want 13", v)
	}
	sp := c.Reg[ESP]
	if b.r32(sp) != 0 || b.r32(sp+4) != 0x40007 || b.r32(sp+8) != selCode3 {
		t.Errorf("frame err %#x eip %#x cs %#x", b.r32(sp), b.r32(sp+4), b.r32(sp+8))
	}
}

func TestIntGateDPL(t *testing.T) {
	c, b, _ := newFlat(t)
	installStubs(b)
	b.put(0x10000, enterUser(0x40000, 0x48000))
	b.put(0x40000, []byte{0xCD, 0x41}) // int 0x41: gate DPL 0
	runToHalt(t, c)
	if v, e := b.r32(vecSlot), b.r32(c.Reg[ESP]); v != vecGP || e != 0x41*8+2 {
		t.Errorf("vector %d error %#x, want 13 and %#x", v, e, 0x41*8+2)
	}
}

func TestRealToProtected(t *testing.T) {
	b := newTestBus(1 << 20)
	c := New(b, &testIntr{}, nil)
	c.SetRealSeg(CS, 0)
	for _, s := range []int{DS, ES, SS} {
		c.SetRealSeg(s, 0)
	}
	c.EIP = 0x7C00
	b.put(0x7C00, []byte{
		0xFA,                         // cli
		0x0F, 0x01, 0x16, 0x30, 0x7C, // lgdt [0x7c30]
		0x0F, 0x20, 0xC0, // mov eax, cr0
		0x66, 0x83, 0xC8, 0x01, // or eax, 1
		0x0F, 0x22, 0xC0, // mov cr0, eax
		0xEA, 0x15, 0x7C, 0x08, 0x00, // ljmp 0x08:0x7c15
		0x66, 0xB8, 0x10, 0x00, // mov ax, 0x10
		0x8E, 0xD8, // mov ds, ax
		0x8E, 0xD0, // mov ss, ax
		0xBC, 0x00, 0x7C, 0x00, 0x00, // mov esp, 0x7c00
		0xF4, // hlt
	})
	binary.LittleEndian.PutUint16(b.ram[0x7C30:], 0x17)
	binary.LittleEndian.PutUint32(b.ram[0x7C32:], 0x7C38)
	binary.LittleEndian.PutUint64(b.ram[0x7C40:], segDesc(0, 0xFFFFFFFF, 0x9A, 4))
	binary.LittleEndian.PutUint64(b.ram[0x7C48:], segDesc(0, 0xFFFFFFFF, 0x92, 4))
	runToHalt(t, c)
	if c.EIP != 0x7C23 || c.Seg[CS].Sel != 8 || c.Seg[CS].Attr&0x4000 == 0 || c.Reg[ESP] != 0x7C00 {
		t.Errorf("EIP %#x CS %+v ESP %#x", c.EIP, c.Seg[CS], c.Reg[ESP])
	}
	if c.Seg[DS].Limit != 0xFFFFFFFF || c.Seg[SS].Sel != 0x10 {
		t.Errorf("DS %+v SS %+v", c.Seg[DS], c.Seg[SS])
	}
}

func TestTripleFault(t *testing.T) {
	c, b, _ := newFlat(t)
	c.IDTR.Limit = 0
	b.put(0x10000, []byte{0x0F, 0x0B}) // ud2
	if r := c.Run(100); r != StopTripleFault {
		t.Fatalf("stop %v, want triple fault", r)
	}
	if !strings.Contains(c.Fault, "triple fault") || !strings.Contains(c.Fault, "EIP=00010000") {
		t.Errorf("Fault %q", c.Fault)
	}
	if r := c.Run(100); r != StopTripleFault {
		t.Errorf("a shut-down CPU ran again: %v", r)
	}
}

func TestDoubleFault(t *testing.T) {
	c, b, _ := newFlat(t)
	installStubs(b)
	binary.LittleEndian.PutUint64(b.ram[idtBase+8*vecGP:], 0) // #GP gate not present -> #NP -> #DF
	b.put(0x10000, []byte{0xE4, 0x60})                        // harmless at CPL 0
	b.put(0x10002, []byte{0x8E, 0xD8})                        // mov ds, eax with a bad selector
	c.Reg[EAX] = 0x1234
	runToHalt(t, c)
	if v := b.r32(vecSlot); v != vecDF {
		t.Errorf("vector %d, want 8", v)
	}
}

func TestExternalInterruptAndShadow(t *testing.T) {
	c, b, it := newFlat(t)
	installStubs(b)
	// sti; mov eax, 1; mov eax, 2; hlt
	b.put(0x10000, []byte{0xFB, 0xB8, 1, 0, 0, 0, 0xB8, 2, 0, 0, 0, 0xF4})
	it.q = []uint8{0x20}
	runToHalt(t, c)
	if v := b.r32(vecSlot); v != 0x20 {
		t.Fatalf("vector %d, want 32", v)
	}
	if c.Reg[EAX] != 1 || b.r32(c.Reg[ESP]) != 0x10006 {
		t.Errorf("interrupt taken at EIP %#x with EAX %d: want after the instruction that follows sti",
			b.r32(c.Reg[ESP]), c.Reg[EAX])
	}
}

func TestHaltWakes(t *testing.T) {
	c, b, it := newFlat(t)
	installStubs(b)
	b.put(0x10000, []byte{0xFB, 0xF4, 0xB8, 1, 0, 0, 0, 0xF4})
	if r := c.Run(100); r != StopHalt || !c.Halted {
		t.Fatalf("stop %v halted %v", r, c.Halted)
	}
	n := c.Retired
	if r := c.Run(100); r != StopHalt || c.Retired != n {
		t.Fatalf("halted CPU ran: %v, retired %d -> %d", r, n, c.Retired)
	}
	it.q = []uint8{0x21}
	runToHalt(t, c)
	if v := b.r32(vecSlot); v != 0x21 || b.r32(c.Reg[ESP]) != 0x10002 {
		t.Errorf("vector %d return EIP %#x", v, b.r32(c.Reg[ESP]))
	}
}

func TestSelfModifyingCode(t *testing.T) {
	c, b, _ := newFlat(t)
	c.Reg[EDX] = 0
	b.put(0x10000, []byte{
		0xB9, 0x02, 0x00, 0x00, 0x00, // mov ecx, 2
		0xB8, 0x01, 0x00, 0x00, 0x00, // 0x10005: mov eax, 1
		0x01, 0xC2, // add edx, eax
		0xC6, 0x05, 0x06, 0x00, 0x01, 0x00, 0x05, // mov byte [0x10006], 5
		0x49,       // dec ecx
		0x75, 0xEF, // jnz 0x10005
		0xF4,
	})
	runToHalt(t, c)
	if c.Reg[EDX] != 6 {
		t.Errorf("EDX %d, want 1+5: the rewritten immediate was not seen", c.Reg[EDX])
	}
}

func TestCodePageStoreKeepsDecodedCode(t *testing.T) {
	c, b, _ := newFlat(t)
	b.put(0x10000, []byte{
		0xB9, 0x10, 0x00, 0x00, 0x00, // mov ecx, 16
		0x89, 0x0D, 0x00, 0x08, 0x01, 0x00, // 0x10005: mov [0x10800], ecx (same page as the code)
		0x49,       // dec ecx
		0x75, 0xF7, // jnz 0x10005
		0xF4,
	})
	c.Run(3)
	cp := c.code.pages[0x10]
	before := cp.insn[5]
	if before == nil {
		t.Fatal("no decoded instruction at 0x10005")
	}
	runToHalt(t, c)
	if cp.insn[5] != before {
		t.Error("a store to another line of the page dropped decoded code")
	}
	if b.r32(0x10800) != 1 {
		t.Errorf("global %d, want 1", b.r32(0x10800))
	}
}

func TestCodeReloadedIntoPage(t *testing.T) {
	c, b, _ := newFlat(t)
	b.put(0x10000, []byte{0xB8, 1, 0, 0, 0, 0xF4})
	runToHalt(t, c)
	// The board loads another program into the same page behind the CPU's back.
	b.put(0x10000, []byte{0xB8, 2, 0, 0, 0, 0xF4})
	c.code.Invalidate(0x10000, 6)
	c.EIP = 0x10000
	c.Halted = false
	runToHalt(t, c)
	if c.Reg[EAX] != 2 {
		t.Errorf("EAX %d: stale decoded code after Invalidate", c.Reg[EAX])
	}
	// Now the guest copies a program over it (exec reusing the page).
	b.put(0x20000, []byte{0xB8, 3, 0, 0, 0, 0xF4})
	b.put(0x10100, []byte{0xBE, 0, 0, 2, 0, 0xBF, 0, 0, 1, 0, 0xB9, 6, 0, 0, 0, 0xF3, 0xA4, 0xE9, 0xEA, 0xFE, 0xFF, 0xFF})
	c.EIP = 0x10100
	c.Halted = false
	runToHalt(t, c)
	if c.Reg[EAX] != 3 {
		t.Errorf("EAX %d: rep movsb over decoded code not seen", c.Reg[EAX])
	}
}

func TestBreakpointAndWatchpoint(t *testing.T) {
	c, b, _ := newFlat(t)
	b.put(0x10000, []byte{0x40, 0x40, 0xA3, 0x00, 0x00, 0x02, 0x00, 0x40, 0xF4})
	c.SetBreakpoint(0x10001, true)
	if r := c.Run(100); r != StopBreak || c.EIP != 0x10001 || c.Stop.Kind != StopKindBreakpoint {
		t.Fatalf("stop %v at %#x kind %d", r, c.EIP, c.Stop.Kind)
	}
	c.SetBreakpoint(0x10002, true)
	if r := c.Run(100); r != StopBreak || c.EIP != 0x10002 {
		t.Fatalf("continue: %v at %#x, want the next breakpoint 0x10002", r, c.EIP)
	}
	c.SetBreakpoint(0x10001, false)
	c.SetBreakpoint(0x10002, false)
	c.SetBreakpoint(0x10007, true)
	if r := c.Run(1); r != StopBudget || c.EIP != 0x10007 {
		t.Fatalf("Run(1): %v at %#x", r, c.EIP)
	}
	// A breakpoint on the first instruction of a Run fires unless the last Run stopped there.
	if r := c.Run(100); r != StopBreak || c.EIP != 0x10007 {
		t.Fatalf("breakpoint at the first instruction of a Run: %v at %#x", r, c.EIP)
	}
	c.SetBreakpoint(0x10007, false)
	runToHalt(t, c)
	if c.Reg[EAX] != 3 {
		t.Errorf("EAX %d", c.Reg[EAX])
	}

	c, b, _ = newFlat(t)
	b.put(0x10000, []byte{0x40, 0x40, 0xA3, 0x00, 0x00, 0x02, 0x00, 0x40, 0xF4})
	c.SetWatchpoint(0x20000, 4, true, false, true)
	if r := c.Run(100); r != StopBreak || c.EIP != 0x10007 || c.Stop.Kind != StopKindWatchWrite || c.Stop.Addr != 0x20000 {
		t.Fatalf("stop %v at %#x stop %+v", r, c.EIP, c.Stop)
	}
	runToHalt(t, c)
	if c.Reg[EAX] != 3 {
		t.Errorf("EAX %d", c.Reg[EAX])
	}
}

func TestSingleStepTrap(t *testing.T) {
	c, b, _ := newFlat(t)
	installStubs(b)
	b.put(0x10000, []byte{0x40, 0x40, 0xF4})
	c.SetFlags(2 | fTF)
	runToHalt(t, c)
	if v := b.r32(vecSlot); v != vecDB || b.r32(c.Reg[ESP]) != 0x10001 {
		t.Errorf("vector %d at EIP %#x, want #DB after the first instruction", v, b.r32(c.Reg[ESP]))
	}
}

func TestNoFPU(t *testing.T) {
	c, b, _ := newFlat(t)
	installStubs(b)
	c.CR0 |= cr0EM
	b.put(0x10000, []byte{0xDB, 0xE3}) // fninit
	runToHalt(t, c)
	if v := b.r32(vecSlot); v != vecNM {
		t.Errorf("vector %d, want #NM", v)
	}
}

func TestMMIOAndPorts(t *testing.T) {
	c, b, _ := newFlat(t)
	b.mmio[0xFEE00020] = 0x01000000
	b.inVals[0x1F7] = 0x58
	b.put(0x10000, []byte{
		0xA1, 0x20, 0x00, 0xE0, 0xFE, // mov eax, [0xFEE00020]
		0xA3, 0xB0, 0x00, 0xE0, 0xFE, // mov [0xFEE000B0], eax
		0x66, 0xBA, 0xF7, 0x01, // mov dx, 0x1f7
		0xEC,       // in al, dx
		0x66, 0xEF, // out dx, ax
		0xF4,
	})
	runToHalt(t, c)
	if b.mmio[0xFEE000B0] != 0x01000000 {
		t.Errorf("MMIO write %#x", b.mmio[0xFEE000B0])
	}
	if len(b.outs) != 1 || b.outs[0] != (ioRec{0x1F7, 2, 0x58}) {
		t.Errorf("outs %+v", b.outs)
	}
}

func TestGuestNeverPanics(t *testing.T) {
	// Every two-byte opcode followed by junk, in 32-bit and 16-bit mode: the run ends in
	// a stop reason, never a Go panic (internal errors would show in Fault).
	c, b, _ := newFlat(t)
	init := *c
	for mode := 0; mode < 2; mode++ {
		for op := 0; op < 0x10000; op += 7 {
			c.Reg, c.EIP, c.Seg, c.CR0, c.CR3, c.CR4 = init.Reg, init.EIP, init.Seg, init.CR0, 0, 0
			c.GDTR, c.IDTR, c.Halted = init.GDTR, init.IDTR, false
			c.SetFlags(2)
			if mode == 1 {
				c.CR0 = cr0ET
				for s := range c.Seg {
					c.SetRealSeg(s, 0x1000)
				}
				c.EIP = 0
			}
			code := []byte{byte(op), byte(op >> 8), 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xF4}
			b.put(0x10000, code)
			c.code.Invalidate(0x10000, uint32(len(code)))
			c.Run(50)
			if strings.Contains(c.Fault, "internal") {
				t.Fatalf("op %04x mode %d: %s", op, mode, c.Fault)
			}
		}
	}
}

func TestTaskSwitchCallIret(t *testing.T) {
	c, b, _ := newFlat(t)
	installStubs(b)
	const tss2 = 0x2000
	binary.LittleEndian.PutUint64(b.ram[gdtBase+0x38:], segDesc(tss2, 0x67, 0x89, 0))
	c.GDTR.Limit = 0x3F
	// The current TSS descriptor is busy, as ltr leaves it.
	b.ram[gdtBase+selTSS+5] = 0x8B
	b.w32(tss2+0x20, 0x14000) // EIP
	b.w32(tss2+0x24, 2)       // EFLAGS
	b.w32(tss2+0x38, 0x70000) // ESP
	for s := 0; s < 6; s++ {
		b.w32(tss2+0x48+uint32(s)*4, selData0)
	}
	b.w32(tss2+0x4C, selCode0)
	b.put(0x10000, []byte{0x9A, 0, 0, 0, 0, 0x38, 0x00, 0xF4}) // call 0x38:0 (a TSS); hlt
	b.put(0x14000, []byte{0xC7, 0x05, 0x00, 0xF2, 0x02, 0x00, 0x77, 0, 0, 0, 0xCF})
	c.Reg[EAX] = 0x1234
	runToHalt(t, c)
	if b.r32(0x2F200) != 0x77 {
		t.Fatalf("the new task did not run (vector %d)", b.r32(vecSlot))
	}
	if c.EIP != 0x10008 || c.TR.Sel != selTSS || c.Reg[EAX] != 0x1234 || c.Reg[ESP] != 0x80000 {
		t.Errorf("after iret: EIP %#x TR %#x EAX %#x ESP %#x", c.EIP, c.TR.Sel, c.Reg[EAX], c.Reg[ESP])
	}
	if back := binary.LittleEndian.Uint16(b.ram[tss2:]); back != selTSS {
		t.Errorf("back link %#x", back)
	}
	if b.ram[gdtBase+0x38+5]&2 != 0 || b.ram[gdtBase+selTSS+5]&2 == 0 {
		t.Errorf("busy bits: new %#x old %#x", b.ram[gdtBase+0x38+5], b.ram[gdtBase+selTSS+5])
	}
	if c.CR0&cr0TS == 0 || c.Flags()&fNT != 0 {
		t.Errorf("CR0 %#x EFLAGS %#x: want TS set and NT clear", c.CR0, c.Flags())
	}
}

func TestTaskGateInterrupt(t *testing.T) {
	c, b, _ := newFlat(t)
	installStubs(b)
	const tss2 = 0x2000
	binary.LittleEndian.PutUint64(b.ram[gdtBase+0x38:], segDesc(tss2, 0x67, 0x89, 0))
	c.GDTR.Limit = 0x3F
	b.ram[gdtBase+selTSS+5] = 0x8B
	b.w32(tss2+0x20, 0x14000)
	b.w32(tss2+0x24, 2)
	b.w32(tss2+0x38, 0x70000)
	for s := 0; s < 6; s++ {
		b.w32(tss2+0x48+uint32(s)*4, selData0)
	}
	b.w32(tss2+0x4C, selCode0)
	binary.LittleEndian.PutUint64(b.ram[idtBase+8*0x50:], gateDesc(0x38, 0, 0x5, 0))
	b.put(0x10000, []byte{0xCD, 0x50, 0xF4})                                        // int 0x50; hlt
	b.put(0x14000, []byte{0xC7, 0x05, 0x00, 0xF2, 0x02, 0x00, 0x55, 0, 0, 0, 0xCF}) // mov [0x2F200], 0x55; iret
	runToHalt(t, c)
	if b.r32(0x2F200) != 0x55 || c.EIP != 0x10003 || c.TR.Sel != selTSS {
		t.Errorf("task gate: mark %#x EIP %#x TR %#x (vector %d)", b.r32(0x2F200), c.EIP, c.TR.Sel, b.r32(vecSlot))
	}
}

func TestMovSSHoldsBackSingleStep(t *testing.T) {
	c, b, _ := newFlat(t)
	installStubs(b)
	// pushf; or dword [esp], 0x100; popf; mov ss, ax; nop; nop
	b.put(0x10000, []byte{0x9C, 0x81, 0x0C, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9D, 0x8E, 0xD0, 0x90, 0x90, 0xF4})
	c.Reg[EAX] = selData0
	runToHalt(t, c)
	if v, ip := b.r32(vecSlot), b.r32(c.Reg[ESP]); v != vecDB || ip != 0x1000C {
		t.Errorf("vector %d at EIP %#x, want #DB after the first nop (0x1000c)", v, ip)
	}
}

func TestRepInsOuts(t *testing.T) {
	c, b, _ := newFlat(t)
	b.inVals[0x1F0] = 0xA5A5A5A5
	// rep insd into 0x20FF0 (crosses a page), then rep outsw of the same bytes
	b.put(0x10000, []byte{0xF3, 0x6D, 0xBE, 0xF0, 0x0F, 0x02, 0x00, 0xB9, 0x04, 0, 0, 0, 0xF3, 0x66, 0x6F, 0xF4})
	c.Reg[EDX], c.Reg[EDI], c.Reg[ECX] = 0x1F0, 0x20FF0, 128
	runToHalt(t, c)
	for a := uint32(0x20FF0); a < 0x20FF0+512; a += 4 {
		if b.r32(a) != 0xA5A5A5A5 {
			t.Fatalf("mem[%#x] = %#x", a, b.r32(a))
		}
	}
	if b.r32(0x20FF0+512) != 0 || c.Reg[EDI] != 0x20FF0+512 {
		t.Errorf("wrote past the end or EDI %#x", c.Reg[EDI])
	}
	if len(b.outs) != 4 || b.outs[3] != (ioRec{0x1F0, 2, 0xA5A5}) || c.Reg[ESI] != 0x20FF8 {
		t.Errorf("outs %+v ESI %#x", b.outs, c.Reg[ESI])
	}
}
