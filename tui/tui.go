// Package tui is Gemu's terminal front end: it shows the guest's 80x25 CGA text screen (or its
// serial console) in a terminal through tcell, turns key presses into PC scan codes or serial
// bytes, and keeps a status line. It knows nothing about the board: it talks to a Machine.
package tui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gdamore/tcell/v2"
)

// Rows and Cols are the size of the CGA text screen.
const (
	Rows = 25
	Cols = 80
)

// Machine is what the front end needs from the emulated PC. All methods must be safe to call
// from the UI goroutine while the machine runs on its own.
type Machine interface {
	// Screen copies the text buffer into dst (each cell is char | attr<<8) and returns the
	// CRTC cursor position and whether the cursor is shown.
	Screen(dst *[Rows][Cols]uint16) (row, col int, visible bool)
	// SendScanCodes queues set-1 scan codes for the 8042 keyboard controller.
	SendScanCodes(codes []byte)
	// SendSerial queues bytes for the guest's COM1 receiver.
	SendSerial(b []byte)
}

// Stats are the machine figures shown on the status line.
type Stats struct {
	CPUs         int           // virtual CPUs
	Instructions uint64        // instructions retired by all CPUs since power-on
	VirtualTime  time.Duration // guest uptime on the virtual clock
	DiskReads    uint64        // sectors read from all disks
	DiskWrites   uint64        // sectors written to all disks
	Races        int           // data races reported (-race)
	Stuck        bool          // the stuck-guest watchdog has reported the guest (Ctrl-A w shows why)
}

// Options configure the front end; the zero value is the default terminal UI.
type Options struct {
	Screen     tcell.Screen // terminal to draw on; nil opens the process's terminal
	Stats      func() Stats // figures for the status line; nil leaves them out
	NoStatus   bool         // start with the status line off (Ctrl-A s toggles it)
	FrameRate  int          // maximum frames per second; 0 means 60
	SerialView bool         // start on the serial console instead of the VGA screen
	Title      string       // the terminal window's title (qemu's -name); "" leaves it
	// Waiting is shown on the screen and the status line until the guest has run its first
	// instruction (by Stats), e.g. "waiting for gdb on :26000"; "" shows nothing.
	Waiting string
	// Monitor runs a monitor command line and returns its output; quit reports the quit
	// command. Ctrl-A m shows the monitor; nil means there is none.
	Monitor func(line string) (out string, quit bool)
	// Save saves a snapshot of the machine (Ctrl-A v) and returns a line saying where;
	// nil means snapshots cannot be saved.
	Save func() (string, error)
}

// view is what the 80x25 area shows.
type view int

const (
	viewVGA view = iota
	viewSerial
	viewMonitor // the monitor: its output and the line being typed
)

// UI is one running terminal front end.
type UI struct {
	m      Machine
	opts   Options
	serial *serialTerm

	mu        sync.Mutex // guards scr and closed against Close from other goroutines
	scr       tcell.Screen
	closed    bool
	closeOnce sync.Once

	view       view
	status     bool
	help       bool // the help overlay is up; the next key closes it
	pasting    bool // inside a bracketed paste: a line feed is Enter
	prefix     bool // Ctrl-A was typed; the next key is a command
	msg        string
	msgUntil   time.Time
	scroll     int // serial view: lines scrolled back from the bottom
	full       bool
	small      bool
	width      int
	height     int
	cur, prev  [Rows][Cols]uint16
	lines      [][]rune
	serialVer  uint64
	mon        *serialTerm // the monitor view's text
	monVer     uint64
	monLine    []byte // the monitor line being typed
	monBack    view   // the view Ctrl-A m returns to
	kbd, ser   []byte // input gathered from a burst of events, sent in one call
	lastCursor [3]int

	stopc   chan string // the machine stopped for good: the reason (Stopped)
	stopped bool        // the final screen stays up; only q and the Ctrl-A commands work
	stopMsg string

	waiting    string // Options.Waiting until the guest runs
	statusText string
	lastSample time.Time
	lastStats  Stats
	mips       float64
	diskBusy   bool
}

