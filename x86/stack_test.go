package x86

// Interrupt and exception frames on 16-bit stacks (B=0) and 16-bit gates on 32-bit stacks,
// which the Unicorn tests cannot compare (Unicorn hands interrupts to a hook instead of the
// IDT). Expected frames follow the SDM: each push uses the stack segment in force, SP wraps
// at 64 KB on a 16-bit stack and ESP[31:16] is kept.

import (
	"encoding/binary"
	"testing"
)

const (
	selStack16  = 0x38     // ring 0 stack, base stk16Base, limit 0xFFFF, B=0
	selStack16U = 0x43     // ring 3 stack, base stk16UBase, limit 0xFFFF, B=0
	stk16Base   = 0x100000 // base of selStack16
	stk16UBase  = 0x200000 // base of selStack16U
	stkCode     = 0x7000   // test code (below 64 KB: 16-bit gates return to 16-bit IPs)
	stkSave     = 0x7F00   // handlers store ESP here
)

// newStack16 is newFlat with the two 16-bit stack segments added to the GDT.
func newStack16(t *testing.T) (*CPU, *testBus) {
	c, b, _ := newFlat(t)
	binary.LittleEndian.PutUint64(b.ram[gdtBase+8*7:], segDesc(stk16Base, 0xFFFF, 0x92, 0))
	binary.LittleEndian.PutUint64(b.ram[gdtBase+8*8:], segDesc(stk16UBase, 0xFFFF, 0xF2, 0))
	c.GDTR.Limit = 8*9 - 1
	c.EIP = stkCode
	return c, b
}

func (b *testBus) r16(pa uint32) uint32 { return uint32(binary.LittleEndian.Uint16(b.ram[pa:])) }

// A 32-bit interrupt gate at CPL 0 on a 16-bit stack with SP=4: the three dwords wrap
// below 0 (EFLAGS at 0, CS at 0xFFFC, EIP at 0xFFF8), and iret brings SP back to 4, with
// ESP[31:16] kept throughout.
func TestInt32GateOn16BitStack(t *testing.T) {
	c, b := newStack16(t)
	setGate(b, 0x50, selCode0, 0x7400, 0xE, 0)
	b.put(0x7400, []byte{0x89, 0x25, 0x00, 0x7F, 0, 0, 0xCF}) // mov [stkSave], esp; iret
	b.put(stkCode, []byte{
		0x66, 0xB8, selStack16, 0x00, // mov ax, selStack16
		0x8E, 0xD0, // mov ss, ax
		0xBC, 0x04, 0x00, 0xCD, 0xAB, // mov esp, 0xABCD0004
		0xCD, 0x50, // int 0x50
		0xF4,
	})
	runToHalt(t, c)
	if got := b.r32(stkSave); got != 0xABCDFFF8 {
		t.Errorf("handler ESP %#x, want 0xABCDFFF8", got)
	}
	if eip, cs, fl := b.r32(stk16Base+0xFFF8), b.r16(stk16Base+0xFFFC), b.r32(stk16Base); eip != stkCode+13 || cs != selCode0 || fl&2 == 0 {
		t.Errorf("frame EIP %#x CS %#x EFLAGS %#x, want %#x %#x and bit 1", eip, cs, fl, stkCode+13, selCode0)
	}
	if c.Reg[ESP] != 0xABCD0004 || c.EIP != stkCode+14 {
		t.Errorf("after iret ESP %#x EIP %#x, want 0xABCD0004 %#x", c.Reg[ESP], c.EIP, stkCode+14)
	}
}

// A 16-bit interrupt gate on a 32-bit stack pushes words and o16 iret pops them.
func TestInt16GateOn32BitStack(t *testing.T) {
	c, b := newStack16(t)
	setGate(b, 0x52, selCode0, 0x7440, 0x6, 0)
	b.put(0x7440, []byte{0x89, 0x25, 0x04, 0x7F, 0, 0, 0x66, 0xCF}) // mov [stkSave+4], esp; o16 iret
	b.put(stkCode, []byte{0xCD, 0x52, 0xF4})
	runToHalt(t, c)
	if got := b.r32(stkSave + 4); got != 0x80000-6 {
		t.Errorf("handler ESP %#x, want %#x", got, 0x80000-6)
	}
	if ip, cs, fl := b.r16(0x80000-6), b.r16(0x80000-4), b.r16(0x80000-2); ip != stkCode+2 || cs != selCode0 || fl&2 == 0 {
		t.Errorf("frame IP %#x CS %#x FLAGS %#x", ip, cs, fl)
	}
	if b.r16(0x80000-8) != 0 {
		t.Errorf("a 16-bit gate wrote below its 6-byte frame")
	}
	if c.Reg[ESP] != 0x80000 || c.EIP != stkCode+3 {
		t.Errorf("after iret ESP %#x EIP %#x", c.Reg[ESP], c.EIP)
	}
}

