package gdbstub

import (
	"bufio"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// client is a scripted gdb: it frames packets, checks acks and reads replies.
type client struct {
	t     *testing.T
	c     net.Conn
	r     *bufio.Reader
	noAck bool
}

// startServer serves f on a loopback port and returns the address and the server.
func startServer(t *testing.T, f *fake, running bool) (string, *Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(f, running)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		_ = ln.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("Serve did not return after Close")
		}
	})
	return ln.Addr().String(), s
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &client{t: t, c: c, r: bufio.NewReader(c)}
}

func (c *client) write(s string) {
	c.t.Helper()
	if _, err := c.c.Write([]byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// readByte reads one byte or fails the test.
func (c *client) readByte() byte {
	c.t.Helper()
	b, err := c.r.ReadByte()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return b
}

// expectAck reads the stub's '+' for a packet.
func (c *client) expectAck() {
	c.t.Helper()
	if c.noAck {
		return
	}
	if b := c.readByte(); b != '+' {
		c.t.Fatalf("got %q, want ack", b)
	}
}

// readPacket reads one framed reply, checks its checksum, acks it and unescapes it.
func (c *client) readPacket() string {
	c.t.Helper()
	for c.readByte() != '$' {
	}
	var body []byte
	var sum byte
	for {
		b := c.readByte()
		if b == '#' {
			break
		}
		sum += b
		body = append(body, b)
	}
	ck := string([]byte{c.readByte(), c.readByte()})
	if ck != fmt.Sprintf("%02x", sum) {
		c.t.Fatalf("bad checksum %s on %q", ck, body)
	}
	if !c.noAck {
		c.write("+")
	}
	out, err := unescapeBinary(body)
	if err != nil {
		c.t.Fatal(err)
	}
	return string(out)
}

// cmd sends a packet and returns the reply.
func (c *client) cmd(p string) string {
	c.t.Helper()
	c.write(string(frame([]byte(p))))
	c.expectAck()
	return c.readPacket()
}

// expect sends a packet and checks the reply.
func (c *client) expect(p, want string) {
	c.t.Helper()
	if got := c.cmd(p); got != want {
		c.t.Errorf("%s: got %q, want %q", p, got, want)
	}
}

func TestQueries(t *testing.T) {
	f := newFake(2)
	addr, _ := startServer(t, f, false)
	c := dial(t, addr)
	sup := c.cmd("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386")
	for _, w := range []string{"PacketSize=4000", "qXfer:features:read+", "QStartNoAckMode+"} {
		if !strings.Contains(sup, w) {
			t.Errorf("qSupported reply %q lacks %s", sup, w)
		}
	}
	c.expect("?", "T05thread:1;")
	c.expect("qfThreadInfo", "m1,2")
	c.expect("qsThreadInfo", "l")
	c.expect("qC", "QC1")
	c.expect("qAttached", "1")
	c.expect("qOffsets", "")
	c.expect("qThreadExtraInfo,2", hex.EncodeToString([]byte("CPU 1")))
	c.expect("qThreadExtraInfo,3", "E22")
	c.expect("T2", "OK")
	c.expect("T3", "E22")
	c.expect("T0", "E22")
	c.expect("Hg2", "OK")
	c.expect("qC", "QC2")
	c.expect("Hg9", "E22")
	c.expect("Hc-1", "OK")
	c.expect("vCont?", "vCont;c;C;s;S;t")
	c.expect("vMustReplyEmpty", "")
	c.expect("jUnknownThing:1", "")
	c.expect("qSymbol::", "OK")
}

func TestTargetXML(t *testing.T) {
	f := newFake(1)
	addr, _ := startServer(t, f, false)
	c := dial(t, addr)
	var doc strings.Builder
	for off := 0; ; {
		r := c.cmd(fmt.Sprintf("qXfer:features:read:target.xml:%x,%x", off, 0x100))
		if r == "" || (r[0] != 'm' && r[0] != 'l') {
			t.Fatalf("qXfer reply %q", r)
		}
		doc.WriteString(r[1:])
		off += len(r) - 1
		if r[0] == 'l' {
			break
		}
	}
	var tgt struct {
		Arch    string `xml:"architecture"`
		Feature []struct {
			Name string `xml:"name,attr"`
			Regs []struct {
				Name    string `xml:"name,attr"`
				Bitsize int    `xml:"bitsize,attr"`
			} `xml:"reg"`
		} `xml:"feature"`
	}
	if err := xml.Unmarshal([]byte(doc.String()), &tgt); err != nil {
		t.Fatalf("target.xml does not parse: %v\n%s", err, doc.String())
	}
	if tgt.Arch != "i386" || len(tgt.Feature) != 1 || tgt.Feature[0].Name != "org.gnu.gdb.i386.core" {
		t.Fatalf("target.xml: arch %q features %+v", tgt.Arch, tgt.Feature)
	}
	regs := tgt.Feature[0].Regs
	if len(regs) != 32 || regs[0].Name != "eax" || regs[8].Name != "eip" || regs[15].Name != "gs" ||
		regs[16].Bitsize != 80 || regs[31].Name != "fop" {
		t.Errorf("registers: %+v", regs)
	}
	c.expect("qXfer:features:read:other.xml:0,10", "E00")
	c.expect("qXfer:features:read:target.xml:zz", "E00")
	c.expect(fmt.Sprintf("qXfer:features:read:target.xml:%x,10", len(targetXML)+5), "l")
}

func TestRegisters(t *testing.T) {
	f := newFake(2)
	addr, _ := startServer(t, f, false)
	c := dial(t, addr)
	g := c.cmd("g")
	if len(g) != 2*(16*4+8*10+8*4) {
		t.Fatalf("g reply has %d hex digits", len(g))
	}
	if g[:8] != "11111111" || g[8*8:9*8] != "00200000" || g[10*8:11*8] != "08000000" {
		t.Errorf("g reply starts %q", g[:96])
	}
	c.expect("p8", "00200000")
	c.expect("p18", "7f030000") // fctrl
	c.expect("p10", strings.Repeat("0", 20))
	c.expect("p20", "E22")
	c.expect("pzz", "E22")
	c.expect("P0=78563412", "OK")
	c.expect("p0", "78563412")
	c.expect("P10=00000000000000000000", "OK") // x87: accepted, dropped
	c.expect("P0=1234", "E22")
	c.expect("Pnothing", "E22")
	c.expect("Hg2", "OK")
	c.expect("p0", "22222222")
	regs := strings.Repeat("01000000", 16)
	c.expect("G"+regs, "OK")
	if r, _ := f.Registers(1); r[RegEIP] != 1 || r[RegGS] != 1 {
		t.Errorf("G did not write CPU 1: %x", r)
	}
	if r, _ := f.Registers(0); r[RegEAX] != 0x12345678 {
		t.Errorf("CPU 0 EAX %#x", r[RegEAX])
	}
	c.expect("G0102", "E22")
	c.expect("Gxx", "E22")
}

func TestMemory(t *testing.T) {
	f := newFake(1)
	addr, _ := startServer(t, f, false)
	c := dial(t, addr)
	want := hex.EncodeToString(f.mem[0x10:0x14])
	c.expect("m1010,4", want)
	c.expect("m10,4", "E14")
	c.expect("m1010", "E22")
	c.expect("M1020,3:aabbcc", "OK")
	c.expect("m1020,3", "aabbcc")
	c.expect("M1020,3:aabb", "E22")
	c.expect("M10,1:00", "E14")
	// X: binary with the escaped bytes '#', '$', '}' and '*'.
	data := []byte{'#', 0, '$', '}', '*', 0xff}
	var esc []byte
	for _, b := range data {
		if b == '#' || b == '$' || b == '}' || b == '*' {
			esc = append(esc, '}', b^0x20)
		} else {
			esc = append(esc, b)
		}
	}
	c.write(rawFrame("X1030,6:" + string(esc)))
	c.expectAck()
	if r := c.readPacket(); r != "OK" {
		t.Errorf("X: %q", r)
	}
	c.expect("m1030,6", hex.EncodeToString(data))
	c.expect("X1030,0:", "OK")
	c.expect("X1030,2:}", "E22")
	// A huge read is cut to what fits in a packet, never allocated whole.
	if r := c.cmd("m1000,ffffffff"); len(r) != 2*maxMemRead {
		t.Errorf("huge read: %d hex digits", len(r))
	}
}

func TestStepAndContinue(t *testing.T) {
	f := newFake(2)
	addr, _ := startServer(t, f, false)
	c := dial(t, addr)
	c.expect("s", "T05thread:1;")
	if r, _ := f.Registers(0); r[RegEIP] != 0x2001 {
		t.Errorf("after s EIP=%#x", r[RegEIP])
	}
	c.expect("vCont;s:2;c", "T05thread:2;")
	if r, _ := f.Registers(1); r[RegEIP] != 0x2101 {
		t.Errorf("after vCont;s:2 CPU 1 EIP=%#x", r[RegEIP])
	}
	if r, _ := f.Registers(0); r[RegEIP] != 0x2001 {
		t.Errorf("stepping CPU 1 moved CPU 0 to %#x", r[RegEIP])
	}
	c.expect("s2100", "T05thread:2;") // s with an address steps the continue thread (2 now)
	if r, _ := f.Registers(1); r[RegEIP] != 0x2101 {
		t.Errorf("s2100: CPU 1 EIP=%#x", r[RegEIP])
	}
	c.expect("Z0,2010,1", "OK")
	c.expect("Z0,2010,1", "OK") // twice is fine
	c.expect("c", "T05thread:1;")
	if r, _ := f.Registers(0); r[RegEIP] != 0x2010 {
		t.Errorf("stopped at %#x, want the breakpoint 0x2010", r[RegEIP])
	}
	c.expect("z0,2010,1", "OK")
	c.expect("z0,2010,1", "OK")
	c.expect("Z1,2120,1", "OK")
	c.expect("vCont;c", "T05thread:2;")
	c.expect("z1,2120,1", "OK")
	c.expect("Z9,2120,1", "")
	c.expect("Z0,zz,1", "E22")
	c.expect("Z0", "E22")
	c.expect("vCont;x", "E22")
	c.expect("vCont;s:9", "E22")
	c.expect("C05;zz", "E22") // a bad address
	if len(f.bps) != 0 {
		t.Errorf("breakpoints left: %v", f.bps)
	}
}

func TestWatchpoints(t *testing.T) {
	f := newFake(1)
	f.writes[0x2005] = 0x1800
	f.reads[0x2009] = 0x1900
	f.writes[0x2011] = 0x1a02
	addr, _ := startServer(t, f, false)
	c := dial(t, addr)
	c.expect("Z2,1800,4", "OK")
	c.expect("Z3,1900,4", "OK")
	c.expect("Z4,1a00,4", "OK")
	c.expect("c", "T05watch:1800;thread:1;")
	c.expect("c", "T05rwatch:1900;thread:1;")
	c.expect("c", "T05awatch:1a02;thread:1;")
	c.expect("Z2,1800,0", "E22")
	c.expect("Z2,1800,10", "E14") // the target refuses it
}

func TestInterrupt(t *testing.T) {
	f := newFake(2)
	addr, _ := startServer(t, f, false)
	c := dial(t, addr)
	c.write(string(frame([]byte("c"))))
	c.expectAck()
	for !f.isRunning() {
		time.Sleep(time.Millisecond)
	}
	c.expect("g", "E16") // refused while running
	c.write("\x03")
	if r := c.readPacket(); r != "T02thread:1;" {
		t.Fatalf("after ^C: %q", r)
	}
	c.write("\x03") // stopped: ignored
	c.expect("?", "T02thread:1;")
	c.expect("m1010,1", hex.EncodeToString(f.mem[0x10:0x11]))
}

func TestMonitor(t *testing.T) {
	f := newFake(2)
	addr, _ := startServer(t, f, false)
	c := dial(t, addr)
	mon := func(cmd string) string {
		r := c.cmd("qRcmd," + hex.EncodeToString([]byte(cmd)))
		if r == "OK" {
			return ""
		}
		out, err := hex.DecodeString(r)
		if err != nil {
			t.Fatalf("monitor %s: reply %q", cmd, r)
		}
		return string(out)
	}
	if h := mon("help"); !strings.Contains(h, "info registers") || !strings.Contains(h, "system_reset") {
		t.Errorf("help: %q", h)
	}
	c.expect("Hg2", "OK")
	if r := mon("info registers"); !strings.Contains(r, "CPU 1 EAX=22222222") {
		t.Errorf("info registers: %q", r)
	}
	mon("system_reset")
	if f.resets != 1 {
		t.Errorf("resets=%d", f.resets)
	}
	if r := mon("frobnicate"); !strings.Contains(r, "unknown command") {
		t.Errorf("unknown monitor command: %q", r)
	}
	c.expect("qRcmd,zz", "E22")
}

// A target without Monitor still answers info registers from the general registers.
type plainTarget struct{ *fake }

func (p plainTarget) Monitor() {}

func TestMonitorFallback(t *testing.T) {
	s := New(struct{ Target }{newFake(1)}, false)
	out, err := s.monitor("info registers")
	if err != nil || !strings.Contains(out, "eax     0x11111111") || !strings.Contains(out, "eip     0x00002000") {
		t.Errorf("fallback info registers: %q %v", out, err)
	}
	if _, err := s.monitor("system_reset"); err == nil {
		t.Errorf("system_reset without support succeeded")
	}
}

func TestNoAckMode(t *testing.T) {
	f := newFake(1)
	addr, _ := startServer(t, f, false)
	c := dial(t, addr)
	c.expect("QStartNoAckMode", "OK")
	c.noAck = true
	c.expect("qC", "QC1")
	c.write("$qC#00") // bad checksum: dropped silently in no-ack mode
	c.expect("p8", "00200000")
}

func TestBadChecksumAndResend(t *testing.T) {
	f := newFake(1)
	addr, _ := startServer(t, f, false)
	c := dial(t, addr)
	c.write("$qC#00")
	if b := c.readByte(); b != '-' {
		t.Fatalf("bad checksum answered %q", b)
	}
	c.write("$qC#zz")
	if b := c.readByte(); b != '-' {
		t.Fatalf("malformed checksum answered %q", b)
	}
	// Send a good packet, NAK the reply: the stub sends it again.
	c.write(string(frame([]byte("qC"))))
	c.expectAck()
	first := readRaw(c)
	c.write("-")
	if again := readRaw(c); again != first {
		t.Errorf("resent %q, first %q", again, first)
	}
	c.write("+")
	// A '$' inside a packet restarts it.
	c.write("$qAtt$" + string(frame([]byte("qAttached")))[1:])
	c.expectAck()
	if r := c.readPacket(); r != "1" {
		t.Errorf("after resync: %q", r)
	}
	// Garbage between packets is skipped.
	c.write("garbage")
	c.expect("qC", "QC1")
}

// readRaw reads one framed packet without acking it.
func readRaw(c *client) string {
	var b []byte
	for {
		x := c.readByte()
		if len(b) == 0 && x != '$' {
			continue
		}
		b = append(b, x)
		if len(b) >= 3 && b[len(b)-3] == '#' {
			return string(b)
		}
	}
}

func TestOversizedPacket(t *testing.T) {
	f := newFake(1)
	addr, _ := startServer(t, f, false)
	c := dial(t, addr)
	big := "M1000,10:" + strings.Repeat("00", MaxPacket)
	c.write(string(frame([]byte(big))))
	c.expectAck()
	if r := c.readPacket(); r != "E01" {
		t.Errorf("oversized packet: %q", r)
	}
	c.expect("qC", "QC1")
}

func TestDisconnectResumesAndReconnect(t *testing.T) {
	f := newFake(1)
	addr, _ := startServer(t, f, false)
	c := dial(t, addr)
	c.expect("Z0,9000,1", "OK")
	_ = c.c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for !f.isRunning() {
		if time.Now().After(deadline) {
			t.Fatal("the machine did not resume after the client vanished")
		}
		time.Sleep(time.Millisecond)
	}
	f.mu.Lock()
	nb := len(f.bps)
	f.mu.Unlock()
	if nb != 0 {
		t.Errorf("breakpoints left after disconnect: %d", nb)
	}
	c2 := dial(t, addr) // the new client stops the machine
	c2.expect("?", "T02thread:1;")
	if f.isRunning() {
		t.Error("running while a client is attached and stopped")
	}
	// A third client is turned away while the second one is connected.
	c3 := dial(t, addr)
	_ = c3.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c3.r.ReadByte(); err == nil {
		t.Error("second client was served")
	}
	c2.expect("qC", "QC1")
	c2.expect("D", "OK")
	for !f.isRunning() {
		time.Sleep(time.Millisecond)
	}
	c4 := dial(t, addr)
	c4.expect("qC", "QC1")
}

func TestKill(t *testing.T) {
	f := newFake(1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := f.Resume(); err != nil {
		t.Fatal(err)
	}
	s := New(f, true)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	c := dial(t, ln.Addr().String())
	c.write(string(frame([]byte("k"))))
	c.expectAck()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after k: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve still runs after k")
	}
	if !f.killed {
		t.Error("k did not kill the target")
	}
}

func TestParseAddr(t *testing.T) {
	for in, want := range map[string]string{
		"tcp::1234":         "127.0.0.1:1234",
		"tcp:0.0.0.0:26000": "0.0.0.0:26000",
		"tcp:localhost:1":   "localhost:1",
		"1234":              "127.0.0.1:1234",
		"tcp::1234,server":  "127.0.0.1:1234",
		"tcp:[::1]:99":      "[::1]:99",
	} {
		got, err := ParseAddr(in)
		if err != nil || got != want {
			t.Errorf("ParseAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"tcp::", "tcp::99999", "tcp::x", "", "unix:/tmp/s", "tcp::0"} {
		if _, err := ParseAddr(bad); err == nil {
			t.Errorf("ParseAddr(%q) succeeded", bad)
		}
	}
}

// rawFrame frames a payload that is already escaped.
func rawFrame(p string) string {
	var sum byte
	for i := 0; i < len(p); i++ {
		sum += p[i]
	}
	return fmt.Sprintf("$%s#%02x", p, sum)
}

func TestMachineExitsWhileRunning(t *testing.T) {
	f := newFake(1)
	f.exitNow = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := New(f, false)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	c := dial(t, ln.Addr().String())
	c.expect("vCont;c", "W03")
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve still runs after the machine exited")
	}
}

func TestMorePackets(t *testing.T) {
	f := newFake(2)
	addr, _ := startServer(t, f, false)
	c := dial(t, addr)
	c.expect("S05", "T05thread:1;") // the signal is dropped, as qemu does
	c.expect("S05;2100", "T05thread:1;")
	if r, _ := f.Registers(0); r[RegEIP] != 0x2101 {
		t.Errorf("S with an address: EIP=%#x", r[RegEIP])
	}
	c.expect("Hc2", "OK")
	c.expect("s", "T05thread:2;")
	c.expect("vCont;t:1", "OK")
	c.expect("vCont;s:p1.1", "T05thread:1;")
	c.expect("Z0,2120,1", "OK")
	c.expect("C05", "T05thread:1;") // CPU 0 (at 0x2102) reaches 0x2120 first
	c.expect("z0,2120,1", "OK")
	c.write(string(frame([]byte("vCont;c:-1"))))
	c.expectAck()
	for !f.isRunning() {
		time.Sleep(time.Millisecond)
	}
	c.write("\x03")
	if r := c.readPacket(); r != "T02thread:1;" {
		t.Errorf("vCont;c:-1 then ^C: %q", r)
	}
	c.expect("Hx1", "E22")
	c.expect("H", "E22")
	c.expect("qThreadExtraInfo,zz", "E22")
	c.write(string(frame([]byte("vKill;1"))))
	c.expectAck()
	if r := c.readPacket(); r != "OK" {
		t.Errorf("vKill: %q", r)
	}
	if !f.killed {
		t.Error("vKill did not kill")
	}
}

func TestBreakpointStopReasons(t *testing.T) {
	f := newFake(1)
	addr, _ := startServer(t, f, false)
	c := dial(t, addr)
	if r := c.cmd("qSupported:multiprocess+;swbreak+;hwbreak+"); !strings.Contains(r, ";swbreak+;hwbreak+") {
		t.Errorf("qSupported: %q", r)
	}
	c.expect("Z0,2004,1", "OK")
	c.expect("c", "T05swbreak:;thread:1;")
	c.expect("z0,2004,1", "OK")
	c.expect("Z1,2008,1", "OK")
	c.expect("c", "T05hwbreak:;thread:1;")
	c.expect("z1,2008,1", "OK")
	c.expect("s", "T05thread:1;") // a step is no breakpoint
	c2 := dial(t, addr)           // refused while c is attached; c's state stays
	_ = c2
	c.expect("?", "T05thread:1;")
}
