package pc

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"gemu/vga"
	"gemu/x86"
)

// inbox holds host input waiting for the next slice boundary. Any goroutine may add.
type inbox struct {
	mu     sync.Mutex
	serial []byte
	scan   []byte
	signal chan struct{} // poked when input arrives
}

// SendSerial queues bytes for COM1's receiver; they reach the guest at the next slice
// boundary. Safe to call from any goroutine.
func (m *Machine) SendSerial(b []byte) {
	m.inbox.mu.Lock()
	m.inbox.serial = append(m.inbox.serial, b...)
	m.inbox.mu.Unlock()
	m.poke()
}

// SendScanCodes queues set-1 scan codes for the keyboard. Safe to call from any goroutine.
func (m *Machine) SendScanCodes(codes []byte) {
	m.inbox.mu.Lock()
	m.inbox.scan = append(m.inbox.scan, codes...)
	m.inbox.mu.Unlock()
	m.poke()
}

func (m *Machine) poke() {
	select {
	case m.inbox.signal <- struct{}{}:
	default:
	}
}

// Stop asks the run loop to stop at the next slice boundary. Safe to call from any
// goroutine.
func (m *Machine) Stop() {
	select {
	case m.stopReq <- struct{}{}:
	default:
	}
	m.poke()
}

// Screen copies the CGA text screen (character in the low byte, attribute in the high
// byte of each cell) and returns the cursor. Safe to call from any goroutine: it waits
// for a slice boundary.
func (m *Machine) Screen(dst *[vga.Rows][vga.Cols]uint16) (row, col int, visible bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.vga.Snapshot(dst)
	return m.vga.Cursor()
}

// Stats is a snapshot of the machine's counters.
type Stats struct {
	CPUs        int
	Retired     uint64 // instructions retired by all CPUs
	PerCPU      []uint64
	VirtualNS   int64 // virtual time
	DiskReads   uint64
	DiskWrites  uint64 // sectors
	SerialBytes uint64
}

// Stats returns the counters. Safe to call from any goroutine.
func (m *Machine) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := Stats{CPUs: len(m.cpus), VirtualNS: m.vt}
	for _, c := range m.cpus {
		s.PerCPU = append(s.PerCPU, c.Retired)
		s.Retired += c.Retired
	}
	s.DiskReads, s.DiskWrites = m.ide.Activity()
	return s
}

// Run runs the machine until it stops (the guest powers off, a CPU triple-faults, every
// CPU is halted for good, the instruction limit, Stop, or ctx ends).
func (m *Machine) Run(ctx context.Context) (Result, error) {
	r, _, err := m.RunFor(ctx, math.MaxInt64)
	return r, err
}

// RunFor runs the machine for up to d ns of virtual time. done reports whether the
// machine stopped for good, and then r says why; otherwise RunFor may be called again.
func (m *Machine) RunFor(ctx context.Context, d int64) (r Result, done bool, err error) {
	if m.stopped {
		return *m.result, true, nil
	}
	end := m.vt + d
	if d > math.MaxInt64-m.vt {
		end = math.MaxInt64
	}
	ctxDone := ctx.Done()
	m.pacer.start(m.vt)
	for {
		select {
		case <-ctxDone:
			m.stop(Result{Reason: Stopped, Message: "stopped: " + ctx.Err().Error()})
		case <-m.stopReq:
			m.stop(Result{Reason: Stopped, Message: "stopped"})
		default:
		}
		if m.result == nil && m.dbg.pause.Swap(false) { // a debugger's Ctrl-C (debug.go)
			return Result{}, false, m.flush()
		}
		if m.result == nil {
			if m.vt >= end {
				return Result{}, false, m.flush()
			}
			m.mu.Lock()
			m.takeInput()
			m.round(end)
			m.mu.Unlock()
		}
		if err := m.flush(); err != nil {
			m.stop(Result{Reason: Stopped, Message: err.Error()})
			m.stopped = true
			return *m.result, true, err
		}
		if m.result != nil {
			m.stopped = true
			return *m.result, true, nil
		}
		if m.dbg.hit {
			return Result{}, false, nil
		}
	}
}

