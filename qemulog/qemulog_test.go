package qemulog

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"gemu/x86"
)

func TestParse(t *testing.T) {
	m, err := Parse("in_asm,int, cpu")
	if err != nil || m != InAsm|Int|CPU {
		t.Errorf("Parse: %v %v", m, err)
	}
	if m.String() != "in_asm,cpu,int" {
		t.Errorf("String: %q", m.String())
	}
	if m, err := Parse(""); err != nil || m != 0 {
		t.Errorf("empty: %v %v", m, err)
	}
	m, err = Parse("exec,guest_errors,unimp")
	if err != nil || m != Exec|GuestErrors|Unimp {
		t.Errorf("Parse: %v %v", m, err)
	}
	_, err = Parse("int,bogus")
	if err == nil || !strings.Contains(err.Error(), `"bogus"`) || !strings.Contains(err.Error(), "in_asm") {
		t.Errorf("unknown item: %v", err)
	}
	if !strings.Contains(Help(), "guest_errors") {
		t.Error("Help lacks guest_errors")
	}
}

// userCPU returns a CPU in xv6's user-mode state (as seen in qemu logs of xv6).
func userCPU() *x86.CPU {
	bus := &benchBus{ram: make([]byte, 64<<10)}
	c := x86.New(bus, bus, nil)
	flatData := x86.Segment{Sel: 0x23, Base: 0, Limit: 0xffffffff, Attr: 0xc0f3}
	c.Seg = [6]x86.Segment{flatData, {Sel: 0x1b, Limit: 0xffffffff, Attr: 0xc0fa}, flatData, flatData, {}, {}}
	c.LDTR = x86.Segment{Limit: 0xffff, Attr: 0x82}
	c.TR = x86.Segment{Sel: 0x28, Base: 0x801127a8, Limit: 0x67, Attr: 0x4089}
	c.GDTR = x86.DTR{Base: 0x80112810, Limit: 0x2f}
	c.IDTR = x86.DTR{Base: 0x80119280, Limit: 0x7ff}
	c.CR0, c.CR3, c.CR4 = 0x80010011, 0x0dffe000, 0x10
	c.DR[6], c.DR[7] = 0xffff0ff0, 0x400
	c.Reg = [8]uint32{}
	c.Reg[x86.EAX], c.Reg[x86.ESP] = 7, 0xff4
	c.EIP = 0x11
	c.SetFlags(0x202)
	return c
}

// TestDumpCPU compares the dump with lines qemu 7.2 printed for xv6 at the same state.
func TestDumpCPU(t *testing.T) {
	var b bytes.Buffer
	DumpCPU(&b, userCPU())
	want := []string{
		"EAX=00000007 EBX=00000000 ECX=00000000 EDX=00000000",
		"ESI=00000000 EDI=00000000 EBP=00000000 ESP=00000ff4",
		"EIP=00000011 EFL=00000202 [-------] CPL=",
		"ES =0023 00000000 ffffffff 00cff300 DPL=3 DS   [-WA]",
		"CS =001b 00000000 ffffffff 00cffa00 DPL=3 CS32 [-R-]",
		"FS =0000 00000000 00000000 00000000",
		"LDT=0000 00000000 0000ffff 00008200 DPL=0 LDT",
		"TR =0028 801127a8 00000067 00408900 DPL=0 TSS32-avl",
		"GDT=     80112810 0000002f",
		"IDT=     80119280 000007ff",
		"CR0=80010011 CR2=00000000 CR3=0dffe000 CR4=00000010",
		"DR0=00000000 DR1=00000000 DR2=00000000 DR3=00000000 ",
		"DR6=ffff0ff0 DR7=00000400",
	}
	got := b.String()
	for _, w := range want {
		if !strings.Contains(got, w+"\n") && !strings.Contains(got, w) {
			t.Errorf("dump lacks %q", w)
		}
	}
	// Real mode: numbers only, no DPL or type.
	c := x86.New(nil, nil, nil)
	c.CR0 = 0
	c.Seg[x86.CS] = x86.Segment{Sel: 0xf000, Base: 0xffff0000, Limit: 0xffff, Attr: 0x9b}
	b.Reset()
	DumpCPU(&b, c)
	if !strings.Contains(b.String(), "CS =f000 ffff0000 0000ffff 00009b00\n") {
		t.Errorf("real-mode dump:\n%s", b.String())
	}
	c.SetFlags(0x8d5) // O S Z A P C
	b.Reset()
	DumpCPU(&b, c)
	if !strings.Contains(b.String(), "[-OSZAPC]") {
		t.Errorf("flag letters:\n%s", b.String())
	}
}

