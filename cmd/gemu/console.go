package main

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"

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
	msg     io.Writer     // where command messages go (the console)
	status  func() string // the status line for Ctrl-A s; nil leaves it out
	escaped bool
	csi     int         // after Ctrl-A ESC: 1 until '[', then 2 until the sequence's final byte
	quit    atomic.Bool // Ctrl-A x seen
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
			if c == ctrlA {
				x.escaped = true
			} else {
				out = append(out, c)
			}
			continue
		}
		x.escaped = false
		switch c {
		case ctrlA:
			out = append(out, ctrlA)
		case 'x', 'X':
			if len(out) > 0 {
				x.g.SendSerial(out)
				out = out[:0]
			}
			x.quit.Store(true)
			x.g.Stop()
		case 'h', 'H', '?':
			fmt.Fprint(x.msg, muxHelp)
		case 'c', 'C':
			fmt.Fprint(x.msg, "\ngemu: -nographic has only the serial console: no VGA view, and no monitor (Ctrl-A h for help)\n")
		case 's', 'S':
			if x.status != nil {
				fmt.Fprintf(x.msg, "\n%s\n", x.status())
			}
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
