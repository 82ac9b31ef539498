package gdbstub

import (
	"context"
	"encoding/binary"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gemu/x86"
)

// ramBus is 1 MB of RAM and nothing else.
type ramBus struct{ ram []byte }

func (b *ramBus) Page(pa uint32) ([]byte, bool) {
	if uint64(pa)+4096 > uint64(len(b.ram)) {
		return nil, false
	}
	return b.ram[pa : pa+4096], true
}
func (b *ramBus) Read(pa uint32, size int) uint32     { return 0xffffffff }
func (b *ramBus) Write(pa uint32, size int, v uint32) {}
func (b *ramBus) In(port uint16, size int) uint32     { return 0xffffffff }
func (b *ramBus) Out(port uint16, size int, v uint32) {}
func (b *ramBus) Pending() bool                       { return false }
func (b *ramBus) Ack() uint8                          { return 0 }

// scriptBoard is a Board whose Run reports, in turn, the stops in its script (-1: nothing).
type scriptBoard struct {
	bus    *ramBus
	cpus   []*x86.CPU
	script []func() int
	runs   atomic.Int32
	steps  []int
	resets int
}

func (b *scriptBoard) CPUs() []*x86.CPU { return b.cpus }
func (b *scriptBoard) Pause()           {}
func (b *scriptBoard) Run(ctx context.Context, d int64) (int, bool, error) {
	n := int(b.runs.Add(1)) - 1
	if n < len(b.script) {
		return b.script[n](), false, nil
	}
	time.Sleep(time.Millisecond)
	return -1, false, nil
}
func (b *scriptBoard) Step(i int) (x86.StopReason, error) {
	b.steps = append(b.steps, i)
	b.cpus[i].EIP++
	return x86.StopBudget, nil
}
func (b *scriptBoard) Reset()      { b.resets++ }
func (b *scriptBoard) RAM() []byte { return b.bus.ram }

func newScriptBoard() (*scriptBoard, *ramBus) {
	bus := &ramBus{ram: make([]byte, 1<<20)}
	b := &scriptBoard{bus: bus}
	for i := 0; i < 2; i++ {
		b.cpus = append(b.cpus, x86.New(bus, bus, nil))
	}
	return b, bus
}

func TestMachineTargetRegisters(t *testing.T) {
	b, bus := newScriptBoard()
	tg := NewMachineTarget(b)
	c := b.cpus[1]
	c.Reg[x86.EAX], c.Reg[x86.EDI], c.EIP = 0x11, 0x77, 0x1234
	c.SetFlags(0x246)
	c.Seg[x86.CS].Sel, c.Seg[x86.SS].Sel, c.Seg[x86.GS].Sel = 8, 0x10, 0x18
	r, err := tg.Registers(1)
	if err != nil {
		t.Fatal(err)
	}
	if r[RegEAX] != 0x11 || r[RegEDI] != 0x77 || r[RegEIP] != 0x1234 || r[RegEFLAGS] != 0x246 ||
		r[RegCS] != 8 || r[RegSS] != 0x10 || r[RegGS] != 0x18 {
		t.Errorf("registers %x", r)
	}
	// Protected mode: a segment register write loads the descriptor from the GDT.
	binary.LittleEndian.PutUint64(bus.ram[0x1010:], 0x00cf93001234ffff) // base 0x1234, 4 GB, data
	c.GDTR = x86.DTR{Base: 0x1000, Limit: 0x17}
	c.CR0 |= 1
	if err := tg.SetRegister(1, RegDS, 0x10); err != nil {
		t.Fatal(err)
	}
	if d := c.Seg[x86.DS]; d.Sel != 0x10 || d.Base != 0x1234 || d.Limit != 0xffffffff || d.Attr != 0xc093 {
		t.Errorf("DS loaded as %+v", d)
	}
	if err := tg.SetRegister(1, RegES, 0x20); err == nil {
		t.Error("a selector beyond the GDT limit was accepted")
	}
	if err := tg.SetRegister(1, RegFS, 0); err != nil || c.Seg[x86.FS] != (x86.Segment{}) {
		t.Errorf("null selector: %v %+v", err, c.Seg[x86.FS])
	}
	c.CR0 &^= 1
	if err := tg.SetRegister(1, RegES, 0x1000); err != nil || c.Seg[x86.ES].Base != 0x10000 {
		t.Errorf("real-mode ES: %v %+v", err, c.Seg[x86.ES])
	}
	if err := tg.SetRegister(1, RegEFLAGS, 0x202); err != nil || c.Flags()&0xfff != 0x202 {
		t.Errorf("eflags %#x", c.Flags())
	}
	copy(bus.ram[0x5000:], "hello")
	buf := make([]byte, 5)
	if err := tg.ReadMemory(0, 0x5000, buf); err != nil || string(buf) != "hello" {
		t.Errorf("ReadMemory: %q %v", buf, err)
	}
	if err := tg.WriteMemory(0, 0x5000, []byte("J")); err != nil || bus.ram[0x5000] != 'J' {
		t.Errorf("WriteMemory: %v", err)
	}
	out, err := tg.Monitor(1, "info  registers")
	if err != nil || len(out) < 100 || out[:5] != "CPU#1" {
		t.Errorf("monitor: %v\n%s", err, out)
	}
	if _, err := tg.Monitor(0, "system_reset"); err != nil || b.resets != 1 {
		t.Errorf("system_reset: %v resets=%d", err, b.resets)
	}
}

