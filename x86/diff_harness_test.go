package x86_test

// The test-side machine for the differential and fuzz tests: a RAM-only bus, a flat 32-bit
// protected-mode CPU state, and one-shot runs of a code snippet that ends in hlt.

import (
	"fmt"
	"strings"
	"testing"

	"gemu/x86"
)

// Memory layout shared by the oracle tests (both machines use the same addresses).
const (
	dtMemSize   = 4 << 20 // RAM at 0 on both machines
	dtCode      = 0x1000  // code snippets start here
	dtCodeEnd   = 0x2000  // and end before here
	dtData      = 0x2000  // data region [dtData, dtDataEnd): memory operands, strings
	dtDataEnd   = 0x12000 //
	dtStackLow  = 0x1E000 // stack region [dtStackLow, dtStackHigh)
	dtStackHigh = 0x20000 //
	dtESP       = 0x1F000 // ESP at the start of every case
)

// dtBus is a RAM-only bus with a port log.
type dtBus struct {
	ram  []byte
	outs []string // "port=value" for every Out
}

func newDTBus() *dtBus { return &dtBus{ram: make([]byte, dtMemSize)} }

func (b *dtBus) Page(pa uint32) ([]byte, bool) {
	if uint64(pa)+4096 > uint64(len(b.ram)) {
		return nil, false
	}
	return b.ram[pa : pa+4096 : pa+4096], true
}

func (b *dtBus) Read(pa uint32, size int) uint32 {
	if uint64(pa)+uint64(size) <= uint64(len(b.ram)) {
		var v uint32
		for i := size - 1; i >= 0; i-- {
			v = v<<8 | uint32(b.ram[pa+uint32(i)])
		}
		return v
	}
	return 0xFFFFFFFF
}

func (b *dtBus) Write(pa uint32, size int, v uint32) {
	if uint64(pa)+uint64(size) <= uint64(len(b.ram)) {
		for i := 0; i < size; i++ {
			b.ram[pa+uint32(i)] = byte(v >> (8 * i))
		}
	}
}

func (b *dtBus) In(port uint16, size int) uint32 { return 0xFFFFFFFF >> (32 - 8*size) }

func (b *dtBus) Out(port uint16, size int, v uint32) {
	b.outs = append(b.outs, fmt.Sprintf("%#x=%#x", port, v))
}

// dtNoIntr is an interrupt line that never fires.
type dtNoIntr struct{}

func (dtNoIntr) Pending() bool { return false }
func (dtNoIntr) Ack() uint8    { return 0 }

// dtMachine is our CPU on a dtBus.
type dtMachine struct {
	bus   *dtBus
	cpu   *x86.CPU
	code  *x86.CodeCache
	event *x86.Event // first interrupt or exception of the last run
}

func newDTMachine() *dtMachine {
	m := &dtMachine{bus: newDTBus(), code: x86.NewCodeCache()}
	m.cpu = x86.New(m.bus, dtNoIntr{}, m.code)
	m.cpu.OnEvent = func(c *x86.CPU, e x86.Event) {
		if m.event == nil {
			ev := e
			m.event = &ev
			c.RequestStop()
		}
	}
	return m
}

// Flat32 puts the CPU in flat 32-bit protected mode, ring 0, paging off, with an empty IDT
// (limit 0) so that an exception stops the run before anything is pushed.
func (m *dtMachine) Flat32() {
	c := m.cpu
	c.Reset()    // leaves shutdown after a triple fault
	c.CR0 = 0x11 // PE, ET
	c.CR2, c.CR3, c.CR4 = 0, 0, 0
	code := x86.Segment{Sel: 0x08, Base: 0, Limit: 0xFFFFFFFF, Attr: 0xC09B}
	data := x86.Segment{Sel: 0x10, Base: 0, Limit: 0xFFFFFFFF, Attr: 0xC093}
	for i := range c.Seg {
		c.Seg[i] = data
	}
	c.Seg[x86.CS] = code
	c.IDTR = x86.DTR{}
	c.GDTR = x86.DTR{} // Reset leaves limit 0xFFFF: selector loads would read RAM at 0
	c.LDTR = x86.Segment{}
	c.Halted = false
	c.WaitSIPI = false
}

// Real16 puts the CPU in real mode with all segments at sel.
func (m *dtMachine) Real16(sel uint16) {
	c := m.cpu
	c.Reset()
	c.CR0 = 0x10
	c.CR2, c.CR3, c.CR4 = 0, 0, 0
	for i := range c.Seg {
		c.SetRealSeg(i, sel)
	}
	c.IDTR = x86.DTR{Limit: 0x3FF}
	c.Halted = false
	c.WaitSIPI = false
}

// LoadCode copies code to physical address at and drops stale decoded instructions.
func (m *dtMachine) LoadCode(at uint32, code []byte) {
	copy(m.bus.ram[at:], code)
	m.code.Invalidate(at, uint32(len(code)))
}

// RunToHalt runs until hlt, an exception (first event), or the budget, and says which.
func (m *dtMachine) RunToHalt(budget int) (x86.StopReason, *x86.Event) {
	m.event = nil
	r := m.cpu.Run(budget)
	return r, m.event
}

