package gdbstub

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
)

// maxNaks bounds how often one reply is resent to a client that keeps answering '-'.
const maxNaks = 16

// Server serves one gdb client at a time for a Target. Its state (whether the machine runs,
// the last stop) outlives connections: a client that disconnects leaves the machine running
// with every breakpoint it inserted removed, as gdb's detach does, and the next client
// stops it again on connecting.
type Server struct {
	t Target

	// Logf, if set, receives one line per connection event (not per packet).
	Logf func(format string, args ...any)

	mu     sync.Mutex
	closed chan struct{}
	once   sync.Once

	running  bool // Resume or Step was called and its stop has not arrived yet
	exited   bool
	last     Stop
	gCPU     int
	cCPU     int
	bps      map[Breakpoint]bool
	noAck    bool
	lastSent []byte
	naks     int
	replyDue bool // the client waits for a stop reply (it sent c, s or vCont)
	bpReason bool // the client takes swbreak/hwbreak stop reasons (qSupported)
}

// New returns a Server for t. The machine is assumed stopped (as with qemu's -S) until
// the first client resumes it, or running if running is true.
func New(t Target, running bool) *Server {
	return &Server{t: t, running: running, closed: make(chan struct{}), bps: map[Breakpoint]bool{},
		last: Stop{Kind: StopStep}} // what qemu reports for a machine that has not run: SIGTRAP
}

// conn is one client connection and the goroutine reading from it.
type conn struct {
	c      net.Conn
	w      *bufio.Writer
	events chan event
	done   chan struct{}
}

// Close stops Serve. The machine keeps whatever state it has.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closed) })
}

// Serve accepts clients on ln one at a time (a second client is turned away while one is
// connected) and returns when ln fails, Close is called or the machine exits.
func (s *Server) Serve(ln net.Listener) error {
	accepted := make(chan net.Conn)
	acceptErr := make(chan error, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				acceptErr <- err
				return
			}
			select {
			case accepted <- c:
			case <-s.closed:
				_ = c.Close()
				return
			}
		}
	}()
	var cur *conn
	defer func() {
		if cur != nil {
			s.drop(cur)
		}
	}()
	for {
		var events chan event
		if cur != nil {
			events = cur.events
		}
		select {
		case <-s.closed:
			return nil
		case err := <-acceptErr:
			select {
			case <-s.closed:
				return nil
			default:
			}
			return fmt.Errorf("gdbstub: accept: %w", err)
		case c := <-accepted:
			if cur != nil {
				s.logf("gdbstub: refusing a second client from %v", c.RemoteAddr())
				_ = c.Close()
				continue
			}
			cur = s.attach(c)
		case ev, ok := <-events:
			if !ok {
				s.logf("gdbstub: client disconnected")
				s.drop(cur)
				cur = nil
				continue
			}
			if !s.handleEvent(cur, ev) {
				s.drop(cur)
				cur = nil
			}
		case st := <-s.t.Stops():
			s.onStop(cur, st)
		}
		if s.exited {
			return nil
		}
	}
}

// attach starts serving a new client: the machine is stopped first, as qemu does.
func (s *Server) attach(c net.Conn) *conn {
	s.logf("gdbstub: client connected from %v", c.RemoteAddr())
	if s.running {
		s.t.Pause()
		s.waitStop()
	}
	s.noAck = false
	s.bpReason = false
	s.lastSent = nil
	s.naks = 0
	s.replyDue = false
	cc := &conn{c: c, w: bufio.NewWriter(c), events: make(chan event, 16), done: make(chan struct{})}
	go func() {
		defer close(cc.events)
		r := bufio.NewReader(c)
		for {
			ev, err := readEvent(r)
			if err != nil {
				return
			}
			select {
			case cc.events <- ev:
			case <-cc.done:
				return
			}
		}
	}()
	return cc
}

// waitStop waits for the stop of a running machine and records it.
func (s *Server) waitStop() {
	for s.running {
		select {
		case st := <-s.t.Stops():
			s.record(st)
		case <-s.closed:
			return
		}
	}
}

