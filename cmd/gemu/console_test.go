package main

import (
	"bytes"
	"strings"
	"testing"

	"gemu/tui"
)

// fakeGuest records what the console multiplexer sends.
type fakeGuest struct {
	serial  []byte
	stopped bool
}

func (g *fakeGuest) SendSerial(b []byte) { g.serial = append(g.serial, b...) }
func (g *fakeGuest) Stop()               { g.stopped = true }

// TestMuxKeys checks the -nographic Ctrl-A keys against the one table the screen uses.
func TestMuxKeys(t *testing.T) {
	g := &fakeGuest{}
	var msg bytes.Buffer
	x := &mux{g: g, msg: &msg, status: func() string { return " serial | 1 CPU | Ctrl-A h: help" }}
	x.feed([]byte("ls\x01\x01 \x01h"))
	for _, l := range tui.EscapeHelp(true) {
		if !strings.Contains(msg.String(), l) {
			t.Errorf("Ctrl-A h lacks %q:\n%s", l, &msg)
		}
	}
	msg.Reset()
	x.feed([]byte("\x01s"))
	if msg.String() != "\n serial | 1 CPU | Ctrl-A h: help\n" {
		t.Errorf("Ctrl-A s printed %q", &msg)
	}
	msg.Reset()
	x.feed([]byte("\x01c"))
	if !strings.Contains(msg.String(), "no monitor here") {
		t.Errorf("Ctrl-A c printed %q", &msg)
	}
	// Ctrl-A PgUp (ESC [ 5 ~) and Ctrl-A Up (ESC O A) are dropped whole; a bare ESC
	// after Ctrl-A is dropped as the unknown command, the next byte goes through.
	x.feed([]byte("a\x01\x1b[5~b\x01\x1bOAc\x01\x1bd"))
	if x.feed([]byte("\x01q")); string(g.serial) != "ls\x01 abcd" {
		t.Errorf("guest got %q, want %q", g.serial, "ls\x01 abcd")
	}
	x.feed([]byte("e\x01xf"))
	if !g.stopped || !x.quit.Load() || string(g.serial) != "ls\x01 abcde" {
		t.Errorf("Ctrl-A x: stopped %v, quit %v, guest got %q", g.stopped, x.quit.Load(), g.serial)
	}
}

// TestMuxMonitor: Ctrl-A c opens the monitor, whose lines are echoed and edited on the
// console and run on Enter (\r\n is one Enter); Ctrl-A c goes back, and quit quits.
func TestMuxMonitor(t *testing.T) {
	g := &fakeGuest{}
	var con, msg bytes.Buffer
	var lines []string
	x := &mux{g: g, msg: &msg, con: &con, monitor: func(l string) (string, bool) {
		lines = append(lines, l)
		return "out:" + l + "\n", l == "quit"
	}}
	x.feed([]byte("a\x01cinfo cpuz\x7fs\r\nstop\r\x01cb"))
	if strings.Join(lines, "|") != "info cpus|stop" {
		t.Errorf("monitor ran %q", lines)
	}
	if string(g.serial) != "ab" {
		t.Errorf("guest got %q, want ab", g.serial)
	}
	if !strings.Contains(con.String(), "(qemu) info cpuz\b \bs\nout:info cpus\n(qemu) ") {
		t.Errorf("console shows %q", con.String())
	}
	x.feed([]byte("\x01cquit\rafter"))
	if !x.quit.Load() || !g.stopped || string(g.serial) != "ab" {
		t.Errorf("quit: quit %v, stopped %v, guest got %q", x.quit.Load(), g.stopped, g.serial)
	}
}
