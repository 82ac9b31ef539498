package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"gemu/pc"
	"gemu/tui"
)

// tuiFront is the terminal screen front end of a run (the default display).
type tuiFront struct {
	ui   *tui.UI
	m    *pc.Machine  // set by runTUI before the UI starts
	link *monitorLink // the monitor's way to the machine (Ctrl-A m); nil with -gdb
}

// The UI is built before the machine (COM1's output must exist first), so it reaches the
// machine through tuiFront.

func (f *tuiFront) Screen(dst *[tui.Rows][tui.Cols]uint16) (int, int, bool) { return f.m.Screen(dst) }
func (f *tuiFront) SendScanCodes(codes []byte)                              { f.m.SendScanCodes(codes) }
func (f *tuiFront) SendSerial(b []byte)                                     { f.m.SendSerial(b) }

func (f *tuiFront) stats() tui.Stats { return machineStats(f.m) }

// machineStats is the board's figures as the status line takes them.
func machineStats(m *pc.Machine) tui.Stats {
	st := m.Stats()
	return tui.Stats{CPUs: st.CPUs, Instructions: st.Retired, VirtualTime: time.Duration(st.VirtualNS),
		DiskReads: st.DiskReads, DiskWrites: st.DiskWrites, Races: m.Races(), Stuck: m.Stuck() != nil}
}

// newTUIFront returns the screen front end when the options ask for a display (no
// -nographic, no -display none) and stdin and stdout are a terminal; otherwise nil, and the
// serial console on stdio stands in.
func newTUIFront(o *options, stdin *os.File, stdout io.Writer) *tuiFront {
	out, ok := stdout.(*os.File)
	if o.nographic || o.display == "none" || !ok || !isTerminal(int(stdin.Fd())) || !isTerminal(int(out.Fd())) {
		return nil
	}
	f := &tuiFront{}
	waiting := ""
	if o.freeze && o.gdb != "" {
		waiting = "waiting for gdb on " + o.gdb + " (-S): the guest starts when gdb continues"
	}
	opts := tui.Options{Stats: f.stats, Title: o.name, Waiting: waiting}
	if o.gdb == "" {
		opts.Monitor = func(line string) (string, bool) { return f.link.exec(line) }
	}
	opts.Save = func() (string, error) { return quickSave(f.m, o)() }
	f.ui = tui.New(f, opts)
	return f
}

// serial is where COM1 goes under the screen front end: its serial view (Ctrl-A c), and a
// -serial file:PATH as well.
func (f *tuiFront) serial(s *session, o *options) (io.Writer, error) {
	if strings.HasPrefix(o.serial, "file:") {
		w, err := s.create(strings.TrimPrefix(o.serial, "file:"))
		if err != nil {
			return nil, err
		}
		return io.MultiWriter(f.ui.SerialWriter(), w), nil
	}
	if o.serial == "null" || o.serial == "none" {
		return io.Discard, nil
	}
	return f.ui.SerialWriter(), nil
}

// run runs m with the screen front end and returns the exit status.
func (f *tuiFront) run(m *pc.Machine, o *options, syms *kernelSyms, stderr io.Writer) int {
	f.m = m
	if o.gdb == "" {
		f.link = newMonitorLink(m, syms, o.snapshotDir)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m.SetPace(true)

	var quit atomic.Bool
	uiDone := make(chan error, 1)
	go func() {
		err := f.ui.Run(ctx)
		if ctx.Err() == nil {
			quit.Store(err == nil) // Ctrl-A x
		}
		m.Stop()
		cancel()
		uiDone <- err
	}()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	var caught atomic.Int32
	go func() {
		for sig := range sigs {
			caught.Store(int32(sig.(syscall.Signal)))
			m.Stop()
			cancel()
		}
	}()

	r, err := f.runGuest(ctx, m, o)
	lingered := false
	stopped := r.Reason == pc.Halted || r.Reason == pc.TripleFault ||
		(o.noShutdown && (r.Reason == pc.PowerOff || r.Reason == pc.Reset))
	if err == nil && ctx.Err() == nil && stopped {
		// As qemu's window does, keep the last screen (often a kernel panic) up until the user
		// quits; the disks are written out first in case the terminal goes away instead.
		lingered = true
		if err = m.SyncDisks(); err == nil {
			f.ui.Stopped(r.Message)
			<-ctx.Done() // the UI quit (q, Ctrl-A x) or a signal came
		}
	}
	cancel()
	uiErr := <-uiDone // the terminal is restored once Run returns
	switch {
	case uiErr != nil:
		fmt.Fprintf(stderr, "gemu: %v\n", uiErr)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "gemu: %v\n", err)
		return 1
	case lingered:
	case quit.Load():
		fmt.Fprint(stderr, "gemu: terminated (Ctrl-A x)\n")
		return 0
	case caught.Load() != 0:
		fmt.Fprintf(stderr, "gemu: terminating on signal %d\n", caught.Load())
		return 0
	}
	switch r.Reason {
	case pc.PowerOff, pc.Reset, pc.Stopped:
		return 0
	case pc.DebugExit:
		return r.Status
	}
	fmt.Fprintf(stderr, "gemu: %s\n", r.Message)
	return r.Status
}

// runGuest runs the machine; a panic in it restores the terminal before it goes on up.
func (f *tuiFront) runGuest(ctx context.Context, m *pc.Machine, o *options) (r pc.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			f.ui.Close()
			panic(p)
		}
	}()
	if f.link != nil {
		r, err = f.link.run(ctx)
	} else {
		r, err = runGuest(ctx, m, o)
	}
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return r, err
}