// New returns a front end for m; call Run to show it.
func New(m Machine, opts Options) *UI {
	if opts.FrameRate <= 0 {
		opts.FrameRate = 60
	}
	u := &UI{m: m, opts: opts, serial: newSerialTerm(), status: !opts.NoStatus, full: true,
		stopc: make(chan string, 1), waiting: opts.Waiting, mon: newSerialTerm()}
	if opts.SerialView {
		u.view = viewSerial
	}
	u.lines = make([][]rune, Rows)
	return u
}

// Run shows the machine in the terminal until ctx is cancelled or the user types Ctrl-A x,
// then restores the terminal. It returns nil in both cases (the caller knows whether it
// cancelled ctx), or an error if the terminal cannot be used.
func Run(ctx context.Context, m Machine, opts Options) error {
	return New(m, opts).Run(ctx)
}

// SerialWriter returns the writer that takes the guest's serial output for the serial view.
// It is safe for use from any goroutine and never blocks for long.
func (u *UI) SerialWriter() io.Writer { return u.serial }

// Close restores the terminal. It is safe to call from any goroutine, any number of times:
// the machine's goroutine can call it from a deferred recover before re-panicking, so that a
// crash never leaves the terminal in raw mode.
func (u *UI) Close() {
	u.closeOnce.Do(func() {
		u.mu.Lock()
		scr := u.scr
		u.closed = true
		u.mu.Unlock()
		if scr != nil {
			scr.Fini()
		}
	})
}

// Stopped tells the UI that the machine has stopped for good (a halt, a triple fault) and why.
// Like qemu's window, the UI then keeps showing the last screen, with reason on the status
// line, until the user quits with q or Ctrl-A x (Run returns nil) or ctx is cancelled; keys
// no longer reach the guest. Safe from any goroutine; only the first call counts.
func (u *UI) Stopped(reason string) {
	select {
	case u.stopc <- reason:
	default:
	}
}

// Run shows the machine until ctx is cancelled or the user quits; see the package-level Run.
func (u *UI) Run(ctx context.Context) error {
	scr := u.opts.Screen
	if scr == nil {
		var err error
		if scr, err = tcell.NewScreen(); err != nil {
			return fmt.Errorf("tui: open terminal: %w", err)
		}
	}
	if err := scr.Init(); err != nil {
		return fmt.Errorf("tui: set up terminal: %w", err)
	}
	u.mu.Lock()
	u.scr = scr
	closed := u.closed
	u.mu.Unlock()
	if closed {
		scr.Fini()
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			u.Close()
			panic(r)
		}
		u.Close()
	}()
	scr.EnablePaste()
	if u.opts.Title != "" {
		scr.SetTitle(u.opts.Title)
	}
	scr.SetStyle(tcell.StyleDefault)
	u.width, u.height = scr.Size()

	done := make(chan struct{})
	defer close(done)
	events := make(chan tcell.Event, 256)
	go pollEvents(scr, events, done)

	// While the guest's screen stays the same the frames slow down to idleFrame: an idle
	// guest should cost the host next to nothing. A change or a key brings the full rate back.
	frame := time.Second / time.Duration(u.opts.FrameRate)
	tick := time.NewTicker(frame)
	defer tick.Stop()
	quiet, slow := 0, false
	fast := func() {
		quiet = 0
		if slow {
			slow = false
			tick.Reset(frame)
		}
	}
	u.draw(time.Now())
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil // the screen was closed under us (Close from another goroutine)
			}
			quit := u.handle(ev)
			for !quit && len(events) > 0 { // take a burst (a paste) in one go
				ev, ok = <-events
				if !ok {
					break
				}
				quit = u.handle(ev)
			}
			u.flushInput()
			if quit {
				return nil
			}
			fast()
		case reason := <-u.stopc:
			u.stopped, u.stopMsg = true, reason
			u.prefix, u.msg = false, ""
			u.kbd, u.ser = nil, nil
			u.full = true
			u.draw(time.Now())
		case now := <-tick.C:
			if u.draw(now) {
				fast()
			} else if quiet++; quiet >= quietFrames && !slow && frame < idleFrame {
				slow = true
				tick.Reset(idleFrame)
			}
		}
	}
}