func TestIntLog(t *testing.T) {
	var b bytes.Buffer
	c := userCPU()
	l := Attach(c, 0, Int, &b)
	if c.OnEvent == nil || c.OnInsn != nil {
		t.Fatal("int must set OnEvent only")
	}
	c.Reg[x86.ESP] = 0x2fe0
	c.OnEvent(c, x86.Event{Vector: 0x0e, ErrCode: 5, HasErr: true, EIP: 0x1234, CS: 0x1b, CPL: 3, CR2: 0x80000000})
	l.readCode = codeAt(0, []byte{0x10: 0xcd, 0x11: 0x40, 0x12: 0xcc}) // int $0x40 at 0x10; int3 at 0x12
	c.OnEvent(c, x86.Event{Vector: 0x40, Soft: true, EIP: 0x12, CS: 0x1b, CPL: 3})
	c.OnEvent(c, x86.Event{Vector: 0x03, Soft: true, EIP: 0x13, CS: 0x1b, CPL: 3})
	c.OnEvent(c, x86.Event{Vector: 0x20, External: true, EIP: 0x11, CS: 0x1b, CPL: 3})
	if c.EIP != 0x11 {
		t.Errorf("the int log left EIP at %#x", c.EIP)
	}
	c.CR0 = 0 // real mode: qemu logs nothing
	c.OnEvent(c, x86.Event{Vector: 0x08, External: true})
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, w := range []string{
		"     0: v=0e e=0005 i=0 cpl=3 IP=001b:00001234 pc=00001234 SP=0023:00002fe0 CR2=80000000\nEAX=00000007",
		"     1: v=40 e=0000 i=1 cpl=3 IP=001b:00000010 pc=00000010 SP=0023:00002fe0 env->regs[R_EAX]=00000007\nEAX=00000007 EBX=00000000 ECX=00000000 EDX=00000000\nESI=00000000 EDI=00000000 EBP=00000000 ESP=00002fe0\nEIP=00000010 ",
		"     2: v=03 e=0000 i=1 cpl=3 IP=001b:00000012 pc=00000012",
		"Servicing hardware INT=0x20\n     3: v=20 e=0000 i=0 cpl=3 IP=001b:00000011",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("int log lacks %q", w)
		}
	}
	if strings.Contains(got, "v=08") || strings.Count(got, "EFER=") != 4 {
		t.Errorf("int log:\n%s", got)
	}
}

// codeAt makes a readCode function serving code at base.
func codeAt(base uint32, code []byte) func(*x86.CPU, uint32, []byte) error {
	return func(_ *x86.CPU, a uint32, buf []byte) error {
		if a < base || a >= base+uint32(len(code)) {
			return errors.New("unmapped")
		}
		for i := range buf {
			buf[i] = 0
		}
		copy(buf, code[a-base:])
		return nil
	}
}