// A fault with an error code through a 16-bit gate on a 16-bit stack with SP=6: FLAGS, CS,
// IP and the error code are words at 4, 2, 0 and 0xFFFE.
func TestFault16GateOn16BitStack(t *testing.T) {
	c, b := newStack16(t)
	setGate(b, vecGP, selCode0, 0x7480, 0x6, 0)
	b.put(0x7480, []byte{0xF4})
	b.put(stkCode, []byte{
		0x66, 0xB8, selStack16, 0x00, 0x8E, 0xD0, // mov ss, selStack16
		0xBC, 0x06, 0x00, 0x34, 0x12, // mov esp, 0x12340006
		0x66, 0xB8, 0x30, 0x12, // mov ax, 0x1230 (past the GDT limit)
		0x8E, 0xD8, // mov ds, ax: #GP(0x1230)
		0xF4,
	})
	runToHalt(t, c)
	if c.Reg[ESP] != 0x1234FFFE {
		t.Errorf("ESP %#x, want 0x1234FFFE", c.Reg[ESP])
	}
	if e, ip, cs := b.r16(stk16Base+0xFFFE), b.r16(stk16Base), b.r16(stk16Base+2); e != 0x1230 || ip != stkCode+15 || cs != selCode0 {
		t.Errorf("frame error %#x IP %#x CS %#x, want 0x1230 %#x %#x", e, ip, cs, stkCode+15, selCode0)
	}
	if fl := b.r16(stk16Base + 4); fl&2 == 0 {
		t.Errorf("frame FLAGS %#x", fl)
	}
}

// An interrupt from ring 3 on a 16-bit stack to ring 0 whose TSS stack is 16-bit with
// ESP0=8: SS, ESP, EFLAGS, CS, EIP are dwords at 4, 0, 0xFFFC, 0xFFF8, 0xFFF4. A return to
// a 16-bit stack loads only SP and the switch to one moves only SP: ESP[31:16] stays what
// the register held (the leak of kernel stack bits that Linux's espfix exists for). Here the
// iret to ring 3 leaves the kernel's 0x0007 above the SP it pops (0xFFF0, not 0x5555FFF0).
func TestIntFromRing3On16BitStacks(t *testing.T) {
	c, b := newStack16(t)
	b.w32(tssBase+4, 8)          // esp0
	b.w32(tssBase+8, selStack16) // ss0
	setGate(b, 0x51, selCode0, 0x7400, 0xE, 3)
	b.put(0x7400, []byte{
		0x66, 0xB8, selData0, 0x00, 0x8E, 0xD8, // mov ds, selData0 (the iret to ring 3 nulled it)
		0x89, 0x25, 0x08, 0x7F, 0, 0, // mov [stkSave+8], esp
		0xCF, // iret
	})
	b.put(stkCode, []byte{
		0x6A, selStack16U, // push ss3
		0x68, 0xF0, 0xFF, 0x55, 0x55, // push 0x5555FFF0
		0x6A, 0x02, // push eflags
		0x6A, selCode3, // push cs3
		0x68, 0x00, 0x75, 0x00, 0x00, // push 0x7500
		0xCF, // iret
	})
	b.put(0x7500, []byte{
		0xCD, 0x51, // int 0x51
		0x89, 0xE1, // mov ecx, esp
		0x8C, 0xD2, // mov edx, ss
		0xEB, 0xFE, // jmp $
	})
	if r := c.Run(30); r != StopBudget {
		t.Fatalf("stopped with %v at %#x: %s", r, c.EIP, c.Fault)
	}
	if got := b.r32(stkSave + 8); got != 0x0007FFF4 {
		t.Errorf("handler ESP %#x, want 0x0007FFF4", got)
	}
	f := uint32(stk16Base)
	if eip, cs, esp, ss := b.r32(f+0xFFF4), b.r16(f+0xFFF8), b.r32(f), b.r16(f+4); eip != 0x7502 || cs != selCode3 || esp != 0x0007FFF0 || ss != selStack16U {
		t.Errorf("frame EIP %#x CS %#x ESP %#x SS %#x", eip, cs, esp, ss)
	}
	if c.Reg[ECX] != 0x0007FFF0 || c.Reg[EDX]&0xFFFF != selStack16U {
		t.Errorf("back in ring 3: ESP %#x SS %#x, want 0x0007FFF0 %#x", c.Reg[ECX], c.Reg[EDX]&0xFFFF, selStack16U)
	}
}

