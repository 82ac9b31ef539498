package kbd

import (
	"bytes"
	"testing"
)

// rig is a controller with recorded IRQ, A20 and reset lines.
type rig struct {
	c      *Controller
	line   bool
	rises  int
	a20    []bool
	resets int
}

func newRig() *rig {
	r := &rig{c: New()}
	r.c.IRQ = func(level bool) {
		if level && !r.line {
			r.rises++
		}
		r.line = level
	}
	r.c.A20 = func(on bool) { r.a20 = append(r.a20, on) }
	r.c.Reset = func() { r.resets++ }
	return r
}

func (r *rig) status() uint8 { return uint8(r.c.In(StatusPort, 1)) }
func (r *rig) data() uint8   { return uint8(r.c.In(DataPort, 1)) }

// waitIBF is the boot loader's seta20 poll: wait while status bit 1 is set.
func (r *rig) waitIBF(t *testing.T) {
	t.Helper()
	for i := 0; r.status()&IBF != 0; i++ {
		if i > 100 {
			t.Fatal("input buffer never empties")
		}
	}
}

func TestBootLoaderA20(t *testing.T) {
	r := newRig()
	r.waitIBF(t)
	r.c.Out(StatusPort, 1, 0xD1)
	r.waitIBF(t)
	r.c.Out(DataPort, 1, 0xDF)
	if len(r.a20) != 1 || !r.a20[0] {
		t.Fatalf("A20 calls %v, want [true]", r.a20)
	}
	r.c.Out(StatusPort, 1, 0xD0)
	if r.status()&OBF == 0 || r.data() != 0xDF {
		t.Error("output port does not read back 0xDF")
	}
	r.c.Out(StatusPort, 1, 0xDD)
	r.c.Out(StatusPort, 1, 0xDF)
	r.c.Out(StatusPort, 1, 0xDF) // no change, no call
	if len(r.a20) != 3 || r.a20[1] || !r.a20[2] {
		t.Errorf("A20 calls %v, want [true false true]", r.a20)
	}
	if r.resets != 0 {
		t.Error("A20 sequence reset the CPU")
	}
}

func TestScanCodesAndIRQ(t *testing.T) {
	r := newRig()
	if st := r.status(); st != SYS|INH {
		t.Errorf("idle status %#x, want %#x", st, SYS|INH)
	}
	// 'a' press/release, then right ctrl (0xE0 prefix) press.
	codes := []byte{0x1E, 0x9E, 0xE0, 0x1D}
	r.c.Send(codes...)
	if !r.line || r.rises != 1 {
		t.Fatal("no IRQ 1 for a key")
	}
	// xv6 kbdgetc in a loop, as consoleintr drains it.
	var got []byte
	for r.status()&OBF != 0 {
		got = append(got, r.data())
	}
	if !bytes.Equal(got, codes) {
		t.Errorf("read %x, want %x", got, codes)
	}
	if r.rises != len(codes) {
		t.Errorf("%d IRQ edges, want one per byte (%d)", r.rises, len(codes))
	}
	if r.line {
		t.Error("IRQ high with the buffer empty")
	}
	r.c.Out(StatusPort, 1, 0x60)
	r.c.Out(DataPort, 1, PowerOnCommandByte&^CBKbdInt)
	r.c.Send(0x10)
	if r.line || r.status()&OBF == 0 {
		t.Error("interrupt disabled in the command byte, yet IRQ 1 (or no data)")
	}
}

func TestMissedEdgePulse(t *testing.T) {
	r := newRig()
	r.c.Send(0x1E)
	r.line = true // pretend nobody heard the edge; the byte is still unread
	r.c.Send(0x9E)
	if r.rises != 2 {
		t.Errorf("no fresh edge for a key arriving while a byte waits: %d", r.rises)
	}
	if r.data() != 0x1E || r.data() != 0x9E {
		t.Error("order lost")
	}
}