func TestInAsmExec(t *testing.T) {
	var b bytes.Buffer
	bus := &benchBus{ram: make([]byte, 64<<10)}
	c := x86.New(bus, bus, nil)
	c.CR0 = 0
	c.SetRealSeg(x86.CS, 0)
	l := New(InAsm|Exec, &b)
	// cli; xor %ax,%ax; jmp back to the xor; (16-bit real mode)
	l.readCode = codeAt(0x7c00, []byte{0xfa, 0x31, 0xc0, 0xeb, 0xfc})
	l.Attach(c, 1)
	if c.OnInsn == nil || c.OnEvent != nil {
		t.Fatal("in_asm,exec must set OnInsn only")
	}
	for _, ip := range []uint32{0x7c00, 0x7c01, 0x7c03, 0x7c01, 0x7c03, 0x7c01} {
		c.EIP = ip
		c.OnInsn(c)
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	want := "----------------\nIN: \n" +
		"0x00007c00:  fa                       cli      \n"
	if !strings.HasPrefix(got, "----------------\nIN: \n0x00007c00:  fa                       cli") {
		t.Errorf("in_asm:\n%s\nwant prefix %q", got, want)
	}
	for _, w := range []string{
		"0x00007c01:  31 c0                    xor      %ax,%ax\n",
		"0x00007c03:  eb fc                    jmp      0x7c01\n",
		"Trace 1: 0x7c00 [00000000/00007c00/",
		"Trace 1: 0x7c01 [00000000/00007c01/",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("log lacks %q:\n%s", w, got)
		}
	}
	// Blocks: 7c00 (cli xor jmp), then 7c01 (xor jmp) twice; in_asm shows 7c01 once.
	if n := strings.Count(got, "Trace 1:"); n != 3 {
		t.Errorf("%d Trace lines, want 3:\n%s", n, got)
	}
	if n := strings.Count(got, "IN: "); n != 2 {
		t.Errorf("%d IN blocks, want 2:\n%s", n, got)
	}
}

func TestCPUItemAndOff(t *testing.T) {
	var b bytes.Buffer
	c := userCPU()
	l := New(CPU, &b)
	l.readCode = codeAt(0, []byte{0x90, 0xc3})
	l.Attach(c, 0)
	c.EIP = 0
	c.OnInsn(c)
	c.EIP = 1
	c.OnInsn(c)
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "EAX="); n != 1 {
		t.Errorf("cpu: %d dumps for one block", n)
	}
	off := x86.New(nil, nil, nil)
	Attach(off, 0, GuestErrors|Unimp, &b)
	if off.OnInsn != nil || off.OnEvent != nil {
		t.Error("hooks set with no CPU item on")
	}
}

func TestPrintf(t *testing.T) {
	var b bytes.Buffer
	l := New(GuestErrors, &b)
	l.Printf(GuestErrors, "port %#x: no device", 0x99)
	l.Printf(Unimp, "not shown")
	var nilLog *Logger
	nilLog.Printf(GuestErrors, "a nil logger is off")
	if b.String() != "port 0x99: no device\n" {
		t.Errorf("Printf wrote %q", b.String())
	}
}

// TestInAsmCodeChanged: a block whose bytes changed is shown again (qemu retranslates it).
func TestInAsmCodeChanged(t *testing.T) {
	var b bytes.Buffer
	bus := &benchBus{ram: make([]byte, 64<<10)}
	c := x86.New(bus, bus, nil)
	c.CR0 = 0
	c.SetRealSeg(x86.CS, 0)
	code := []byte{0x90, 0xc3} // nop; ret
	l := New(InAsm, &b)
	l.readCode = codeAt(0x100, code)
	l.Attach(c, 0)
	c.EIP = 0x100
	c.OnInsn(c)
	c.OnInsn(c)    // the same block again (a jump back to it): not shown again
	code[0] = 0xfa // now cli; ret
	c.OnInsn(c)
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	if strings.Count(got, "IN: ") != 2 || !strings.Contains(got, "nop") || !strings.Contains(got, "cli") {
		t.Errorf("in_asm after a code change:\n%s", got)
	}
}

func TestCPUReset(t *testing.T) {
	m, err := Parse("int,cpu_reset,nochain")
	if err != nil || m != Int|CPUReset|NoChain {
		t.Fatalf("Parse: %v %v", m, err)
	}
	var b bytes.Buffer
	l := New(CPUReset, &b)
	c := userCPU()
	l.Attach(c, 1)
	if c.OnInsn != nil || c.OnEvent != nil {
		t.Error("cpu_reset installs hooks")
	}
	if !strings.HasPrefix(b.String(), "CPU Reset (CPU 1)\nEAX=00000007 ") {
		t.Errorf("cpu_reset:\n%s", b.String())
	}
}
