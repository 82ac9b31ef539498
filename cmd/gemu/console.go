package main

import (
	"fmt"
	"io"
	"sync/atomic"
)

// ctrlA is the escape key of qemu's stdio multiplexer.
const ctrlA = 0x01

const muxHelp = "\n" +
	"Ctrl-A h    this help\n" +
	"Ctrl-A x    quit gemu (disks are already written through)\n" +
	"Ctrl-A s    flush the disk images to stable storage\n" +
	"Ctrl-A c    the monitor (not available in gemu)\n" +
	"Ctrl-A Ctrl-A  type a Ctrl-A into the guest\n"

// guest is the part of the machine the console talks to.
type guest interface {
	SendSerial(b []byte)
	Stop()
}

// mux splits the stdin byte stream between the guest's serial port and the Ctrl-A
// commands, as qemu's mon:stdio does.
type mux struct {
	g       guest
	msg     io.Writer // where command messages go (the console)
	escaped bool
	quit    atomic.Bool // Ctrl-A x seen
	sync    func() error
}

// feed processes input bytes.
func (x *mux) feed(b []byte) {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if x.quit.Load() {
			break
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
			fmt.Fprint(x.msg, "\ngemu: no monitor is available (Ctrl-A h for help)\n")
		case 's', 'S':
			if x.sync != nil {
				if err := x.sync(); err != nil {
					fmt.Fprintf(x.msg, "\ngemu: %v\n", err)
				}
			}
		default:
			// Other commands of qemu's multiplexer do not apply; the key is dropped as qemu does.
		}
	}
	if len(out) > 0 {
		x.g.SendSerial(out)
	}
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
