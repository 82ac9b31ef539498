package pc

import (
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// resident counts the resident bytes of b[lo:hi] (page-aligned) with mincore.
func resident(t *testing.T, b []byte, lo, hi int) int {
	t.Helper()
	if hi <= lo {
		return 0
	}
	vec := make([]byte, (hi-lo)/pageSize)
	_, _, e := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&b[lo])), uintptr(hi-lo), uintptr(unsafe.Pointer(&vec[0])))
	if e != 0 {
		t.Fatalf("mincore: %v", e)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n * pageSize
}

// waitPopulated waits until p has populated up to at least end, skipping the test if
// the kernel cannot populate (the goroutine ended having done nothing).
func waitPopulated(t *testing.T, p *prefaulter, end uint32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for p.hi.Load() < end {
		select {
		case <-p.done:
			if p.hi.Load() == 0 {
				t.Skip("this kernel cannot populate memory (MADV_POPULATE_WRITE)")
			}
			if p.hi.Load() < end {
				t.Fatalf("prefaulter ended at %d KB, want %d KB", p.hi.Load()>>10, end>>10)
			}
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("prefaulter at %d KB after 10 s, want %d KB", p.hi.Load()>>10, end>>10)
		}
	}
}

// settle waits until p's populated end stays put for a while.
func settle(p *prefaulter) {
	for prev := uint32(1); prev != p.hi.Load(); time.Sleep(50 * time.Millisecond) {
		prev = p.hi.Load()
	}
}

// slack is the rounding allowed in resident-memory checks: a populated chunk can bring
// in a whole huge page on each side.
const slack = 2 * prefaultChunk

// TestPrefaultFollowsGuest moves a stand-in guest up through RAM at a pace the
// prefaulter can follow: it keeps at least half a window populated above the guest,
// and nothing beyond a window.
func TestPrefaultFollowsGuest(t *testing.T) {
	prefaultSpeed(t, true)
	m, _ := bootTestSector(t, "spin", Config{MemoryMB: 256})
	p := testPrefaulter(t, m)
	b := &bus{m: m}
	const reached = 96 << 20
	for pa := uint32(0); pa < reached; pa += pageSize {
		b.Page(pa)
		if pa%(4<<20) == 0 {
			waitPopulated(t, p, p.mark.Load()+prefaultWindow/2)
		}
	}
	mark := int(p.mark.Load())
	waitPopulated(t, p, uint32(mark+prefaultWindow/2))
	settle(p)
	if got, want := resident(t, m.ram, reached, mark+prefaultWindow/2), mark+prefaultWindow/2-reached; got < want {
		t.Errorf("%d KB resident in the half window above the guest, want %d KB", got>>10, want>>10)
	}
	if got := resident(t, m.ram, mark+prefaultWindow+slack, len(m.ram)); got != 0 {
		t.Errorf("%d KB resident beyond the window", got>>10)
	}
}

// TestPrefaultSlowShortLead moves the stand-in guest where populating is slow: the
// prefaulter follows it with the short lead only (and probes when overtaken).
func TestPrefaultSlowShortLead(t *testing.T) {
	prefaultSpeed(t, false)
	m, _ := bootTestSector(t, "spin", Config{MemoryMB: 256})
	p := testPrefaulter(t, m)
	waitPopulated(t, p, prefaultSlowLead)
	b := &bus{m: m}
	const reached = 96 << 20
	for pa := uint32(0); pa < reached; pa += pageSize {
		b.Page(pa)
		if pa%(1<<20) == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	mark := int(p.mark.Load())
	waitPopulated(t, p, uint32(mark))
	settle(p)
	if got := resident(t, m.ram, mark+prefaultSlowLead+slack, len(m.ram)); got != 0 {
		t.Errorf("%d KB resident beyond the short lead", got>>10)
	}
}

// TestPrefaultBoundedSmallGuest boots a guest that touches almost nothing: RAM stays
// at what it touched plus the window, whatever the RAM size.
func TestPrefaultBoundedSmallGuest(t *testing.T) {
	prefaultSpeed(t, true)
	m, _ := bootTestSector(t, "spin", Config{MemoryMB: 256})
	p := testPrefaulter(t, m)
	if _, _, err := m.RunFor(t.Context(), 20e6); err != nil {
		t.Fatal(err)
	}
	waitPopulated(t, p, prefaultWindow)
	settle(p)
	touched := 1 << 20 // the loader's tables, the boot sector and the screen, all below 1 MB
	if got, max := resident(t, m.ram, 0, len(m.ram)), touched+prefaultWindow+slack; got > max {
		t.Errorf("%d KB of RAM resident, want at most %d KB", got>>10, max>>10)
	}
}

// TestPrefaultJumpsCharged hands out RAM in small far-apart pieces: what was populated
// above each piece is charged, so the total stays within the window, and prefaulting
// ends when the window is used up.
func TestPrefaultJumpsCharged(t *testing.T) {
	prefaultSpeed(t, true)
	m, _ := bootTestSector(t, "spin", Config{MemoryMB: 512})
	p := testPrefaulter(t, m)
	waitPopulated(t, p, prefaultWindow) // the first window, at 0
	b := &bus{m: m}
	handed := 0
	for base := uint32(64 << 20); base < 512<<20; base += 64 << 20 {
		for pa := base; pa < base+(1<<20); pa += pageSize {
			b.Page(pa)
			handed += pageSize
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !waitClosed(p.done, 10*time.Second) {
		t.Fatal("prefaulter still running after its window was used up")
	}
	if got, max := resident(t, m.ram, 0, len(m.ram)), (1<<20)+handed+prefaultWindow+slack; got > max {
		t.Errorf("%d KB of RAM resident, want at most %d KB", got>>10, max>>10)
	}
}