// After quietFrames frames without a change on the guest's screen, frames come every idleFrame.
const (
	quietFrames = 30
	idleFrame   = 100 * time.Millisecond
)

// pollEvents forwards terminal events; a full channel holds tcell's reader back, so a fast
// paste waits rather than losing keys.
func pollEvents(scr tcell.Screen, events chan<- tcell.Event, done <-chan struct{}) {
	defer close(events)
	for {
		ev := scr.PollEvent()
		if ev == nil {
			return
		}
		select {
		case events <- ev:
		case <-done:
			return
		}
	}
}

// flushInput hands the gathered keyboard and serial input to the machine. While the
// terminal is too small to show the guest, the input is held (the notice says so), so
// that nothing is typed unseen.
func (u *UI) flushInput() {
	if u.width < Cols || u.height < Rows {
		return
	}
	if len(u.kbd) > 0 {
		u.m.SendScanCodes(u.kbd)
		u.kbd = nil
	}
	if len(u.ser) > 0 {
		u.m.SendSerial(u.ser)
		u.ser = nil
	}
}

// handle processes one terminal event and reports whether the user asked to quit.
func (u *UI) handle(ev tcell.Event) bool {
	switch ev := ev.(type) {
	case *tcell.EventResize:
		u.width, u.height = ev.Size()
		u.full = true
		u.scr.Sync()
	case *tcell.EventPaste:
		u.pasting = ev.Start()
	case *tcell.EventKey:
		return u.key(ev)
	}
	return false
}

// key handles one key press: the Ctrl-A escape commands, else input for the guest.
func (u *UI) key(ev *tcell.EventKey) bool {
	if u.help {
		u.help = false
		u.full = true
		return false
	}
	isCtrlA := ctrlLetter(ev) == 'a'
	if u.prefix {
		u.prefix = false
		u.msg = ""
		if isCtrlA {
			if !u.stopped {
				u.send(ev) // Ctrl-A Ctrl-A types one Ctrl-A
			}
			return false
		}
		return u.command(ev)
	}
	if u.stopped && !isCtrlA {
		return ev.Key() == tcell.KeyRune && (ev.Rune() == 'q' || ev.Rune() == 'Q')
	}
	if isCtrlA {
		u.prefix = true
		u.note(escapePrompt(), time.Minute)
		return false
	}
	if u.view == viewMonitor {
		return u.monitorKey(ev)
	}
	u.send(ev)
	return false
}

// command runs the Ctrl-A command key ev and reports whether it is the quit command.
func (u *UI) command(ev *tcell.EventKey) bool {
	switch ev.Key() {
	case tcell.KeyPgUp:
		u.scrollBy(Rows - 1)
		return false
	case tcell.KeyPgDn:
		u.scrollBy(-(Rows - 1))
		return false
	case tcell.KeyUp:
		u.scrollBy(1)
		return false
	case tcell.KeyDown:
		u.scrollBy(-1)
		return false
	case tcell.KeyRune:
	default:
		u.note("unknown Ctrl-A command (Ctrl-A h for help)", 2*time.Second)
		return false
	}
	switch ev.Rune() {
	case 'x', 'X':
		return true
	case 'h', 'H', '?':
		u.help = true
		u.full = true
	case 'c', 'C':
		if u.view == viewMonitor {
			u.view = u.monBack
		}
		if u.view == viewVGA {
			u.view = viewSerial
			u.note("serial console (Ctrl-A c: back to VGA)", 2*time.Second)
		} else {
			u.view = viewVGA
			u.note("VGA screen (Ctrl-A c: serial console)", 2*time.Second)
		}
		u.scroll = 0
		u.full = true
	case 's', 'S':
		u.status = !u.status
		u.full = true
	case 'm', 'M':
		u.toggleMonitor()
	case 'v', 'V':
		u.save()
	case 'w', 'W':
		u.whyStuck()
	default:
		u.note("unknown Ctrl-A command (Ctrl-A h for help)", 2*time.Second)
	}
	return false
}

