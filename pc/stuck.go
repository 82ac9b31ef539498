package pc

import (
	"fmt"
	"strings"
	"time"

	"gemu/symbols"
	"gemu/x86"
)

// The stuck-guest watchdog (Config.Stuck).
//
// Progress is console output (COM1 or a debug console), a disk transfer, or a CPU found
// in user mode at the end of one of its turns. When none of these happens for
// StuckConfig.After of virtual time, the watchdog looks at the guest: if it is waiting
// for the outside (a process asleep on the console's input or on the timer, as xv6's
// process table shows; without one, CPUs halted for most of the stretch) and no CPU is
// halted with interrupts off (as a kernel panic leaves it), it is idle,
// not stuck, and the watchdog looks again a stretch later. Otherwise it reports, once,
// until the guest makes progress again: every CPU's state and backtrace, the process
// table with each sleeper's wait channel and the holder of the sleeplock it waits for,
// and any cycle of processes waiting for each other's sleeplocks (a deadlock).

// DefaultStuckAfter is StuckConfig.After when it is not set: 5 s of virtual time.
const DefaultStuckAfter = int64(5 * time.Second)

// StuckConfig turns the stuck-guest watchdog on.
type StuckConfig struct {
	After   int64                 // virtual ns without progress before the guest is stuck (0: DefaultStuckAfter)
	Symbols func() *symbols.Table // the kernel's symbols, called when first needed; nil or a nil result: unknown
	Report  func(*StuckReport)    // called between rounds, once each time the guest gets stuck
}

// StuckReport describes a stuck guest.
type StuckReport struct {
	VirtualNS int64  // when the watchdog found it stuck
	Since     int64  // virtual time of the last progress
	Deadlock  bool   // the process table shows processes waiting for each other's sleeplocks
	Summary   string // one line: "guest stuck: ..."
	Text      string // the whole report, Summary first
}

// stuckWatch is the watchdog's state.
type stuckWatch struct {
	cfg      StuckConfig
	since    int64  // virtual time of the last progress seen
	disk     uint64 // sectors transferred at the last check
	retired  []uint64 // per CPU: instructions retired when the stretch began
	user     bool   // a CPU ended a turn in user mode since the last check
	reported bool   // the current quiet stretch has been reported
	last     *StuckReport
}

func newStuckWatch(cfg StuckConfig) *stuckWatch {
	if cfg.After <= 0 {
		cfg.After = DefaultStuckAfter
	}
	return &stuckWatch{cfg: cfg, retired: make([]uint64, MaxCPUs)}
}

// turnEnd notes whether CPU c ended its turn in user mode.
func (w *stuckWatch) turnEnd(c *x86.CPU) {
	if c.CPL() == 3 {
		w.user = true
	}
}

// roundEnd checks for progress at the end of a round (before its output is flushed) and
// reports a guest quiet for too long.
func (w *stuckWatch) roundEnd(m *Machine) {
	r, wr := m.ide.Activity()
	progress := w.user || len(m.serialOut) > 0 || r+wr != w.disk
	for _, d := range m.debugOut {
		progress = progress || len(d.buf) > 0
	}
	w.user, w.disk = false, r+wr
	if progress {
		w.since, w.reported = m.vt, false
		w.mark(m)
		return
	}
	if w.reported || m.vt-w.since < w.cfg.After {
		return
	}
	// Without a process table, a guest whose CPUs were all halted most of the stretch is
	// taken to be idle: one instruction takes one ns of virtual time.
	busy := false
	for i, c := range m.cpus {
		busy = busy || c.Retired-w.retired[i] > uint64(m.vt-w.since)/2
	}
	var syms *symbols.Table
	if w.cfg.Symbols != nil {
		syms = w.cfg.Symbols()
	}
	rep, waiting := m.stuckReport(w.since, syms, busy)
	if waiting {
		w.since = m.vt // idle: look again a stretch later
		w.mark(m)
		return
	}
	w.reported, w.last = true, rep
	if w.cfg.Report != nil {
		w.cfg.Report(rep)
	}
}

// reset starts a new stretch (a reboot).
func (w *stuckWatch) reset(m *Machine) {
	w.since, w.reported, w.user = m.vt, false, false
	w.mark(m)
}

// mark notes each CPU's retired count as a stretch begins.
func (w *stuckWatch) mark(m *Machine) {
	w.retired = w.retired[:0]
	for _, c := range m.cpus {
		w.retired = append(w.retired, c.Retired)
	}
}

// Stuck returns the last stuck-guest report, nil if there has been none (or the
// watchdog is off). Safe to call from any goroutine.
func (m *Machine) Stuck() *StuckReport {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stuck == nil {
		return nil
	}
	return m.stuck.last
}

