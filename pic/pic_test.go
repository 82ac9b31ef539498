package pic

import "testing"

// out is one port write.
type out struct {
	port uint16
	v    uint8
}

// pcInit is the classic PC initialisation: master vectors 0x20, slave 0x28, cascade on
// IR2, 8086 mode, normal EOI, everything unmasked.
var pcInit = []out{
	{MasterCmd, 0x11}, {MasterData, 0x20}, {MasterData, 0x04}, {MasterData, 0x01},
	{SlaveCmd, 0x11}, {SlaveData, 0x28}, {SlaveData, 0x02}, {SlaveData, 0x01},
	{MasterData, 0x00}, {SlaveData, 0x00},
}

func run(p *PIC, seq []out) {
	for _, o := range seq {
		p.Out(o.port, 1, uint32(o.v))
	}
}

func newPC() *PIC {
	p := New()
	run(p, pcInit)
	return p
}

func TestXV6Masks(t *testing.T) {
	p := New()
	p.Out(MasterData, 1, 0xFF)
	p.Out(SlaveData, 1, 0xFF)
	for irq := 0; irq < 16; irq++ {
		p.SetIRQ(irq, true)
	}
	if p.Pending() {
		t.Error("masked PIC raised INTR")
	}
	if p.In(MasterData, 1) != 0xFF || p.In(SlaveData, 1) != 0xFF {
		t.Error("IMR does not read back 0xFF")
	}
	if p.In(MasterCmd, 1) != 0xFF || p.In(SlaveCmd, 1) != 0xFF {
		t.Errorf("IRR reads %#x %#x, want 0xFF 0xFF", p.In(MasterCmd, 1), p.In(SlaveCmd, 1))
	}
}

func TestPriorityNesting(t *testing.T) {
	p := newPC()
	p.SetIRQ(4, true)
	p.SetIRQ(1, true)
	if !p.Pending() {
		t.Fatal("no INTR")
	}
	if v := p.Ack(); v != 0x21 {
		t.Fatalf("first vector %#x, want 0x21 (IRQ 1 beats IRQ 4)", v)
	}
	if p.Pending() {
		t.Error("IRQ 4 interrupted the higher-priority IRQ 1 in service")
	}
	p.Out(MasterCmd, 1, 0x0B) // OCW3: read ISR
	if got := p.In(MasterCmd, 1); got != 0x02 {
		t.Errorf("ISR %#x, want 0x02", got)
	}
	p.Out(MasterCmd, 1, 0x0A) // OCW3: read IRR
	if got := p.In(MasterCmd, 1); got != 0x10 {
		t.Errorf("IRR %#x, want 0x10", got)
	}
	p.SetIRQ(0, true) // higher than IRQ 1: nests
	if !p.Pending() || p.Ack() != 0x20 {
		t.Fatal("IRQ 0 did not preempt IRQ 1")
	}
	p.Out(MasterCmd, 1, 0x20) // non-specific EOI retires IRQ 0
	p.Out(MasterCmd, 1, 0x0B)
	if got := p.In(MasterCmd, 1); got != 0x02 {
		t.Errorf("ISR after EOI %#x, want 0x02", got)
	}
	p.Out(MasterCmd, 1, 0x61) // specific EOI for IRQ 1
	if !p.Pending() || p.Ack() != 0x24 {
		t.Fatal("IRQ 4 not delivered after EOI")
	}
	p.Out(MasterCmd, 1, 0x20)
	if p.Pending() {
		t.Error("INTR with nothing requested")
	}
	// Edge inputs held high do not request again.
	p.SetIRQ(4, true)
	if p.Pending() {
		t.Error("held edge input requested twice")
	}
}

func TestCascade(t *testing.T) {
	p := newPC()
	p.SetIRQ(14, true)
	p.SetIRQ(3, true)
	if v := p.Ack(); v != 0x2E {
		t.Fatalf("vector %#x, want 0x2E (slave IRQ 14 via IR2 beats IRQ 3)", v)
	}
	p.Out(MasterCmd, 1, 0x0B)
	p.Out(SlaveCmd, 1, 0x0B)
	if m, s := p.In(MasterCmd, 1), p.In(SlaveCmd, 1); m != 0x04 || s != 0x40 {
		t.Errorf("ISR master %#x slave %#x, want 0x04 0x40", m, s)
	}
	p.SetIRQ(14, false)
	p.SetIRQ(8, true) // higher priority on the slave, but IR2 is in service
	if p.Pending() {
		t.Error("slave request passed an in-service IR2 (not in special fully nested mode)")
	}
	p.Out(SlaveCmd, 1, 0x20)
	p.Out(MasterCmd, 1, 0x20)
	if v := p.Ack(); v != 0x28 {
		t.Fatalf("vector %#x, want 0x28", v)
	}
	p.Out(SlaveCmd, 1, 0x20)
	p.Out(MasterCmd, 1, 0x20)
	if v := p.Ack(); v != 0x23 {
		t.Fatalf("vector %#x, want 0x23", v)
	}
}

