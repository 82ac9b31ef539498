package pc

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"gemu/ide"
	"gemu/images"
)

// runTo runs m with DebugRun until virtual time t, returning the CPUs that stopped at
// debugger breakpoints on the way (the callback decides what to do at each stop).
func runTo(t *testing.T, m *Machine, until int64, atBreak func(cpu int)) {
	t.Helper()
	for {
		vt := m.Stats().VirtualNS
		if vt >= until {
			return
		}
		_, brk, done, err := m.DebugRun(context.Background(), until-vt)
		if err != nil || done {
			t.Fatalf("DebugRun: done=%v err=%v", done, err)
		}
		if brk >= 0 {
			atBreak(brk)
		}
	}
}

// TestDebugStopResumeIsInvisible: a machine stopped at a breakpoint mid-slice and resumed
// reaches the same state at the same virtual time as one that never stopped.
func TestDebugStopResumeIsInvisible(t *testing.T) {
	newM := func() *Machine {
		m, err := New(Config{CPUs: 2, Disks: [2]ide.Disk{append(memDisk(nil), images.Kernel...),
			append(memDisk(nil), images.FS...)}})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	// The kernel ELF follows the boot sector; its entry runs once, on CPU 0, mid-slice.
	entry := binary.LittleEndian.Uint32(images.Kernel[512+24:])
	const until = 20_000_000
	plain := newM()
	runTo(t, plain, until, func(cpu int) { t.Fatalf("stop with no breakpoint on CPU %d", cpu) })

	stopped := newM()
	for _, c := range stopped.CPUs() {
		c.SetBreakpoint(entry, true)
	}
	hits := 0
	runTo(t, stopped, until, func(cpu int) {
		hits++
		c := stopped.CPUs()[cpu]
		if c.EIP != entry {
			t.Errorf("stopped at %#x, breakpoint at %#x", c.EIP, entry)
		}
		for _, c := range stopped.CPUs() {
			c.SetBreakpoint(entry, false)
		}
	})
	if hits != 1 {
		t.Fatalf("%d breakpoint stops, want 1", hits)
	}
	for i, a := range plain.CPUs() {
		b := stopped.CPUs()[i]
		if a.Retired != b.Retired || a.EIP != b.EIP || a.Reg != b.Reg {
			t.Errorf("CPU %d differs: retired %d/%d EIP %#x/%#x", i, a.Retired, b.Retired, a.EIP, b.EIP)
		}
	}
	if !bytes.Equal(plain.RAM()[:16<<20], stopped.RAM()[:16<<20]) {
		t.Error("RAM differs")
	}
}