// save is Ctrl-A v: a snapshot, and its name (or what went wrong) on the status row.
func (u *UI) save() {
	if u.opts.Save == nil {
		u.note("no snapshots here", 3*time.Second)
		return
	}
	line, err := u.opts.Save()
	if err != nil {
		line = err.Error()
	}
	u.note(line, 5*time.Second)
}

// scrollBy moves the serial view n lines back (negative: forward).
func (u *UI) scrollBy(n int) {
	if u.view != viewSerial {
		u.note("scrolling works in the serial view (Ctrl-A c)", 2*time.Second)
		return
	}
	u.scroll += n
	if u.scroll < 0 {
		u.scroll = 0
	}
	u.full = true
}

// toggleMonitor is Ctrl-A m: the monitor view, or back to the view it came from.
func (u *UI) toggleMonitor() {
	switch {
	case u.opts.Monitor == nil:
		u.note("no monitor here (with -gdb, use gdb's monitor command)", 3*time.Second)
		return
	case u.view == viewMonitor:
		u.view = u.monBack
	default:
		if u.mon.version == 0 {
			fmt.Fprint(u.mon, "gemu monitor - type 'help' for more information (Ctrl-A m: back)\r\n(qemu) ")
		}
		u.monBack, u.view = u.view, viewMonitor
	}
	u.scroll = 0
	u.full = true
}

// whyStuck is Ctrl-A w: the monitor view, showing info stuck (the stuck-guest report of
// the machine as it is now).
func (u *UI) whyStuck() {
	if u.opts.Monitor == nil {
		u.note("no monitor here (with -gdb, use gdb's monitor command)", 3*time.Second)
		return
	}
	if u.view != viewMonitor {
		u.toggleMonitor()
	}
	if len(u.monLine) > 0 { // a line half typed is dropped, as Ctrl-C drops it in qemu
		u.monLine = u.monLine[:0]
		fmt.Fprint(u.mon, "\r\n(qemu) ")
	}
	out, _ := u.opts.Monitor("info stuck")
	fmt.Fprint(u.mon, "info stuck\r\n"+strings.ReplaceAll(out, "\n", "\r\n")+"(qemu) ")
}

// monitorKey is a key typed in the monitor view: line editing, Enter runs the line. It
// reports whether the line was quit.
func (u *UI) monitorKey(ev *tcell.EventKey) bool {
	switch {
	case ev.Key() == tcell.KeyEnter || ctrlLetter(ev) == 'j':
		out, quit := u.opts.Monitor(string(u.monLine))
		u.monLine = u.monLine[:0]
		if quit {
			return true
		}
		fmt.Fprint(u.mon, "\r\n"+strings.ReplaceAll(out, "\n", "\r\n")+"(qemu) ")
	case ev.Key() == tcell.KeyBackspace || ev.Key() == tcell.KeyBackspace2:
		if len(u.monLine) > 0 {
			u.monLine = u.monLine[:len(u.monLine)-1]
			fmt.Fprint(u.mon, "\b \b")
		}
	case ev.Key() == tcell.KeyRune && ev.Rune() >= 0x20 && ev.Rune() < 0x7f:
		u.monLine = append(u.monLine, byte(ev.Rune()))
		fmt.Fprintf(u.mon, "%c", ev.Rune())
	}
	return false
}

// send queues ev for the guest: scan codes in the VGA view, bytes in the serial view.
func (u *UI) send(ev *tcell.EventKey) {
	if u.pasting && ctrlLetter(ev) == 'j' {
		ev = tcell.NewEventKey(tcell.KeyEnter, 0, tcell.ModNone) // a pasted "\n"
	}
	if u.view == viewSerial {
		if u.scroll > 0 { // typing shows the bottom, where the guest answers
			u.scroll = 0
			u.full = true
		}
		u.ser, _ = appendSerialBytes(u.ser, ev)
		return
	}
	u.kbd, _ = appendScanCodes(u.kbd, ev)
}

// note shows a message on the status row for d.
func (u *UI) note(s string, d time.Duration) {
	u.msg = s
	u.msgUntil = time.Now().Add(d)
}
