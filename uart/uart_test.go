package uart

import (
	"bytes"
	"testing"
)

const com1 = 0x3F8

// rig is a COM1 UART with recorded output and IRQ line.
type rig struct {
	u     *UART
	out   []byte
	line  bool
	rises int
}

func newRig() *rig {
	r := &rig{u: New(com1)}
	r.u.Output = func(b byte) { r.out = append(r.out, b) }
	r.u.IRQ = func(level bool) {
		if level && !r.line {
			r.rises++
		}
		r.line = level
	}
	return r
}

func (r *rig) in(off uint16) uint8     { return uint8(r.u.In(com1+off, 1)) }
func (r *rig) out1(off uint16, v byte) { r.u.Out(com1+off, 1, uint32(v)) }

// xv6Init runs xv6's uartinit up to the banner; it returns false if xv6 would decide
// there is no UART.
func (r *rig) xv6Init() bool {
	r.out1(FCR, 0)
	r.out1(LCR, 0x80)
	r.out1(DLL, 115200/9600)
	r.out1(DLM, 0)
	r.out1(LCR, 0x03)
	r.out1(MCR, 0)
	r.out1(IER, 0x01)
	if r.in(LSR) == 0xFF {
		return false
	}
	r.in(IIR)
	r.in(RBR)
	return true
}

// putc is xv6's uartputc: poll LSR.THRE, then write THR.
func (r *rig) putc(c byte) {
	for i := 0; i < 128 && r.in(LSR)&LSRTHRE == 0; i++ {
	}
	r.out1(THR, c)
}

// getc is xv6's uartgetc.
func (r *rig) getc() int {
	if r.in(LSR)&LSRDR == 0 {
		return -1
	}
	return int(r.in(RBR))
}

func TestXV6InitAndOutput(t *testing.T) {
	r := newRig()
	if !r.xv6Init() {
		t.Fatal("xv6 would find no UART")
	}
	for _, c := range []struct {
		off  uint16
		want uint8
	}{
		{IER, 0x01}, {IIR, IIRNone}, {LCR, 0x03}, {MCR, 0}, {LSR, LSRTHRE | LSRTEMT}, {MSR, 0xB0},
	} {
		if got := r.in(c.off); got != c.want {
			t.Errorf("reg %d = %#x, want %#x", c.off, got, c.want)
		}
	}
	r.out1(LCR, 0x83)
	if dll, dlm := r.in(DLL), r.in(DLM); dll != 12 || dlm != 0 {
		t.Errorf("divisor %d,%d, want 12,0", dll, dlm)
	}
	r.out1(LCR, 0x03)
	for _, c := range []byte("xv6...\n") {
		r.putc(c)
	}
	if string(r.out) != "xv6...\n" {
		t.Errorf("output %q", r.out)
	}
	if r.rises != 0 {
		t.Error("IRQ without received data (THRE interrupts are off)")
	}
}

func TestReceiveInterrupt(t *testing.T) {
	r := newRig()
	r.xv6Init()
	r.u.Receive([]byte("ls\n"))
	if !r.line || r.rises != 1 {
		t.Fatal("no IRQ for received data (OUT2 is 0, as xv6 leaves it)")
	}
	if iir := r.in(IIR); iir != IIRRDA {
		t.Errorf("IIR %#x, want %#x", iir, IIRRDA)
	}
	var got []byte
	for c := r.getc(); c >= 0; c = r.getc() {
		got = append(got, byte(c))
	}
	if string(got) != "ls\n" {
		t.Errorf("received %q", got)
	}
	if r.line {
		t.Error("IRQ still high with the queue drained")
	}
	r.u.Receive([]byte("x"))
	if r.rises != 2 {
		t.Error("no new IRQ edge for the next byte")
	}
	// Typed ahead while the controller ignored the line: the next byte pulses it.
	r.u.Receive([]byte("y"))
	if r.rises != 3 || !r.line {
		t.Errorf("no fresh edge for data arriving with the line up: %d rises", r.rises)
	}
}

func TestUnboundedQueue(t *testing.T) {
	r := newRig()
	r.xv6Init()
	big := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	r.u.Receive(big[:1000])
	r.u.Receive(big[1000:])
	if r.u.Queued() != len(big) {
		t.Fatalf("Queued %d, want %d", r.u.Queued(), len(big))
	}
	var got []byte
	for c := r.getc(); c >= 0; c = r.getc() {
		got = append(got, byte(c))
	}
	if !bytes.Equal(got, big) {
		t.Errorf("lost or reordered data: got %d bytes", len(got))
	}
}

