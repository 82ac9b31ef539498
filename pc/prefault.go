package pc

import (
	"errors"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Prefaulting. The first write to each page of guest RAM costs the host a page fault
// (zeroing, and on a VM often the hypervisor's own fault too), and xv6 writes all its
// RAM at boot (kinit fills every page it frees). A prefaulter goroutine takes that cost
// on another host core: it populates RAM a window ahead of the highest page the CPUs
// have asked for (bus.Page), so the guest finds its pages already there. It only asks
// the kernel to populate (MADV_POPULATE_WRITE, which keeps the contents), never writes
// guest memory, so the guest sees exactly what it would without it; only host timing
// changes. What it buys on the VM measured (xv6 -smp 2 boot, ~105 ms): not the median
// (the guest's own huge-page faults cost it only ~3 ms of kinit when the host has the
// memory at hand, and pages zeroed on the other core come to the guest cache-cold,
// ~+10 ms of CPU), but the runs where the hypervisor backs some chunks afresh: p90
// 220 -> 110-130 ms, worst of 30 325 -> 135 ms.
const (
	// prefaultWindow is how far ahead of the guest RAM is populated: nothing above
	// the highest page the guest was handed plus the window is ever populated. The
	// goroutine sleeps until the guest is half a window from the populated end; 16 MB
	// is ~5 ms of xv6's kinit at the rate Gemu fills pages (~3 GB/s), a scheduling
	// delay the prefaulter can take on a loaded host without falling behind, while
	// populating 16 MB takes 1-8 ms when the host has the memory at hand. Measured,
	// 4, 8 and 16 MB windows left xv6's kinit slower (median 41, 39, 39 ms against
	// 35). It costs 32 MB of RSS at most, inside the issue 7 allowance (touched +
	// 100 MB).
	prefaultWindow = 32 << 20
	// prefaultChunk is what one madvise populates: one transparent huge page.
	prefaultChunk = 2 << 20
	// prefaultStep is how far up the guest moves before the prefaulter is told again.
	prefaultStep = 1 << 20
	// prefaultSlowLead is how far ahead it populates while populating is slow (see
	// prefaultSlow): the guest then goes no faster than the host backs memory, so a
	// long lead gains nothing, and what lies beyond the guest's last page is CPU
	// spent for nothing (~5 ms per chunk).
	prefaultSlowLead = 2 * prefaultChunk
)

// prefaultSlow is how long populating a chunk may take while the host has the memory
// at hand: measured 0.1-0.3 ms, against ~5 ms when the hypervisor must back it afresh
// (and then two threads faulting at once went no faster than one). A variable for
// tests, read by newPrefaulter.
var prefaultSlow = time.Millisecond

// noJump is prefaulter.jumpFrom's value when the guest has not jumped.
const noJump = ^uint32(0)

// prefaulter populates one RAM mapping ahead of the guest. Its goroutine refers to
// the prefaulter only, never to the Machine or the ramBlock, so it does not keep them
// alive; the ramBlock's finalizer (or Machine.Close) stops it, and stop waits for a
// populate in progress, so the mapping is never advised after it is unmapped.
type prefaulter struct {
	mark     atomic.Uint32 // end of the highest RAM page handed out (bus.Page)
	want     atomic.Uint32 // the goroutine sleeps until mark reaches this
	jumpFrom atomic.Uint32 // the mark before the guest's first jump not yet seen (noJump: none)
	hi       atomic.Uint32 // populated up to here (tests)
	last     uint32        // the mark note last stored (machine loop only)
	wake     chan struct{} // the mark reached want (buffered: wakeups merge)
	quit     chan struct{} // closed by stop
	done     chan struct{} // closed when the goroutine has ended

	size      uint32        // len(b)
	slowLimit time.Duration // prefaultSlow
	mu        sync.Mutex    // held while populating; stop takes it
	b         []byte        // the RAM; nil once stopped
}

// newPrefaulter starts prefaulting b, or returns nil where the OS cannot populate
// memory ahead (then the guest simply takes its own page faults; so it does too when
// the first populate fails, as on Linux before 5.14). The first window is populated
// at once, in the background, while the machine loads its boot code: doing it before
// New returns would only delay the boot (xv6 reaches 16 MB some 20 ms later).
func newPrefaulter(b []byte) *prefaulter {
	if !canPopulate {
		return nil
	}
	p := &prefaulter{
		b:         b,
		size:      uint32(len(b)),
		slowLimit: prefaultSlow,
		wake:      make(chan struct{}, 1),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	p.jumpFrom.Store(noJump)
	p.wake <- struct{}{}
	go p.run()
	return p
}

// note records that the guest has been handed RAM up to end and wakes the goroutine
// if it waits for that. A move up by more than the window is a jump (RAM used out of
// order), which the goroutine must know of to charge what it populated above the old
// mark. Called by the machine loop only.
func (p *prefaulter) note(end uint32) {
	if p == nil || end <= p.last {
		return
	}
	if end-p.last > prefaultWindow {
		p.jumpFrom.CompareAndSwap(noJump, p.last) // before mark: seen with it
	}
	p.last = end
	p.mark.Store(end)
	if end < p.want.Load() {
		return
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// stop ends prefaulting: when it returns, no populate is running nor will one start.
// Safe to call more than once, and on nil.
func (p *prefaulter) stop() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.b == nil {
		return
	}
	p.b = nil
	close(p.quit)
}

// run is the goroutine. It populates up to hi, a stream that follows the guest up
// through RAM: when the guest comes within half a window of hi, hi moves up to
// mark+window. If the guest overtakes the stream (it faults pages faster than the
// kernel populates them here), the stream restarts half a window above the guest, so
// that the two fault different pages at the same time rather than the same ones;
// but if populating was slow (the host itself must back the memory, which it does
// one fault at a time), faulting beside the guest only burns CPU on both sides, so
// until a chunk populates fast again it keeps only a short lead, and when overtaken
// populates one probe chunk each time the guest passes it.
// If the guest jumps up by more than a window (RAM used out of order), the pages
// populated above its old mark may never be touched: they are charged to the window,
// which shrinks, so what such jumps leave populated and unused never exceeds
// prefaultWindow in total; with nothing left, prefaulting ends. (Smaller gaps are
// taken as the guest's own stream: a guest handed one page every few MB gets the
// RAM in between populated, never more than its highest page plus the window.) It
// ends too when it reaches the end of RAM.
func (p *prefaulter) run() {
	defer close(p.done)
	var hi uint32
	window := uint32(prefaultWindow)
	slow := false      // the last populate took longer than prefaultSlow per chunk
	probe := uint64(0) // while overtaken and slow: populate no further than this
	for {
		select {
		case <-p.quit:
			return
		case <-p.wake:
		}
		for {
			mark := p.mark.Load()
			from := p.jumpFrom.Swap(noJump)
			if from != noJump && hi > from {
				if hi-from >= window {
					return
				}
				window -= hi - from
			}
			lead := window // how far ahead of the guest to populate
			if slow {
				lead = min(window, prefaultSlowLead)
			}
			switch {
			case mark <= hi:
			case from != noJump: // a new stream
				hi, probe = mark, 0
			default: // overtaken
				hi, probe = mark+lead/2, 0
				if slow {
					probe = uint64(hi&^(prefaultChunk-1)) + prefaultChunk
				}
			}
			target := min(uint64(mark)+uint64(lead), uint64(p.size))
			if probe != 0 {
				target = min(target, probe)
			}
			if uint64(hi) >= target {
				if uint64(hi) >= uint64(p.size) {
					return // all of RAM is populated
				}
				// Sleep until the guest is half a lead from hi (one wakeup per half
				// lead, not one per note: each costs a host thread switch), or
				// after a probe until it overtakes again.
				want := max(hi, lead/2) - lead/2
				if probe != 0 {
					want = hi
				}
				p.want.Store(want)
				if p.mark.Load() < want {
					break
				}
				continue
			}
			end := min(uint64(hi&^(prefaultChunk-1))+prefaultChunk, target)
			t := time.Now()
			if !p.populate(hi, uint32(end)) {
				return
			}
			slow = time.Since(t)*prefaultChunk > p.slowLimit*time.Duration(end-uint64(hi))
			hi = uint32(end)
			p.hi.Store(hi)
		}
	}
}

// populate populates b[lo:hi] unless stopped; false ends prefaulting (stopped, or the
// OS refused).
func (p *prefaulter) populate(lo, hi uint32) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.b == nil {
		return false
	}
	err := populate(p.b[lo:hi])
	switch {
	case err == nil:
		return true
	case errors.Is(err, syscall.EINTR), errors.Is(err, syscall.EAGAIN):
		return true // leave this chunk to the guest
	}
	return false
}
