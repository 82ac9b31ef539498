package pc

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"
	"time"

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

// TestDebugStopResumeIsInvisible: a machine stopped at a breakpoint mid-slice and resumed,
// or paused at random moments, reaches the same state at the same virtual time as one that
// ran straight through.
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
	if _, done, err := plain.RunFor(context.Background(), until); done || err != nil {
		t.Fatalf("RunFor: done=%v err=%v", done, err)
	}

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
	sameAs(t, plain, stopped)

	// DebugPause from another goroutine (gdb's Ctrl-C) at any moment is invisible too.
	paused := newM()
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				paused.DebugPause()
			}
		}
	}()
	pauses := 0
	for paused.Stats().VirtualNS < until {
		_, brk, done, err := paused.DebugRun(context.Background(), until-paused.Stats().VirtualNS)
		if err != nil || done || brk >= 0 {
			t.Fatalf("DebugRun: brk=%d done=%v err=%v", brk, done, err)
		}
		pauses++
	}
	close(stop)
	t.Logf("%d returns from DebugRun", pauses)
	sameAs(t, plain, paused)
}

// sameAs compares the CPUs and the first 16 MB of RAM of two machines.
func sameAs(t *testing.T, a, b *Machine) {
	t.Helper()
	for i, x := range a.CPUs() {
		y := b.CPUs()[i]
		if x.Retired != y.Retired || x.EIP != y.EIP || x.Reg != y.Reg {
			t.Errorf("CPU %d differs: retired %d/%d EIP %#x/%#x", i, x.Retired, y.Retired, x.EIP, y.EIP)
		}
	}
	if !bytes.Equal(a.RAM()[:16<<20], b.RAM()[:16<<20]) {
		t.Error("RAM differs")
	}
}
