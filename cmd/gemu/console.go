package main

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"gemu/monitor"
	"gemu/tui"
)

// ctrlA is the escape key of qemu's stdio multiplexer.
const ctrlA = 0x01

// muxHelp is Ctrl-A h: the one table of Ctrl-A keys, as the -nographic console has them.
var muxHelp = "\n" + strings.Join(tui.EscapeHelp(true), "\n") + "\n"

// guest is the part of the machine the console talks to.
type guest interface {
	SendSerial(b []byte)
	Stop()
}

// mux splits the stdin byte stream between the guest's serial port and the Ctrl-A
// commands, as qemu's mon:stdio does.
type mux struct {
	g       guest
	msg     io.Writer              // where command messages go (the console)
	status  func() string          // the status line for Ctrl-A s; nil leaves it out
	save    func() (string, error) // Ctrl-A v: save a snapshot, say where; nil: none
	escaped bool
	csi     int         // after Ctrl-A ESC: 1 until '[', then 2 until the sequence's final byte
	quit    atomic.Bool // Ctrl-A x seen

	// The monitor, on Ctrl-A c: nil when there is none (with -gdb, whose monitor command
	// serves instead). Its lines are typed and echoed on con, the console.
	monitor   func(line string) (out string, quit bool)
	con       io.Writer
	inMonitor bool
	line      []byte // the monitor line being typed
	lastCR    bool   // the previous monitor byte was \r (a \n after it is the same Enter)
}

// monitorByte is one byte typed at the monitor: line editing, Enter runs the line. It
// reports whether the line was quit.
func (x *mux) monitorByte(c byte) bool {
	cr := x.lastCR
	x.lastCR = c == '\r'
	switch {
	case c == '\n' && cr:
	case c == '\r' || c == '\n':
		out, quit := x.monitor(string(x.line))
		x.line = x.line[:0]
		if quit {
			fmt.Fprint(x.con, "\n")
			return true
		}
		fmt.Fprint(x.con, "\n"+out+monitor.Prompt)
	case c == 0x7f || c == 0x08:
		if len(x.line) > 0 {
			x.line = x.line[:len(x.line)-1]
			fmt.Fprint(x.con, "\b \b")
		}
	case c >= 0x20 && c < 0x7f:
		x.line = append(x.line, c)
		fmt.Fprintf(x.con, "%c", c)
	}
	return false
}

// feed processes input bytes.
func (x *mux) feed(b []byte) {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if x.quit.Load() {
			break
		}
		if x.csi != 0 {
			// The rest of a key's escape sequence typed after Ctrl-A (PgUp is ESC [ 5 ~):
			// the terminal keeps its own scrollback, so the whole key is dropped.
			switch {
			case x.csi == 1 && (c == '[' || c == 'O'):
				x.csi = 2
				continue
			case x.csi == 2 && (c < 0x40 || c > 0x7E):
				continue
			case x.csi == 2:
				x.csi = 0
				continue
			}
			x.csi = 0 // a lone ESC: c is an ordinary byte
		}
		if !x.escaped {
			switch {
			case c == ctrlA:
				x.escaped = true
			case x.inMonitor:
				if x.monitorByte(c) {
					x.quitNow(out)
					out = out[:0]
				}
			default:
				out = append(out, c)
			}
			continue
		}
		x.escaped = false
		switch c {
		case ctrlA:
			out = append(out, ctrlA)
		case 'x', 'X':
			x.quitNow(out)
			out = out[:0]
		case 'h', 'H', '?':
			fmt.Fprint(x.msg, muxHelp)
		case 'c', 'C', 'm', 'M':
			x.toggleMonitor()
		case 'w', 'W':
			x.whyStuck()
		case 's', 'S':
			if x.status != nil {
				fmt.Fprintf(x.msg, "\n%s\n", x.status())
			}
		case 'v', 'V':
			if len(out) > 0 { // typed before: to the guest (not in the snapshot until the guest takes it)
				x.g.SendSerial(out)
				out = out[:0]
			}
			x.saveNow()
		case 0x1B:
			x.csi = 1
		default:
			// Other commands of qemu's multiplexer do not apply; the key is dropped as qemu does.
		}
	}
	if len(out) > 0 {
		x.g.SendSerial(out)
	}
}

// saveNow is Ctrl-A v: a snapshot, and a line on the console saying where it went.
func (x *mux) saveNow() {
	if x.save == nil {
		fmt.Fprint(x.msg, "\ngemu: no snapshots here\n")
		return
	}
	line, err := x.save()
	if err != nil {
		fmt.Fprintf(x.msg, "\ngemu: %v\n", err)
		return
	}
	fmt.Fprintf(x.msg, "\ngemu: %s\n", line)
}

// toggleMonitor is Ctrl-A c or m: the monitor, or back to the serial console.
func (x *mux) toggleMonitor() {
	switch {
	case x.monitor == nil:
		fmt.Fprint(x.msg, "\ngemu: no monitor here (with -gdb, use gdb's monitor command) (Ctrl-A h for help)\n")
	case x.inMonitor:
		x.inMonitor = false
		fmt.Fprint(x.con, "\n")
	default:
		x.inMonitor, x.line = true, x.line[:0]
		fmt.Fprint(x.con, "\ngemu monitor - type 'help' for more information (Ctrl-A c: back to the console)\n"+monitor.Prompt)
	}
}

// whyStuck is Ctrl-A w: the monitor's info stuck, printed on the console.
func (x *mux) whyStuck() {
	if x.monitor == nil {
		fmt.Fprint(x.msg, "\ngemu: no monitor here (with -gdb, use gdb's monitor command) (Ctrl-A h for help)\n")
		return
	}
	out, _ := x.monitor("info stuck")
	fmt.Fprint(x.msg, "\n"+out)
}

// quitNow is Ctrl-A x (or the monitor's quit): the input before it goes to the guest,
// then the machine stops.
func (x *mux) quitNow(pending []byte) {
	if len(pending) > 0 {
		x.g.SendSerial(pending)
	}
	x.quit.Store(true)
	x.g.Stop()
}

// pumpThen is pump, then closes done.
func pumpThen(r io.Reader, feed func([]byte), done chan struct{}) {
	pump(r, feed)
	close(done)
}

// pump copies r into the console until EOF or a read error.
func pump(r io.Reader, feed func([]byte)) {
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			feed(buf[:n])
		}
		if err != nil {
			return
		}
	}
}