// round runs the CPUs for one round of the schedule (sched.go), then advances the clock: by
// a slice, or, when every CPU is halted, straight to the next timer event (not past end).
// A round a debugger stops is finished by the next call.
func (m *Machine) round(end int64) {
	s := &m.sched
	if !s.inRound {
		s.begin(len(m.cpus), m.slice)
	}
	race := m.race
	for {
		held := -1
		if race != nil {
			held = race.holder
		}
		i, budget, ok := s.pick(m.slice, held)
		if !ok {
			break
		}
		c := m.cpus[i]
		if lim := m.cfg.Limit; lim != 0 {
			if m.retired >= lim {
				break
			}
			budget = int(min(uint64(budget), lim-m.retired))
		}
		if race != nil {
			budget = race.budget(i, budget)
		}
		m.cur, m.curBase, m.curOff = i, c.Retired, int64(m.slice-s.left[i])
		why := c.Run(budget)
		ran := int(c.Retired - m.curBase)
		m.retired += uint64(ran)
		m.cur = -1
		switch why {
		case x86.StopBreak: // a debugger breakpoint or watchpoint (debug.go)
			s.left[i] -= min(ran, s.left[i])
			s.cpu, s.turn = i, max(0, budget-ran)
			m.dbg.hit, m.dbg.cpu = true, i
			return
		case x86.StopHalt: // the rest of the round passes idle
			s.left[i] = 0
		case x86.StopYield: // spinning on a lock: the whole turn is spent waiting
			s.left[i] -= min(max(ran, budget), s.left[i])
		case x86.StopTripleFault:
			s.left[i] = 0
			m.stop(m.tripleFault(i))
		case x86.StopWatch: // a race watch (race.go)
			s.left[i] -= min(ran, s.left[i])
			if !race.watchStop(m, i, m.vt+s.offset(i, m.slice)) {
				s.cpu, s.turn = i, max(0, budget-ran) // not held: the turn goes on
			}
		default:
			s.left[i] -= min(ran, s.left[i])
		}
		if race != nil && why != x86.StopWatch {
			race.ran(m, i, ran)
		}
		if m.stuck != nil {
			m.stuck.turnEnd(c)
		}
		if m.result != nil {
			return
		}
		if m.resetReq != "" {
			m.reboot()
			return
		}
	}
	s.inRound = false
	if race != nil {
		race.roundEnd(m)
	}
	if m.stuck != nil {
		m.stuck.roundEnd(m)
	}
	if lim := m.cfg.Limit; lim != 0 && m.retired >= lim {
		m.stop(Result{Reason: Budget, Status: StatusBudget,
			Message: fmt.Sprintf("instruction limit %d reached: %s", lim, m.report())})
		return
	}
	m.vt += int64(m.slice)
	m.updateTimers()
	if !m.idle() {
		return
	}
	next, ok := m.nextEvent()
	if !ok {
		m.waitForever()
		return
	}
	if next > end {
		next = end
	}
	if next > m.vt {
		m.vt = m.pacer.wait(m, next)
	}
	m.updateTimers()
}

// tripleFault is the result of CPU i shutting down.
func (m *Machine) tripleFault(i int) Result {
	f := m.cpus[i].Fault
	if !strings.HasPrefix(f, "triple fault") {
		f = "triple fault: " + f
	}
	return Result{Reason: TripleFault, Status: StatusTripleFault, Message: fmt.Sprintf("cpu%d: %s", i, f)}
}

// idle reports whether no CPU can execute anything before some event happens.
func (m *Machine) idle() bool {
	for i, c := range m.cpus {
		if !c.Halted {
			return false
		}
		if !c.WaitSIPI && c.Flags()&0x200 != 0 && m.apics[i].Pending() {
			return false
		}
	}
	m.inbox.mu.Lock()
	defer m.inbox.mu.Unlock()
	return (len(m.inbox.serial) == 0 || !m.serialReady()) && len(m.inbox.scan) == 0
}

// nextEvent is the earliest timer expiry of any CPU that can take an interrupt.
func (m *Machine) nextEvent() (int64, bool) {
	best, found := int64(0), false
	for i, a := range m.apics {
		c := m.cpus[i]
		if c.WaitSIPI || c.Flags()&0x200 == 0 {
			continue
		}
		if at, ok := a.NextEvent(); ok && (!found || at < best) {
			best, found = at, true
		}
	}
	return best, found
}

// updateTimers fires the LAPIC timers whose time has come.
func (m *Machine) updateTimers() {
	for i, a := range m.apics {
		if at, ok := a.NextEvent(); ok && at <= m.vt {
			a.Update()
			m.cpus[i].PollInterrupts()
		}
	}
}

// waitForever handles every CPU halted with no timer to wake any: if a CPU takes
// interrupts and host input may still come, wait for it; otherwise stop with a report.
func (m *Machine) waitForever() {
	canWake := false
	for _, c := range m.cpus {
		if !c.WaitSIPI && c.Flags()&0x200 != 0 {
			canWake = true
		}
	}
	if !canWake || !m.cfg.Pace || m.cfg.NoInput {
		m.stop(Result{Reason: Halted, Status: StatusHalted,
			Message: "all CPUs halted with nothing to wake them: " + m.report()})
		return
	}
	m.mu.Unlock()
	select {
	case <-m.inbox.signal:
	case <-m.stopReq:
		m.Stop()
	}
	m.mu.Lock()
	m.pacer.start(m.vt)
}