// dtImplemented reports whether the CPU executes instructions at all (x86-findings #1).
func dtImplemented() bool {
	m := newDTMachine()
	m.Flat32()
	m.LoadCode(dtCode, []byte{0x90, 0xF4})
	m.cpu.EIP = dtCode
	m.cpu.Reg[x86.ESP] = dtESP
	m.cpu.SetFlags(2)
	m.RunToHalt(10)
	return m.cpu.EIP == dtCode+2
}

// skipIfNotImplemented skips t while the CPU is a skeleton.
func skipIfNotImplemented(t testing.TB) {
	t.Helper()
	if !dtImplemented() {
		t.Skip("x86-findings #1: CPU does not execute instructions yet")
	}
}

// hexBytes formats code for messages.
func hexBytes(b []byte) string {
	var s strings.Builder
	for i, x := range b {
		if i > 0 {
			s.WriteByte(' ')
		}
		fmt.Fprintf(&s, "%02x", x)
	}
	return s.String()
}

// dtResult is the state after a case on either machine.
type dtResult struct {
	Regs   [8]uint32
	EIP    uint32
	Flags  uint32
	Exc    int      // exception vector, or -1
	ExcEIP uint32   // EIP reported with the exception
	Data   []byte   // the data region
	Stack  []byte   // the stack region
	Wide   [][]byte // dtWideRanges, for Wide cases
	Note   string   // anything odd about how the run ended
}

// RunCase runs c on our CPU in flat 32-bit mode.
func (m *dtMachine) RunCase(c *dtCase) dtResult {
	data, stack := dtFillMem(c)
	clear(m.bus.ram[:dtCode])
	clear(m.bus.ram[dtCode:dtCodeEnd])
	if c.Wide {
		for _, w := range dtWideRanges {
			clear(m.bus.ram[w[0]:w[1]])
		}
	}
	copy(m.bus.ram[dtData:], data)
	copy(m.bus.ram[dtStackLow:], stack)
	if c.Real {
		m.Real16(0)
		m.cpu.IDTR = x86.DTR{} // an exception stops the run before anything is pushed
	} else {
		m.Flat32()
	}
	m.LoadCode(dtCode, c.Code)
	m.cpu.Reg = c.Regs
	m.cpu.EIP = dtCode
	m.cpu.SetFlags(c.Flags)
	stop, ev := m.RunToHalt(100000)
	r := dtResult{Regs: m.cpu.Reg, EIP: m.cpu.EIP, Flags: m.cpu.Flags(), Exc: -1}
	if ev != nil {
		r.Exc, r.ExcEIP = int(ev.Vector), ev.EIP
	} else if stop != x86.StopHalt {
		r.Note = fmt.Sprintf("run stopped with reason %d, not at hlt", stop)
	}
	r.Data = append([]byte(nil), m.bus.ram[dtData:dtDataEnd]...)
	r.Stack = append([]byte(nil), m.bus.ram[dtStackLow:dtStackHigh]...)
	if c.Wide {
		for _, w := range dtWideRanges {
			r.Wide = append(r.Wide, append([]byte(nil), m.bus.ram[w[0]:w[1]]...))
		}
	}
	return r
}

// dtCompare lists the differences between got (ours) and want (the oracle) for c.
func dtCompare(c *dtCase, got, want dtResult) []string {
	var diffs []string
	names := []string{"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"}
	if got.Note != "" {
		diffs = append(diffs, got.Note)
	}
	if got.Exc != want.Exc {
		diffs = append(diffs, fmt.Sprintf("exception %d, want %d (-1 = none)", got.Exc, want.Exc))
		return diffs
	}
	if want.Exc >= 0 {
		if want.Exc != 64 && got.ExcEIP != want.ExcEIP {
			diffs = append(diffs, fmt.Sprintf("exception EIP %#x, want %#x", got.ExcEIP, want.ExcEIP))
		}
	} else if got.EIP != want.EIP {
		diffs = append(diffs, fmt.Sprintf("eip %#x, want %#x", got.EIP, want.EIP))
	}
	for i := range got.Regs {
		if i == c.SkipReg && (!c.SkipIfZF || want.Flags&fZF != 0) {
			continue
		}
		if got.Regs[i] != want.Regs[i] {
			diffs = append(diffs, fmt.Sprintf("%s %#08x, want %#08x", names[i], got.Regs[i], want.Regs[i]))
		}
	}
	mask := uint32(dtFlagsCompared) &^ c.Undef
	if got.Flags&mask != want.Flags&mask {
		diffs = append(diffs, fmt.Sprintf("eflags %#x, want %#x (compared bits %#x, differing %#x)",
			got.Flags&mask, want.Flags&mask, mask, (got.Flags^want.Flags)&mask))
	}
	regions := []struct {
		name      string
		base      uint32
		got, want []byte
	}{{"data", dtData, got.Data, want.Data}, {"stack", dtStackLow, got.Stack, want.Stack}}
	for i := range got.Wide {
		if i < len(want.Wide) {
			regions = append(regions, struct {
				name      string
				base      uint32
				got, want []byte
			}{"wide", dtWideRanges[i][0], got.Wide[i], want.Wide[i]})
		}
	}
	for _, reg := range regions {
		for i := range reg.got {
			if reg.got[i] != reg.want[i] {
				diffs = append(diffs, fmt.Sprintf("memory at %#x: %#02x, want %#02x", reg.base+uint32(i), reg.got[i], reg.want[i]))
				break
			}
		}
	}
	return diffs
}
