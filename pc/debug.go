package pc

import (
	"context"
	"fmt"
	"sync/atomic"

	"gemu/x86"
)

// debugState records where a debugger breakpoint or watchpoint stopped a round.
type debugState struct {
	hit bool // a CPU returned x86.StopBreak in the last RunFor
	cpu int  // that CPU

	pause atomic.Bool // DebugPause: RunFor returns at the next round boundary
}

// DebugPause makes a running RunFor or DebugRun return (not done) at the next round
// boundary, waking it from an idle wait. Safe from any goroutine. Unlike Stop it does not
// end the machine, and unlike short RunFor calls it leaves the schedule untouched.
func (m *Machine) DebugPause() {
	m.dbg.pause.Store(true)
	m.poke()
}

// DebugRun runs the machine as RunFor does, but returns as soon as a CPU stops at a
// debugger breakpoint or watchpoint (x86.CPU.SetBreakpoint/SetWatchpoint): brk is that
// CPU's index (its Stop field says what it hit), or -1 when RunFor ended otherwise.
// The round the CPU stopped resumes with that CPU on the next call, so stopping and
// resuming leaves the guest as deterministic as an uninterrupted run.
func (m *Machine) DebugRun(ctx context.Context, d int64) (r Result, brk int, done bool, err error) {
	m.dbg.hit = false
	r, done, err = m.RunFor(ctx, d)
	if m.dbg.hit {
		m.dbg.hit = false
		return r, m.dbg.cpu, done, err
	}
	return r, -1, done, err
}

// DebugStep executes one instruction of CPU i, accepting no maskable interrupt first (as a
// debugger's single step does); the other CPUs and the clock stand still. It reports a
// triple fault the instruction caused.
func (m *Machine) DebugStep(i int) (x86.StopReason, error) {
	if i < 0 || i >= len(m.cpus) {
		return 0, fmt.Errorf("pc: no CPU %d", i)
	}
	m.mu.Lock()
	c := m.cpus[i]
	m.cur, m.curBase, m.curOff = i, c.Retired, m.sched.offset(i, m.slice)
	why := c.Step()
	m.retired += c.Retired - m.curBase
	m.cur = -1
	if why == x86.StopTripleFault {
		m.stop(m.tripleFault(i))
	}
	if m.resetReq != "" {
		m.reboot()
	}
	m.mu.Unlock()
	return why, m.flush()
}

// DebugReset resets the machine as a guest reset does (the monitor's system_reset).
func (m *Machine) DebugReset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reboot()
}