// report is one line of machine state: each CPU's EIP and the last value written to
// each debug port.
func (m *Machine) report() string {
	var b strings.Builder
	for i, c := range m.cpus {
		if i > 0 {
			b.WriteString(", ")
		}
		state := ""
		switch {
		case c.WaitSIPI:
			state = " waiting for SIPI"
		case c.Halted && c.Flags()&0x200 == 0:
			state = " hlt with IF=0"
		case c.Halted:
			state = " hlt"
		}
		fmt.Fprintf(&b, "cpu%d EIP=%08x%s", i, c.EIP, state)
	}
	for _, d := range m.debugOut {
		if d.last < 0 {
			fmt.Fprintf(&b, "; port %#x: nothing written", d.port)
		} else {
			fmt.Fprintf(&b, "; port %#x: last %#02x", d.port, d.last)
		}
	}
	if e := m.debugExit; e != nil && e.last >= 0 {
		fmt.Fprintf(&b, "; exit port %#x: last %#x", e.port, e.last)
	}
	return b.String()
}

// takeInput hands queued host input to the UART and the keyboard controller.
func (m *Machine) takeInput() {
	m.inbox.mu.Lock()
	defer m.inbox.mu.Unlock()
	if len(m.inbox.serial) > 0 && m.serialReady() {
		m.uart.Receive(m.inbox.serial)
		m.inbox.serial = m.inbox.serial[:0]
	}
	if len(m.inbox.scan) > 0 {
		m.kbd.Send(m.inbox.scan...)
		m.inbox.scan = m.inbox.scan[:0]
	}
}

// flush writes pending serial and debug-port output.
func (m *Machine) flush() error {
	if len(m.serialOut) > 0 {
		var err error
		if w := m.cfg.Serial; w != nil {
			_, err = w.Write(m.serialOut)
		}
		m.serialOut = m.serialOut[:0]
		if err != nil {
			return fmt.Errorf("serial output: %w", err)
		}
	}
	for _, d := range m.debugOut {
		if err := d.flush(); err != nil {
			return err
		}
	}
	return nil
}

// reboot restarts the machine after a guest reset: CPUs, APICs and boot code; RAM
// beyond the firmware data is left as it was, as on a warm reset.
func (m *Machine) reboot() {
	m.resetReq = ""
	m.sched.reset()
	if m.race != nil {
		m.race.reset(m)
	}
	if m.stuck != nil {
		m.stuck.reset(m)
	}
	m.com1.ready, m.com1.lsrPolls = false, 0
	if err := m.boot(); err != nil {
		m.stop(Result{Reason: Reset, Status: 1, Message: "reboot: " + err.Error()})
	}
}

// pacer keeps idle periods as long in host time as in virtual time (Config.Pace).
type pacer struct {
	hostBase time.Time // host time when virtual time was vtBase
	vtBase   int64
	sleeps   int // host sleeps so far (tests count them)
}

// start re-anchors the pacer: virtual time vt is now.
func (p *pacer) start(vt int64) {
	p.hostBase, p.vtBase = time.Now(), vt
}

// maxLag is how far virtual time may fall behind host time before the pacer forgives it.
const maxLag = 50 * time.Millisecond

// maxLead is how far an idle guest's virtual time may run ahead of host time without a
// sleep. Each host sleep and wake-up costs far more than an idle guest's timer tick, so
// an idle xv6 (a tick every 10 ms per CPU) runs a few ticks back to back and then sleeps
// for all of them: about 20 wake-ups a second instead of 100 per CPU.
const maxLead = 50 * time.Millisecond

// wait advances virtual time towards next and returns the new time. Without pacing it
// jumps at once. With pacing it returns next at once while that is at most maxLead ahead
// of host time, else sleeps until host time catches up with next, waking early for host
// input or a stop request (then the clock stops where host time is).
func (p *pacer) wait(m *Machine, next int64) int64 {
	if !m.cfg.Pace {
		return next
	}
	now := time.Now()
	hostVT := p.vtBase + int64(now.Sub(p.hostBase))
	if hostVT-m.vt > int64(maxLag) {
		p.start(m.vt) // we fell behind (busy guest); do not race to catch up
		hostVT = m.vt
	}
	d := time.Duration(next - hostVT)
	if d <= maxLead {
		return next
	}
	p.sleeps++
	t := time.NewTimer(d)
	defer t.Stop()
	m.mu.Unlock()
	defer m.mu.Lock()
	select {
	case <-t.C:
		return next
	case <-m.inbox.signal:
	case <-m.stopReq:
		m.Stop()
	}
	vt := p.vtBase + int64(time.Since(p.hostBase))
	return max(min(vt, next), m.vt)
}
