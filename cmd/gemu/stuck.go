package main

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"gemu/pc"
)

// parseSchedSeed is -sched-seed S: the seed of the CPUs' schedule.
func parseSchedSeed(o *options, v string) error {
	n, err := strconv.ParseUint(v, 0, 64)
	if err != nil || n == 0 {
		return fmt.Errorf("want a positive seed, got %q", v)
	}
	o.schedSeed = n
	return nil
}

// parseStuckAfter is -stuck-after T: a virtual duration, or off (0 is off too).
func parseStuckAfter(o *options, v string) error {
	if v == "off" || v == "0" {
		o.stuckAfter = -1
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("want a virtual duration such as 5s, or off; got %q", v)
	}
	o.stuckAfter = int64(d)
	return nil
}

// stuckLog takes the stuck-guest watchdog's reports: on stderr at once, or, under the
// screen (which owns the terminal and shows them itself), the last one on stderr when
// the screen is gone.
type stuckLog struct {
	mu   sync.Mutex
	s    *session
	w    io.Writer
	held *pc.StuckReport
}

// stuckConfig turns the watchdog on for cfg unless -stuck-after off, and returns its log.
func (s *session) stuckConfig(o *options, cfg *pc.Config, stderr io.Writer) *stuckLog {
	if o.stuckAfter < 0 {
		return nil
	}
	l := &stuckLog{s: s, w: stderr}
	cfg.Stuck = &pc.StuckConfig{After: o.stuckAfter, Symbols: s.syms.get, Report: l.report}
	return l
}

// report runs on the machine's goroutine.
func (l *stuckLog) report(r *pc.StuckReport) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.s.ui != nil {
		l.held = r
		return
	}
	text := "gemu: " + r.Text
	if l.s.console != nil && l.s.console.midLine() {
		text = "\n" + text
	}
	io.WriteString(l.w, text) // stderr: nowhere better to say it failed
}

// finish prints the report held back while the screen was up.
func (l *stuckLog) finish() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held != nil {
		io.WriteString(l.w, "gemu: "+l.held.Text)
	}
}