func TestControllerCommands(t *testing.T) {
	for _, c := range []struct {
		name  string
		cmd   []byte // written to 0x64
		data  []byte // then written to 0x60
		reply []byte
	}{
		{"read command byte", []byte{0x20}, nil, []byte{PowerOnCommandByte}},
		{"self test", []byte{0xAA}, nil, []byte{0x55}},
		{"interface test", []byte{0xAB}, nil, []byte{0x00}},
		{"write then read command byte", []byte{0x60}, []byte{0x47}, nil},
		{"read output port", []byte{0xD0}, nil, []byte{OPReset}},
		{"write kbd output buffer", []byte{0xD2}, []byte{0x5A}, []byte{0x5A}},
		{"aux write: no mouse", []byte{0xD4}, []byte{0xFF}, []byte{Resend}},
		{"RAM", []byte{0x65}, []byte{0x99}, nil},
	} {
		r := newRig()
		for _, b := range c.cmd {
			r.c.Out(StatusPort, 1, uint32(b))
		}
		if len(c.data) > 0 && r.status()&CMD == 0 {
			t.Errorf("%s: CMD status bit clear after a command write", c.name)
		}
		for _, b := range c.data {
			r.c.Out(DataPort, 1, uint32(b))
		}
		var got []byte
		for r.status()&OBF != 0 {
			got = append(got, r.data())
		}
		if !bytes.Equal(got, c.reply) {
			t.Errorf("%s: reply %x, want %x", c.name, got, c.reply)
		}
	}
	r := newRig()
	r.c.Out(StatusPort, 1, 0x60)
	r.c.Out(DataPort, 1, 0x47)
	r.c.Out(StatusPort, 1, 0x20)
	if v := r.data(); v != 0x47 {
		t.Errorf("command byte %#x, want 0x47", v)
	}
	r.c.Out(StatusPort, 1, 0x65)
	r.c.Out(DataPort, 1, 0x99)
	r.c.Out(StatusPort, 1, 0x25)
	if v := r.data(); v != 0x99 {
		t.Errorf("RAM byte 5 %#x, want 0x99", v)
	}
}

func TestDisableKeyboard(t *testing.T) {
	r := newRig()
	r.c.Out(StatusPort, 1, 0xAD)
	r.c.Send(0x1E)
	if r.status()&OBF != 0 {
		t.Error("disabled keyboard delivered a code")
	}
	r.c.Out(StatusPort, 1, 0xAE)
	if r.status()&OBF == 0 || r.data() != 0x1E {
		t.Error("code held while disabled not delivered after enable")
	}
}

func TestKeyboardCommands(t *testing.T) {
	for _, c := range []struct {
		name  string
		out   []byte
		reply []byte
	}{
		{"reset", []byte{0xFF}, []byte{ACK, BATOK}},
		{"enable", []byte{0xF4}, []byte{ACK}},
		{"LEDs", []byte{0xED, 0x07}, []byte{ACK, ACK}},
		{"get scan set", []byte{0xF0, 0x00}, []byte{ACK, ACK, 0x41}},
		{"set scan set", []byte{0xF0, 0x02}, []byte{ACK, ACK}},
		{"identify", []byte{0xF2}, []byte{ACK, 0xAB, 0x41}},
		{"echo", []byte{0xEE}, []byte{EchoByte}},
		{"typematic", []byte{0xF3, 0x20}, []byte{ACK, ACK}},
		{"unknown", []byte{0x12}, []byte{Resend}},
	} {
		r := newRig()
		r.c.Send(0x30, 0x31)
		for _, b := range c.out {
			r.c.Out(DataPort, 1, uint32(b))
		}
		var got []byte
		for r.status()&OBF != 0 {
			got = append(got, r.data())
		}
		// 0x30 was already in the output buffer; replies come before the queued 0x31,
		// which a keyboard reset flushes.
		want := append([]byte{0x30}, c.reply...)
		if c.name != "reset" {
			want = append(want, 0x31)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: bytes %x, want %x", c.name, got, want)
		}
	}
	r := newRig()
	r.c.Out(DataPort, 1, 0xF5)
	r.data()
	r.c.Send(0x1E)
	if r.status()&OBF != 0 {
		t.Error("scanning disabled (0xF5), yet a code arrived")
	}
}

func TestPulseReset(t *testing.T) {
	r := newRig()
	r.c.Out(StatusPort, 1, 0xFE)
	if r.resets != 1 {
		t.Errorf("0xFE: %d resets, want 1", r.resets)
	}
	r.c.Out(StatusPort, 1, 0xFF) // pulse nothing
	r.c.Out(StatusPort, 1, 0xD1)
	r.c.Out(DataPort, 1, 0x02) // output port with reset low
	if r.resets != 2 {
		t.Errorf("output port reset: %d resets, want 2", r.resets)
	}
	c := New() // nil callbacks must be safe
	c.Out(StatusPort, 1, 0xFE)
	c.Out(StatusPort, 1, 0xDF)
	c.Send(1, 2)
	c.In(DataPort, 1)
	if c.In(0x61, 1) != 0xFF {
		t.Error("unknown port answered")
	}
}