func TestMachineTargetLoop(t *testing.T) {
	b, _ := newScriptBoard()
	b.script = []func() int{
		func() int { return -1 },
		func() int { b.cpus[1].Stop = x86.StopInfo{Kind: x86.StopKindBreakpoint}; return 1 },
		func() int { b.cpus[0].Stop = x86.StopInfo{Kind: x86.StopKindWatchWrite, Addr: 0x802}; return 0 },
	}
	tg := NewMachineTarget(b)
	if err := tg.SetBreakpoint(Breakpoint{Kind: WatchAccess, Addr: 0x800, Len: 4}, true); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	loopDone := make(chan error, 1)
	go func() { loopDone <- tg.Loop(ctx, false) }()
	next := func() Stop {
		select {
		case st := <-tg.Stops():
			return st
		case <-time.After(5 * time.Second):
			t.Fatal("no stop")
		}
		return Stop{}
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(tg.Resume())
	if st := next(); st.Kind != StopBreakpoint || st.CPU != 1 {
		t.Errorf("first stop %+v", st)
	}
	must(tg.Resume())
	if st := next(); st.Kind != StopWatch || st.CPU != 0 || st.Addr != 0x802 || st.Watch != WatchAccess {
		t.Errorf("watch stop %+v", st)
	}
	must(tg.Step(1))
	if st := next(); st.Kind != StopStep || st.CPU != 1 || len(b.steps) != 1 {
		t.Errorf("step stop %+v steps %v", st, b.steps)
	}
	must(tg.Resume())
	time.Sleep(5 * time.Millisecond)
	tg.Pause()
	if st := next(); st.Kind != StopInterrupt {
		t.Errorf("pause stop %+v", st)
	}
	tg.Kill()
	select {
	case err := <-loopDone:
		if err != nil || !tg.Killed() {
			t.Errorf("Loop after Kill: %v killed=%v", err, tg.Killed())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Loop runs on after Kill")
	}
	must(tg.Resume()) // after Loop: goes nowhere, does not block
}

func TestInfoMem(t *testing.T) {
	b, bus := newScriptBoard()
	tg := NewMachineTarget(b)
	c := b.cpus[0]
	put := func(pa, v uint32) { binary.LittleEndian.PutUint32(bus.ram[pa:], v) }
	// Page directory at 0x10000: PDE 0 -> table at 0x11000 (user, writable);
	// PDE 0x200 (0x80000000) a 4 MB kernel page, writable.
	put(0x10000, 0x11000|7)
	put(0x10000+0x200*4, 0x00000000|0x83)
	put(0x11000+0*4, 0x20000|7) // 0x0000: urw
	put(0x11000+1*4, 0x21000|7) // 0x1000: urw (merged)
	put(0x11000+2*4, 0x22000|5) // 0x2000: ur-
	put(0x11000+4*4, 0x24000|3) // 0x4000: kernel rw (user bit off)
	c.CR3, c.CR4, c.CR0 = 0x10000, 1<<4, 0x80000011
	out, err := tg.Monitor(0, "info mem")
	want := "00000000-00002000 00002000 urw\n" +
		"00002000-00003000 00001000 ur-\n" +
		"00004000-00005000 00001000 -rw\n" +
		"80000000-80400000 00400000 -rw\n"
	if err != nil || out != want {
		t.Errorf("info mem: %v\n%s\nwant\n%s", err, out, want)
	}
	c.CR0 = 0x11
	if out, _ := tg.Monitor(0, "info mem"); out != "PG disabled\n" {
		t.Errorf("paging off: %q", out)
	}
	c.Halted = true
	if out, _ := tg.Monitor(1, "info cpus"); !strings.Contains(out, "  CPU #0: pc=0x") ||
		!strings.Contains(out, "(halted)") || !strings.Contains(out, "* CPU #1: pc=0x") {
		t.Errorf("info cpus:\n%s", out)
	}
}

// TestMachineTargetMemoryEdges: reads and writes at the ends of the address space and
// through missing page tables return errors or data, never panic.
func TestMachineTargetMemoryEdges(t *testing.T) {
	b, _ := newScriptBoard()
	tg := NewMachineTarget(b)
	c := b.cpus[0]
	buf := make([]byte, 64)
	for _, mode := range []uint32{0x11, 0x80000011} { // paging off, then on with an empty CR3
		c.CR0, c.CR3 = mode, 0x90000
		for _, a := range []uint32{0, 0xfff0, 0xfffffff0, 0xffffffff, 0x7ffffff8} {
			_ = tg.ReadMemory(0, a, buf)
			_ = tg.WriteMemory(0, a, buf[:8])
		}
	}
	if err := tg.ReadMemory(0, 0x400000, buf); err == nil {
		t.Error("read through an empty page directory succeeded")
	}
}