func TestSpurious(t *testing.T) {
	p := newPC()
	if v := p.Ack(); v != 0x27 {
		t.Errorf("INTA with nothing pending %#x, want spurious 0x27", v)
	}
	p.Out(MasterCmd, 1, 0x0B)
	if got := p.In(MasterCmd, 1); got != 0 {
		t.Errorf("spurious INTA set ISR %#x", got)
	}
	// A level request that drops before INTA.
	p.Out(ELCR2, 1, 0x08) // IRQ 11 level
	p.SetIRQ(11, true)
	if !p.Pending() {
		t.Fatal("level IRQ 11 not pending")
	}
	p.SetIRQ(11, false)
	if p.Pending() {
		t.Error("level request still pending after the line dropped")
	}
}

func TestLevelELCR(t *testing.T) {
	p := newPC()
	p.Out(ELCR1, 1, 0xFF)
	p.Out(ELCR2, 1, 0xFF)
	if a, b := p.In(ELCR1, 1), p.In(ELCR2, 1); a != 0xF8 || b != 0xDE {
		t.Errorf("ELCR %#x %#x, want 0xF8 0xDE", a, b)
	}
	p.SetIRQ(5, true)
	if p.Ack() != 0x25 {
		t.Fatal("IRQ 5 not delivered")
	}
	p.Out(MasterCmd, 1, 0x20)
	if !p.Pending() || p.Ack() != 0x25 {
		t.Error("level IRQ 5 still high but not requested again after EOI")
	}
	p.SetIRQ(5, false)
	p.Out(MasterCmd, 1, 0x20)
	if p.Pending() {
		t.Error("level IRQ 5 low but pending")
	}
}

func TestAutoEOIAndRotation(t *testing.T) {
	p := New()
	run(p, []out{{MasterCmd, 0x13}, {MasterData, 0x40}, {MasterData, 0x03}, {MasterData, 0x00}}) // single, AEOI
	p.SetIRQ(3, true)
	if v := p.Ack(); v != 0x43 {
		t.Fatalf("vector %#x, want 0x43", v)
	}
	p.Out(MasterCmd, 1, 0x0B)
	if got := p.In(MasterCmd, 1); got != 0 {
		t.Errorf("auto-EOI left ISR %#x", got)
	}
	// Single mode: IR2 is an ordinary input.
	p.SetIRQ(2, true)
	if v := p.Ack(); v != 0x42 {
		t.Errorf("single-mode IR2 vector %#x, want 0x42", v)
	}
	// Set priority: IR4 lowest, so IR5 is now highest.
	p.Out(MasterCmd, 1, 0xC4)
	p.SetIRQ(1, true)
	p.SetIRQ(6, true)
	if v := p.Ack(); v != 0x46 {
		t.Errorf("after set priority (IR4 lowest) vector %#x, want 0x46", v)
	}
}

func TestRotateOnEOI(t *testing.T) {
	p := newPC()
	p.SetIRQ(1, true)
	p.Ack()
	p.Out(MasterCmd, 1, 0xA0) // rotate on non-specific EOI: IR1 becomes lowest
	p.SetIRQ(0, true)
	p.SetIRQ(1, false)
	p.SetIRQ(1, true)
	p.SetIRQ(3, true)
	if v := p.Ack(); v != 0x23 {
		t.Errorf("after rotation vector %#x, want 0x23 (IR2 highest, then IR3)", v)
	}
}

func TestPoll(t *testing.T) {
	p := newPC()
	p.Out(MasterData, 1, 0x00)
	p.SetIRQ(6, true)
	p.Out(MasterCmd, 1, 0x0C) // OCW3 poll
	if got := p.In(MasterCmd, 1); got != 0x86 {
		t.Errorf("poll %#x, want 0x86", got)
	}
	p.Out(MasterCmd, 1, 0x0C)
	if got := p.In(MasterCmd, 1); got != 0 {
		t.Errorf("second poll %#x, want 0 (IR6 in service)", got)
	}
}

func TestReinitClearsEdges(t *testing.T) {
	p := newPC()
	p.SetIRQ(4, true)
	run(p, pcInit)
	if p.Pending() {
		t.Error("edge latched before ICW1 survived re-initialisation")
	}
	if p.In(99, 1) != 0xFF {
		t.Error("unknown port does not float")
	}
	p.SetIRQ(16, true)
	p.SetIRQ(-1, true)
}