func TestLoopback(t *testing.T) {
	r := newRig()
	r.xv6Init()
	r.out1(MCR, MCRLoop|MCRRTS|MCROUT2)
	if msr := r.in(MSR); msr&0xF0 != MSRCTS|MSRDCD {
		t.Errorf("loopback MSR %#x, want CTS|DCD", msr)
	}
	r.u.Receive([]byte("host")) // the receiver hears only the transmitter now
	r.out1(THR, 0xAE)
	if len(r.out) != 0 {
		t.Error("loopback byte went to the output")
	}
	if c := r.getc(); c != 0xAE {
		t.Errorf("loopback read %#x, want 0xAE", c)
	}
	if c := r.getc(); c != -1 {
		t.Errorf("host byte leaked into loopback: %#x", c)
	}
	r.out1(MCR, 0)
	r.out1(THR, 'k')
	if string(r.out) != "k" {
		t.Error("output not restored after loopback")
	}
	var got []byte
	for c := r.getc(); c >= 0; c = r.getc() {
		got = append(got, byte(c))
	}
	if string(got) != "host" {
		t.Errorf("host input held during loopback: got %q, want \"host\"", got)
	}
}

func TestMSRDeltas(t *testing.T) {
	r := newRig()
	r.out1(MCR, MCRLoop)
	r.in(MSR)
	r.out1(IER, IERMS)
	r.out1(MCR, MCRLoop|MCRDTR)
	if iir := r.in(IIR); iir != IIRMS {
		t.Errorf("IIR %#x, want modem status", iir)
	}
	if msr := r.in(MSR); msr != MSRDSR|MSRDDSR {
		t.Errorf("MSR %#x, want DSR|DDSR", msr)
	}
	if msr := r.in(MSR); msr != MSRDSR {
		t.Errorf("MSR after read %#x, want deltas cleared", msr)
	}
	if r.line {
		t.Error("IRQ still high after MSR read")
	}
}

func TestTHREInterrupt(t *testing.T) {
	r := newRig()
	r.xv6Init()
	r.out1(IER, IERRDA|IERTHRE)
	if !r.line || r.in(IIR) != IIRTHRE {
		t.Fatal("enabling THRE interrupts with THR empty did not interrupt")
	}
	if r.line {
		t.Error("IIR read did not clear the THRE interrupt")
	}
	r.out1(THR, 'a')
	if !r.line {
		t.Error("no THRE interrupt after a transmit")
	}
	r.u.Receive([]byte("z"))
	if iir := r.in(IIR); iir != IIRRDA {
		t.Errorf("IIR %#x: received data must outrank THRE", iir)
	}
	r.getc()
	if iir := r.in(IIR); iir != IIRTHRE {
		t.Errorf("IIR %#x after reading data, want THRE", iir)
	}
}

func TestFIFO(t *testing.T) {
	r := newRig()
	r.xv6Init()
	r.out1(FCR, FCREnable|0x80) // trigger level 8
	r.u.Receive([]byte("abc"))
	if iir := r.in(IIR); iir != IIRFIFO|IIRTimeout {
		t.Errorf("IIR %#x, want FIFO bits + character timeout", iir)
	}
	r.u.Receive([]byte("defgh"))
	if iir := r.in(IIR); iir != IIRFIFO|IIRRDA {
		t.Errorf("IIR %#x, want FIFO bits + data available", iir)
	}
	r.out1(FCR, FCREnable|FCRClearRx)
	if r.in(LSR)&LSRDR != 0 || r.line {
		t.Error("FCR clear did not empty the receiver")
	}
	r.out1(FCR, 0)
	if iir := r.in(IIR); iir != IIRNone {
		t.Errorf("IIR %#x with FIFO off, want 0x01", iir)
	}
}

func TestScratchAndBase(t *testing.T) {
	u := New(0x2F8)
	u.Out(0x2F8+SCR, 1, 0x5A)
	if u.In(0x2F8+SCR, 1) != 0x5A {
		t.Error("scratch register lost")
	}
	if u.In(0x3F8+SCR, 1) != 0xFF {
		t.Error("port outside the UART answered")
	}
	u.Receive(nil) // no IRQ callback set: must not panic
	u.Out(0x2F8+IER, 1, 3)
}