// record notes a stop event.
func (s *Server) record(st Stop) {
	s.running = false
	s.last = st
	if st.Kind == StopExited {
		s.exited = true
		return
	}
	if st.CPU >= 0 && st.CPU < s.t.NumCPUs() {
		s.gCPU, s.cCPU = st.CPU, st.CPU
	}
}

// drop ends a connection: breakpoints the client left are removed and the machine resumes
// (gdb's detach semantics), so a vanished debugger never leaves the guest frozen.
func (s *Server) drop(cc *conn) {
	close(cc.done)
	_ = cc.c.Close()
	for range cc.events { // let the reader goroutine finish
	}
	for bp := range s.bps {
		_ = s.t.SetBreakpoint(bp, false)
	}
	s.bps = map[Breakpoint]bool{}
	s.replyDue = false
	if !s.running && !s.exited {
		if err := s.t.Resume(); err == nil {
			s.running = true
		}
	}
}

// onStop handles a stop event that arrives in the main loop.
func (s *Server) onStop(cc *conn, st Stop) {
	s.record(st)
	if cc == nil {
		if !s.exited { // a stop nobody waits for (a race with a disconnect): keep running
			if err := s.t.Resume(); err == nil {
				s.running = true
			}
		}
		return
	}
	if s.replyDue || st.Kind == StopExited {
		s.replyDue = false
		s.send(cc, s.stopReply())
	}
}

// handleEvent handles one framing event; it returns false when the connection must end.
func (s *Server) handleEvent(cc *conn, ev event) bool {
	switch ev.kind {
	case evAck:
		s.naks = 0
		return true
	case evNak:
		if s.lastSent != nil && !s.noAck && s.naks < maxNaks {
			s.naks++
			return s.raw(cc, s.lastSent)
		}
		return true
	case evInterrupt:
		if s.running {
			s.t.Pause()
		}
		return true
	case evBad:
		if !s.noAck {
			return s.raw(cc, []byte("-"))
		}
		return true
	case evOversized:
		if !s.noAck && !s.raw(cc, []byte("+")) {
			return false
		}
		return s.send(cc, "E01")
	}
	if !s.noAck && !s.raw(cc, []byte("+")) {
		return false
	}
	reply, keep := s.handlePacket(ev.data)
	if reply != nil && !s.send(cc, *reply) {
		return false
	}
	return keep
}

// raw writes bytes to the client and flushes them.
func (s *Server) raw(cc *conn, b []byte) bool {
	if _, err := cc.w.Write(b); err != nil {
		return false
	}
	return cc.w.Flush() == nil
}

// send writes one packet.
func (s *Server) send(cc *conn, payload string) bool {
	f := frame([]byte(payload))
	s.lastSent = f
	s.naks = 0
	return s.raw(cc, f)
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

// errReply turns a Target error into a reply: empty for unsupported, E14 (EFAULT) otherwise.
func errReply(err error) string {
	if errors.Is(err, ErrUnsupported) {
		return ""
	}
	return "E14"
}

// DumpRegisters formats general registers one per line, for the fallback monitor command.
func DumpRegisters(w io.Writer, r [NumRegs]uint32) {
	for i, n := range regNames[:NumRegs] {
		fmt.Fprintf(w, "%-7s 0x%08x\n", n, r[i])
	}
}

// monitorHelp lists the monitor commands.
const monitorHelp = "help             list the monitor commands\n" +
	"info registers   registers of the selected CPU (with control and segment registers)\n" +
	"info cpus        every CPU's pc\n" +
	"info mem         the selected CPU's page mappings: ranges with u(ser), r, w(rite)\n" +
	"system_reset     reset the machine\n"

// monitor runs a qRcmd command.
func (s *Server) monitor(cmd string) (string, error) {
	cmd = strings.TrimSpace(cmd)
	if cmd == "help" || cmd == "" {
		return monitorHelp, nil
	}
	if m, ok := s.t.(Monitor); ok {
		return m.Monitor(s.gCPU, cmd)
	}
	if cmd == "info registers" {
		r, err := s.t.Registers(s.gCPU)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		DumpRegisters(&b, r)
		return b.String(), nil
	}
	return "", fmt.Errorf("unknown command %q (try help)", cmd)
}
