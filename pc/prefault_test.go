package pc

import (
	"runtime"
	"testing"
	"time"
)

// testPrefaulter returns m's prefaulter, skipping the test where there is none.
func testPrefaulter(t *testing.T, m *Machine) *prefaulter {
	t.Helper()
	p := m.ramBlock.pf
	if p == nil {
		t.Skip("no prefaulting on this system")
	}
	return p
}

// prefaultSpeed makes the prefaulters of machines made from now to the end of the
// test take every populate as fast (the full window) or as slow (the short lead),
// whatever the host does.
func prefaultSpeed(t *testing.T, fast bool) {
	old := prefaultSlow
	prefaultSlow = 0
	if fast {
		prefaultSlow = time.Hour
	}
	t.Cleanup(func() { prefaultSlow = old })
}

// waitClosed reports whether ch is closed within d.
func waitClosed(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

func TestPrefaultEndsOnClose(t *testing.T) {
	m, _ := bootTestSector(t, "spin", Config{MemoryMB: 128})
	p := testPrefaulter(t, m)
	if _, _, err := m.RunFor(t.Context(), 1e6); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if !waitClosed(p.done, 5*time.Second) {
		t.Fatal("prefaulter goroutine still running 5 s after Close")
	}
	p.stop() // the finalizer's second stop is harmless
}

// TestPrefaultEndsWhenDropped checks that the goroutine does not keep a machine nobody
// closed alive: when the machine is garbage, the RAM's finalizer stops it.
func TestPrefaultEndsWhenDropped(t *testing.T) {
	var done chan struct{}
	func() {
		m, _ := bootTestSector(t, "spin", Config{MemoryMB: 128})
		done = testPrefaulter(t, m).done
		if _, _, err := m.RunFor(t.Context(), 1e6); err != nil {
			t.Fatal(err)
		}
	}()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		runtime.GC()
		if waitClosed(done, 10*time.Millisecond) {
			return
		}
	}
	t.Fatal("prefaulter goroutine still running 10 s after its machine was dropped")
}

// TestPrefaultDoesNotChangeRAM runs the prefaulter over RAM the test wrote itself
// (while it populates): populating must keep every byte.
func TestPrefaultDoesNotChangeRAM(t *testing.T) {
	m, _ := bootTestSector(t, "spin", Config{MemoryMB: 64})
	p := testPrefaulter(t, m)
	b := &bus{m: m}
	for pa := uint32(0x100000); pa < 64<<20; pa += pageSize {
		m.ram[pa+pa>>12%pageSize] = byte(pa>>12) | 1
		b.Page(pa)
	}
	if !waitClosed(p.done, 10*time.Second) { // it ends at the end of RAM
		t.Fatalf("prefaulter not done: populated to %d MB of 64", p.hi.Load()>>20)
	}
	for pa := uint32(0x100000); pa < 64<<20; pa += pageSize {
		if got, want := m.ram[pa+pa>>12%pageSize], byte(pa>>12)|1; got != want {
			t.Fatalf("RAM at %#x is %#x, want %#x", pa+pa>>12%pageSize, got, want)
		}
	}
}