// StuckReport describes the machine now as the watchdog does a stuck guest, stuck or
// not (the monitor's info stuck): its CPUs, and the process table when syms knows it.
// The quiet stretch it names starts at the watchdog's last progress (now when the
// watchdog is off). Call it only while the machine is not running (between rounds).
func (m *Machine) StuckReport(syms *symbols.Table) *StuckReport {
	since := m.vt
	if m.stuck != nil {
		since = m.stuck.since
	}
	rep, _ := m.stuckReport(since, syms, true)
	return rep
}

// maxStuckStack bounds each CPU's backtrace in a report.
const maxStuckStack = 16

// stuckReport builds the report; waiting says the guest waits for the outside.
func (m *Machine) stuckReport(since int64, syms *symbols.Table, busy bool) (*StuckReport, bool) {
	rep := &StuckReport{VirtualNS: m.vt, Since: since}
	var b strings.Builder
	var dead []string // CPUs halted with interrupts off: only a reset wakes them
	for i, c := range m.cpus {
		m.formatCPU(&b, i, syms)
		if c.Halted && !c.WaitSIPI && c.Flags()&0x200 == 0 {
			dead = append(dead, fmt.Sprintf("cpu%d", i))
		}
	}
	var procs []symbols.Proc
	var procErr error
	if syms != nil {
		procs, procErr = syms.Procs(symbols.KernelReader(m.ram))
	}
	waiting := !busy
	var cycles [][]int
	if syms != nil && procErr == nil {
		waiting = false
		for _, p := range procs {
			if p.State == "SLEEPING" && (strings.HasPrefix(p.ChanDesc, "input.") || p.ChanDesc == "ticks") {
				waiting = true // reading the console, or sleep(): the outside or the clock will wake it
			}
		}
		b.WriteString("processes (xv6's ptable):\n")
		b.WriteString(indent(syms.FormatProcs(procs)))
		cycles = symbols.Deadlocks(procs)
		for _, c := range cycles {
			b.WriteString("deadlock: each process waits for a sleeplock the next one holds:\n")
			b.WriteString(indent(symbols.FormatDeadlock(procs, c)))
		}
	} else if syms == nil {
		b.WriteString("no process table: the kernel's symbols are unknown (-symbols FILE)\n")
	} else {
		fmt.Fprintf(&b, "no process table: %v\n", procErr)
	}
	quiet := fmt.Sprintf("no console output, disk transfer or user-mode code for %.1fs of virtual time (since %.3fs)",
		float64(m.vt-since)/1e9, float64(since)/1e9)
	rep.Summary = "guest stuck: " + quiet
	if len(dead) > 0 {
		rep.Summary = "guest stuck: " + strings.Join(dead, ", ") + " halted with interrupts off"
	}
	if len(cycles) > 0 {
		rep.Deadlock = true
		var who []string
		for _, i := range cycles[0] {
			who = append(who, fmt.Sprintf("pid %d (%s) on %s", procs[i].PID, procs[i].Name, procs[i].ChanDesc))
		}
		rep.Summary = "guest stuck: deadlock: " + strings.Join(who, " and ")
	}
	rep.Text = rep.Summary + "\n" + quiet + "\n" + b.String()
	return rep, waiting && len(cycles) == 0 && len(dead) == 0
}

// formatCPU writes CPU i's state and its backtrace, symbolized when syms is known.
func (m *Machine) formatCPU(b *strings.Builder, i int, syms *symbols.Table) {
	c := m.cpus[i]
	state := "running"
	switch {
	case c.WaitSIPI:
		state = "waiting for SIPI"
	case c.Halted && c.Flags()&0x200 == 0:
		state = "halted with interrupts off"
	case c.Halted:
		state = "halted"
	}
	pc := c.Seg[x86.CS].Base + c.EIP
	where := ""
	if syms != nil {
		if name, start, ok := syms.Func(pc); ok {
			where = fmt.Sprintf(" %s+%#x", name, pc-start)
		}
	}
	fmt.Fprintf(b, "cpu%d: %s, CPL %d, EIP=%08x%s, ESP=%08x, EBP=%08x, IF=%d\n", i, state, c.CPL(), c.EIP, where,
		c.Reg[x86.ESP], c.Reg[x86.EBP], c.Flags()>>9&1)
	if c.WaitSIPI || c.CR0&1 == 0 {
		return
	}
	read := symbols.Words(func(va uint32, buf []byte) bool { return c.ReadLinear(va, buf) == nil })
	stack := symbols.Backtrace(read, pc, c.Reg[x86.EBP], maxStuckStack)
	if syms != nil {
		b.WriteString(indent(syms.FormatStack(stack)))
		return
	}
	for k, pc := range stack {
		fmt.Fprintf(b, "  #%d 0x%08x\n", k, pc)
	}
}

// indent puts two spaces before every line of s.
func indent(s string) string {
	if s == "" {
		return ""
	}
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}
