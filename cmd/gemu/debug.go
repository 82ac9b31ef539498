package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"gemu/gdbstub"
	"gemu/pc"
	"gemu/qemulog"
	"gemu/x86"
)

// checkDebugOptions validates -d, -D, -S and -gdb before anything is opened.
func checkDebugOptions(o *options) error {
	if _, err := qemulog.Parse(o.logItems); err != nil {
		return err
	}
	if o.freeze && o.gdb == "" {
		return errors.New("-S needs -gdb or -s (nothing else could start the machine)")
	}
	if o.gdb != "" {
		if _, err := gdbstub.ParseAddr(o.gdb); err != nil {
			return err
		}
	}
	return nil
}

// openLog opens the -d log (-D FILE, or stderr) and sends the board's guest_errors and
// unimp reports to it when those items are on.
func (s *session) openLog(o *options, stderr io.Writer, cfg *pc.Config) (*qemulog.Logger, error) {
	mask, err := qemulog.Parse(o.logItems)
	if err != nil {
		return nil, err
	}
	w := stderr
	if o.logFile != "" {
		f, err := s.create(o.logFile)
		if err != nil {
			return nil, fmt.Errorf("-D: %w", err)
		}
		s.log = &logFile{w: f}
		w = s.log
	}
	l := qemulog.New(mask, w)
	if l.Enabled(qemulog.GuestErrors | qemulog.Unimp) {
		cfg.Log = func(guestError bool, format string, args ...any) {
			item := qemulog.Unimp
			if guestError {
				item = qemulog.GuestErrors
			}
			l.Printf(item, format, args...)
		}
	}
	return l, nil
}

// logFile is the -D file. Its first write error stops the run, since a log that silently
// goes nowhere is worse than none; run reports the error once, at exit.
type logFile struct {
	w    io.Writer
	mu   sync.Mutex
	stop func() // stops the machine; nil until it exists
	err  error
}

// Write writes to the file and stops the run at the first error.
func (l *logFile) Write(p []byte) (int, error) {
	n, err := l.w.Write(p)
	if err != nil {
		l.mu.Lock()
		first, stop := l.err == nil, l.stop
		if first {
			l.err = err
		}
		l.mu.Unlock()
		if first && stop != nil {
			stop()
		}
	}
	return n, err
}

// setStop gives the log the machine to stop; a write that failed before stops it at once.
func (l *logFile) setStop(stop func()) {
	l.mu.Lock()
	l.stop = stop
	failed := l.err != nil
	l.mu.Unlock()
	if failed {
		stop()
	}
}

// attachLog installs the CPU hooks the -d items need on every CPU (none without -d, so
// the CPUs run at full speed).
func attachLog(l *qemulog.Logger, m *pc.Machine) {
	for i, c := range m.CPUs() {
		l.Attach(c, i)
	}
}

// stopper stops the machine and cancels the run's context (which also ends a run that a
// debugger holds stopped).
type stopper struct {
	*pc.Machine
	cancel func()
}

// Stop stops the machine.
func (g stopper) Stop() {
	g.Machine.Stop()
	g.cancel()
}

// runGuest runs the machine, under the gdb stub when -gdb or -s asks for it.
func runGuest(ctx context.Context, m *pc.Machine, o *options) (pc.Result, error) {
	if o.gdb == "" {
		return m.Run(ctx)
	}
	ln, err := gdbstub.Listen(o.gdb)
	if err != nil {
		return pc.Result{}, err
	}
	b := &gdbBoard{m: m, res: pc.Result{Reason: pc.Stopped, Message: "stopped"}}
	t := gdbstub.NewMachineTarget(b)
	srv := gdbstub.New(t, !o.freeze)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	err = t.Loop(ctx, !o.freeze)
	srv.Close()
	if cerr := ln.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("gdb stub: %w", cerr)
	}
	if serr := <-served; serr != nil && err == nil && !t.Killed() {
		err = serr
	}
	if t.Killed() {
		return pc.Result{Reason: pc.Stopped, Message: "killed by gdb"}, err
	}
	return b.res, err
}

// gdbBoard adapts pc.Machine to gdbstub.Board.
type gdbBoard struct {
	m   *pc.Machine
	res pc.Result
}

func (b *gdbBoard) CPUs() []*x86.CPU { return b.m.CPUs() }

func (b *gdbBoard) Run(ctx context.Context, d int64) (int, bool, error) {
	r, brk, done, err := b.m.DebugRun(ctx, d)
	if done {
		b.res = r
	}
	return brk, done, err
}

func (b *gdbBoard) Step(i int) (x86.StopReason, error) { return b.m.DebugStep(i) }

func (b *gdbBoard) Reset() { b.m.DebugReset() }

func (b *gdbBoard) Pause() { b.m.DebugPause() }

func (b *gdbBoard) RAM() []byte { return b.m.RAM() }
