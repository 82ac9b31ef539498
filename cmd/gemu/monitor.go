package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"

	"gemu/monitor"
	"gemu/pc"
)

// monitorLink runs the machine so that the monitor's commands see it stopped: a command
// pauses the machine at a round boundary (pc.Machine.DebugPause), runs, and the machine
// goes on unless the monitor's stop holds it.
type monitorLink struct {
	m    *pc.Machine
	mon  *monitor.Monitor
	reqs chan monitorReq
	done chan struct{} // closed when the machine's run has ended
}

// monitorReq is one command line and where its output goes.
type monitorReq struct {
	line  string
	reply chan monitorReply
}

type monitorReply struct {
	out  string
	quit bool
}

// pcBoard adapts pc.Machine to monitor.Machine, monitor.StuckReporter and
// monitor.Snapshots.
type pcBoard struct {
	*pc.Machine
	syms    *kernelSyms
	snapDir string // -snapshot-dir
}

// StuckText is the monitor's info stuck: the machine described as the stuck-guest
// watchdog describes a stuck guest.
func (b pcBoard) StuckText() string { return b.StuckReport(b.syms.get()).Text }

// Reset resets the machine as the guest's own reset does.
func (b pcBoard) Reset() { b.DebugReset() }

// SaveVM is savevm: the snapshot goes to the snapshot directory.
func (b pcBoard) SaveVM(name string) (string, error) {
	path, err := snapshotPath(b.snapDir, name)
	if err != nil {
		return "", err
	}
	return saveVM(b.Machine, path)
}

// LoadVM is loadvm: the machine goes back to the snapshot's state.
func (b pcBoard) LoadVM(name string) error {
	path, err := snapshotPath(b.snapDir, name)
	if err != nil {
		return err
	}
	snap, err := pc.LoadSnapshot(path)
	if err != nil {
		return err
	}
	defer snap.Close()
	return b.Restore(snap)
}

func newMonitorLink(m *pc.Machine, syms *kernelSyms, snapDir string) *monitorLink {
	return &monitorLink{m: m, mon: monitor.New(pcBoard{m, syms, snapDir}), reqs: make(chan monitorReq, 1), done: make(chan struct{})}
}

// exec runs one monitor command line with the machine paused and returns its output;
// quit reports the quit command. Safe from any goroutine but the run's.
func (l *monitorLink) exec(line string) (string, bool) {
	req := monitorReq{line: line, reply: make(chan monitorReply, 1)}
	select {
	case l.reqs <- req:
	case <-l.done:
		return "the machine has stopped\n", false
	}
	l.m.DebugPause()
	select {
	case r := <-req.reply:
		return r.out, r.quit
	case <-l.done:
		return "the machine has stopped\n", false
	}
}

// run runs the machine until it stops for good or ctx ends, serving monitor commands
// between rounds.
func (l *monitorLink) run(ctx context.Context) (pc.Result, error) {
	defer close(l.done)
	for {
		r, done, err := l.m.RunFor(ctx, math.MaxInt64)
		if done || err != nil {
			return r, err
		}
		// Paused: serve the waiting commands, and wait for more while stop holds the guest.
		for {
			select {
			case req := <-l.reqs:
				l.serve(req)
				continue
			case <-ctx.Done():
				return pc.Result{Reason: pc.Stopped, Message: "stopped: " + ctx.Err().Error()}, nil
			default:
			}
			if !l.mon.Stopped() {
				break
			}
			select {
			case req := <-l.reqs:
				l.serve(req)
			case <-ctx.Done():
				return pc.Result{Reason: pc.Stopped, Message: "stopped: " + ctx.Err().Error()}, nil
			}
		}
	}
}

// serve runs one command; the machine is not running.
func (l *monitorLink) serve(req monitorReq) {
	out, quit := l.mon.Exec(req.line)
	req.reply <- monitorReply{out, quit}
}

// serveStdio is -monitor stdio: command lines from r, output and prompts to w, until the
// monitor's quit (which quits as Ctrl-A x does, through x) or the end of r.
func (l *monitorLink) serveStdio(r io.Reader, w io.Writer, x *mux) {
	fmt.Fprint(w, "gemu monitor - type 'help' for more information\n"+monitor.Prompt)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		out, quit := l.exec(sc.Text())
		if quit {
			x.quitNow(nil)
			return
		}
		fmt.Fprint(w, out+monitor.Prompt)
	}
}