// Real mode: int n with SP=2 pushes FLAGS at 0, CS at 0xFFFE, IP at 0xFFFC; iret returns
// to SP=2; ESP[31:16] is kept.
func TestRealModeIntWrapsSP(t *testing.T) {
	b := newTestBus(1 << 20)
	c := New(b, &testIntr{}, nil)
	c.SetRealSeg(CS, 0)
	c.SetRealSeg(SS, 0x1000)
	c.SetRealSeg(DS, 0)
	c.EIP = stkCode
	c.Reg[ESP] = 0x77770002
	binary.LittleEndian.PutUint32(b.ram[0x60*4:], 0x7100)     // IVT 0x60 -> 0000:7100
	b.put(0x7100, []byte{0x66, 0x89, 0x26, 0x00, 0x7F, 0xCF}) // mov [stkSave], esp; iret
	b.put(stkCode, []byte{0xCD, 0x60, 0xF4})
	runToHalt(t, c)
	if got := b.r32(stkSave); got != 0x7777FFFC {
		t.Errorf("handler ESP %#x, want 0x7777FFFC", got)
	}
	if ip, cs := b.r16(0x1FFFC), b.r16(0x1FFFE); ip != stkCode+2 || cs != 0 {
		t.Errorf("frame IP %#x CS %#x", ip, cs)
	}
	if c.Reg[ESP] != 0x77770002 {
		t.Errorf("after iret ESP %#x, want 0x77770002", c.Reg[ESP])
	}
}

// pop ss from a 16-bit stack to a 32-bit SS changes only SP (the SP of the old stack
// wraps), and the other way ESP moves in 32 bits; pushes then use the new size.
func TestPopSSMixedSizes(t *testing.T) {
	c, b := newStack16(t)
	b.put(stkCode, []byte{
		0x66, 0xB8, selStack16, 0x00, 0x8E, 0xD0, // mov ss, selStack16
		0xBC, 0x00, 0x00, 0x01, 0x00, // mov esp, 0x00010000 (SP=0)
		0x6A, selData0, // push selData0: SP=0xFFFC
		0x17, // pop ss: SP wraps to 0 on the 16-bit stack, ESP[31:16] kept; now 32-bit
		0xF4,
	})
	runToHalt(t, c)
	if c.Reg[ESP] != 0x00010000 || c.Seg[SS].Sel != selData0 {
		t.Errorf("ESP %#x SS %#x, want 0x10000 %#x", c.Reg[ESP], c.Seg[SS].Sel, selData0)
	}
	c2, b2 := newStack16(t)
	b2.put(stkCode, []byte{
		0xBC, 0x00, 0x00, 0x02, 0x00, // mov esp, 0x00020000 (flat 32-bit SS)
		0x6A, selStack16, // push: ESP=0x1FFFC
		0x17, // pop ss: ESP=0x20000 (32-bit step), now 16-bit
		0x50, // push eax on the 16-bit stack: SP=0xFFFC, ESP[31:16]=2 kept
		0xF4,
	})
	c2.Reg[EAX] = 0xCAFEF00D
	runToHalt(t, c2)
	if c2.Reg[ESP] != 0x0002FFFC || b2.r32(stk16Base+0xFFFC) != 0xCAFEF00D {
		t.Errorf("ESP %#x, slot %#x; want 0x2FFFC and 0xCAFEF00D", c2.Reg[ESP], b2.r32(stk16Base+0xFFFC))
	}
}

// An interrupt into ring 0 whose TSS stack is an expand-down 16-bit segment (limit 0xFFF:
// offsets 0x1000-0xFFFF): a frame that fits is pushed; one that would go below the limit
// raises #SS, and with the same stack for #SS and #DF the CPU shuts down instead of writing
// under the limit.
func TestIntOntoExpandDownStack(t *testing.T) {
	for _, tc := range []struct {
		esp0 uint32
		ok   bool
	}{{0x1014, true}, {0x1010, false}} {
		c, b := newStack16(t)
		binary.LittleEndian.PutUint64(b.ram[gdtBase+8*9:], segDesc(0x300000, 0x0FFF, 0x96, 0))
		c.GDTR.Limit = 8*10 - 1
		b.w32(tssBase+4, tc.esp0)
		b.w32(tssBase+8, 0x48)
		for _, v := range []int{0x51, vecSS, vecDF} {
			setGate(b, v, selCode0, 0x7480, 0xE, 3)
		}
		b.put(0x7480, []byte{0xF4})
		b.put(stkCode, enterUser(0x7500, 0x48000))
		b.put(0x7500, []byte{0xCD, 0x51})
		r := c.Run(100)
		if tc.ok {
			if r != StopHalt || c.Reg[ESP]&0xFFFF != tc.esp0-20 || b.r32(0x300000+tc.esp0-20) != 0x7502 {
				t.Errorf("ESP0 %#x: stopped %v, SP %#x, frame EIP %#x; want the 20-byte frame", tc.esp0, r, c.Reg[ESP]&0xFFFF, b.r32(0x300000+tc.esp0-20))
			}
			continue
		}
		if r != StopTripleFault {
			t.Errorf("ESP0 %#x: stopped %v (SP %#x), want a shutdown: the frame runs below the limit", tc.esp0, r, c.Reg[ESP]&0xFFFF)
		}
		if b.r32(0x300000+0xFFC) != 0 {
			t.Errorf("ESP0 %#x: wrote %#x below the expand-down limit", tc.esp0, b.r32(0x300000+0xFFC))
		}
	}
}
