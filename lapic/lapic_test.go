package lapic

import "testing"

// clock is a settable virtual clock.
type clock struct{ t int64 }

func (c *clock) now() int64 { return c.t }

// newAPIC returns an APIC with a recording IPI and EOI sink.
func newAPIC(id uint8) (*LAPIC, *clock, *[]IPI, *[]uint8) {
	c := &clock{}
	l := New(id, c.now)
	var ipis []IPI
	var eois []uint8
	l.SendIPI = func(i IPI) { ipis = append(ipis, i) }
	l.OnEOI = func(v uint8) { eois = append(eois, v) }
	return l, c, &ipis, &eois
}

// w writes like xv6's lapicw: the write, then a read of ID to wait for it.
func w(l *LAPIC, off, v uint32) {
	l.Write(off, 4, v)
	l.Read(ID, 4)
}

// xv6Init runs xv6's lapicinit sequence.
func xv6Init(l *LAPIC) {
	w(l, SVR, 0x100|63)
	w(l, TDCR, 0xB)
	w(l, TIMER, 0x20000|32)
	w(l, TICR, 10000000)
	w(l, LINT0, LVTMasked)
	w(l, LINT1, LVTMasked)
	if (l.Read(VER, 4)>>16)&0xFF >= 4 {
		w(l, PCINT, LVTMasked)
	}
	w(l, ERROR, 51)
	w(l, ESR, 0)
	w(l, ESR, 0)
	w(l, EOI, 0)
	w(l, ICRHI, 0)
	w(l, ICRLO, 0x80000|0x500|0x8000)
	for l.Read(ICRLO, 4)&ICRPending != 0 {
	}
	w(l, TPR, 0)
}

func TestResetValues(t *testing.T) {
	l, _, _, _ := newAPIC(3)
	for _, c := range []struct {
		off  uint32
		want uint32
	}{
		{ID, 3 << 24}, {VER, 0x00050014}, {TPR, 0}, {PPR, 0}, {LDR, 0},
		{DFR, 0xFFFFFFFF}, {SVR, 0xFF}, {ESR, 0}, {ICRLO, 0}, {ICRHI, 0},
		{TIMER, 0x10000}, {THERMAL, 0x10000}, {PCINT, 0x10000}, {LINT0, 0x10000},
		{LINT1, 0x10000}, {ERROR, 0x10000}, {TICR, 0}, {TCCR, 0}, {TDCR, 0},
		{ISR, 0}, {IRR + 0x70, 0},
	} {
		if got := l.Read(c.off, 4); got != c.want {
			t.Errorf("reg %#x = %#x, want %#x", c.off, got, c.want)
		}
	}
	if got := l.Read(ID+3, 1); got != 3 {
		t.Errorf("byte read of ID+3 = %d, want 3", got)
	}
}

func TestXV6Init(t *testing.T) {
	l, c, ipis, eois := newAPIC(1)
	c.t = 1000
	xv6Init(l)
	for _, r := range []struct {
		off  uint32
		want uint32
	}{
		{SVR, 0x13F}, {TDCR, 0xB}, {TIMER, 0x20020}, {TICR, 10000000},
		{LINT0, 0x10000}, {LINT1, 0x10000}, {PCINT, 0x10000}, {ERROR, 51},
		{ESR, 0}, {ICRLO, 0x88500}, {TPR, 0}, {TCCR, 10000000},
	} {
		if got := l.Read(r.off, 4); got != r.want {
			t.Errorf("reg %#x = %#x, want %#x", r.off, got, r.want)
		}
	}
	want := IPI{Shorthand: 2, Mode: 5, Trigger: true, Level: false, From: 1}
	if len(*ipis) != 1 || (*ipis)[0] != want {
		t.Errorf("IPIs %+v, want [%+v]", *ipis, want)
	}
	if len(*eois) != 0 {
		t.Errorf("EOI with empty ISR reported %v", *eois)
	}
	if l.AcceptsPIC() {
		t.Error("LINT0 masked and APIC enabled, yet PIC accepted")
	}
}

func TestTimerPeriodic(t *testing.T) {
	l, c, _, _ := newAPIC(0)
	c.t = 500
	xv6Init(l) // TICR loaded at t=500
	at, ok := l.NextEvent()
	if !ok || at != 500+10000000 {
		t.Fatalf("NextEvent = %d,%v, want %d,true", at, ok, 500+10000000)
	}
	c.t = 500 + 2500000
	if got := l.Read(TCCR, 4); got != 7500000 {
		t.Errorf("TCCR a quarter in = %d, want 7500000", got)
	}
	l.Update()
	if l.Pending() {
		t.Fatal("interrupt before expiry")
	}
	// Fire late by 300 ns: the next expiry must still be on the 10 ms grid.
	c.t = 500 + 10000000 + 300
	l.Update()
	if !l.Pending() {
		t.Fatal("no interrupt at expiry")
	}
	if v := l.Ack(); v != 32 {
		t.Fatalf("Ack = %d, want 32", v)
	}
	if at, _ := l.NextEvent(); at != 500+20000000 {
		t.Errorf("next expiry %d, want %d (no drift)", at, 500+20000000)
	}
	if got := l.Read(TCCR, 4); got != 10000000-300 {
		t.Errorf("TCCR after reload = %d, want %d", got, 10000000-300)
	}
	if got := l.Read(ISR+0x10, 4); got != 1 {
		t.Errorf("ISR[32..63] = %#x, want 1", got)
	}
	// Skipping many periods at once (an idle hlt) sets IRR once and keeps the grid.
	c.t = 500 + 55000000
	l.Update()
	if at, _ := l.NextEvent(); at != 500+60000000 {
		t.Errorf("next expiry after skip %d, want %d", at, 500+60000000)
	}
	if l.Pending() {
		t.Error("vector 32 in service, yet a second 32 was presented")
	}
	w(l, EOI, 0)
	if !l.Pending() || l.Ack() != 32 {
		t.Error("pending timer interrupt not presented after EOI")
	}
}

func TestTimerOneShotAndDivide(t *testing.T) {
	for _, c := range []struct {
		tdcr  uint32
		div   int64
		ticks uint32
	}{
		{0x0, 2, 100}, {0x1, 4, 100}, {0x2, 8, 100}, {0x3, 16, 100},
		{0x8, 32, 100}, {0x9, 64, 100}, {0xA, 128, 100}, {0xB, 1, 100},
	} {
		l, clk, _, _ := newAPIC(0)
		w(l, SVR, 0x1FF)
		w(l, TDCR, c.tdcr)
		w(l, TIMER, 40) // one-shot, vector 40
		clk.t = 10
		w(l, TICR, c.ticks)
		at, ok := l.NextEvent()
		if !ok || at != 10+int64(c.ticks)*c.div {
			t.Errorf("TDCR %#x: NextEvent %d, want %d", c.tdcr, at, 10+int64(c.ticks)*c.div)
			continue
		}
		clk.t = 10 + 10*c.div
		if got := l.Read(TCCR, 4); got != c.ticks-10 {
			t.Errorf("TDCR %#x: TCCR %d, want %d", c.tdcr, got, c.ticks-10)
		}
		clk.t = at - 1
		l.Update()
		if l.Pending() {
			t.Errorf("TDCR %#x: fired 1 ns early", c.tdcr)
		}
		clk.t = at
		l.Update()
		if !l.Pending() || l.Ack() != 40 {
			t.Errorf("TDCR %#x: did not fire at %d", c.tdcr, at)
		}
		if _, ok := l.NextEvent(); ok {
			t.Errorf("TDCR %#x: one-shot still armed", c.tdcr)
		}
		if got := l.Read(TCCR, 4); got != 0 {
			t.Errorf("TDCR %#x: TCCR after one-shot %d, want 0", c.tdcr, got)
		}
	}
}

func TestDivideChangeMidCount(t *testing.T) {
	l, c, _, _ := newAPIC(0)
	w(l, SVR, 0x1FF)
	w(l, TDCR, 0xB) // divide by 1
	w(l, TIMER, LVTPeriodic|40)
	w(l, TICR, 1000)
	c.t = 400
	w(l, TDCR, 0x0) // divide by 2: the remaining 600 counts take 1200 ns
	if got := l.Read(TCCR, 4); got != 600 {
		t.Errorf("TCCR after divide change %d, want 600", got)
	}
	if at, _ := l.NextEvent(); at != 1600 {
		t.Errorf("next expiry %d, want 1600", at)
	}
	c.t = 1600
	l.Update()
	if at, _ := l.NextEvent(); at != 3600 {
		t.Errorf("next periodic expiry %d, want 3600 (1000 counts at 2 ns)", at)
	}
}

func TestTimerMasked(t *testing.T) {
	l, c, _, _ := newAPIC(0)
	w(l, SVR, 0x1FF)
	w(l, TDCR, 0xB)
	w(l, TIMER, LVTMasked|LVTPeriodic|32)
	w(l, TICR, 1000)
	if _, ok := l.NextEvent(); ok {
		t.Error("masked timer reports an event")
	}
	c.t = 2500
	l.Update()
	if l.Pending() {
		t.Error("masked timer interrupted")
	}
	if got := l.Read(TCCR, 4); got != 500 {
		t.Errorf("masked timer TCCR %d, want 500 (it keeps counting)", got)
	}
	w(l, TIMER, LVTPeriodic|32) // unmask: the missed expiries are not delivered
	if l.Pending() {
		t.Error("unmasking delivered a missed expiry")
	}
	if at, ok := l.NextEvent(); !ok || at != 3000 {
		t.Errorf("NextEvent after unmask %d,%v, want 3000,true", at, ok)
	}
	w(l, TICR, 0) // stop
	if _, ok := l.NextEvent(); ok {
		t.Error("TICR 0 did not stop the timer")
	}
}

func TestPriorityAndEOI(t *testing.T) {
	l, _, _, eois := newAPIC(0)
	xv6Init(l)
	l.Accept(33)
	l.Accept(46)
	l.Accept(36)
	if v := l.Ack(); v != 46 {
		t.Fatalf("first Ack %d, want 46 (highest vector)", v)
	}
	if got := l.Read(PPR, 4); got != 0x20 {
		t.Errorf("PPR with 46 in service %#x, want 0x20", got)
	}
	if l.Pending() {
		t.Error("36 and 33 share 46's priority class; must wait for EOI")
	}
	w(l, EOI, 0)
	if v := l.Ack(); v != 36 {
		t.Fatalf("second Ack %d, want 36", v)
	}
	w(l, EOI, 0)
	w(l, TPR, 0x30)
	l.Accept(64)
	if v := l.Ack(); v != 64 {
		t.Errorf("Ack with TPR 0x30 = %d, want 64", v)
	}
	if l.Pending() {
		t.Error("33 presented above TPR 0x30")
	}
	w(l, EOI, 0)
	w(l, TPR, 0)
	if v := l.Ack(); v != 33 {
		t.Errorf("Ack after TPR 0 = %d, want 33", v)
	}
	w(l, EOI, 0)
	if want := []uint8{46, 36, 64, 33}; len(*eois) != 4 || string(*eois) != string(want) {
		t.Errorf("EOIs %v, want %v", *eois, want)
	}
	if l.Pending() {
		t.Error("still pending after all EOIs")
	}
	if v := l.Ack(); v != 63 {
		t.Errorf("Ack with nothing pending = %d, want spurious 63", v)
	}
}

func TestLVTWritableBits(t *testing.T) {
	l, _, _, _ := newAPIC(0)
	w(l, SVR, 0x1FF)
	for _, c := range []struct {
		off, want uint32
	}{
		{TIMER, 0x000700FF}, {THERMAL, 0x000107FF}, {PCINT, 0x000107FF},
		{LINT0, 0x0001A7FF}, {LINT1, 0x0001A7FF}, {ERROR, 0x000100FF},
	} {
		w(l, c.off, 0xFFFFFFFF)
		if got := l.Read(c.off, 4); got != c.want {
			t.Errorf("LVT %#x after writing all ones = %#x, want %#x", c.off, got, c.want)
		}
	}
}

func TestSoftwareDisabled(t *testing.T) {
	l, _, _, _ := newAPIC(0)
	l.Accept(50)
	if l.Pending() {
		t.Error("software-disabled APIC presented an interrupt")
	}
	w(l, TIMER, 32) // unmask attempt while disabled
	if got := l.Read(TIMER, 4); got&LVTMasked == 0 {
		t.Error("LVT unmasked while APIC software-disabled")
	}
	w(l, SVR, 0x1FF)
	if !l.Pending() || l.Ack() != 50 {
		t.Error("held IRR not presented after enable")
	}
}

func TestIPIs(t *testing.T) {
	l, _, ipis, _ := newAPIC(0)
	xv6Init(l)
	*ipis = nil
	// xv6 startothers for APIC ID 2.
	w(l, ICRHI, 2<<24)
	w(l, ICRLO, 0x500|0x4000|0x8000)
	w(l, ICRLO, 0x500|0x8000)
	for i := 0; i < 2; i++ {
		w(l, ICRHI, 2<<24)
		w(l, ICRLO, 0x600|0x7)
	}
	want := []IPI{
		{Dest: 2, Mode: 5, Level: true, Trigger: true},
		{Dest: 2, Mode: 5, Trigger: true},
		{Dest: 2, Mode: 6, Vector: 7},
		{Dest: 2, Mode: 6, Vector: 7},
	}
	if len(*ipis) != len(want) {
		t.Fatalf("IPIs %+v, want %+v", *ipis, want)
	}
	for i := range want {
		if (*ipis)[i] != want[i] {
			t.Errorf("IPI %d = %+v, want %+v", i, (*ipis)[i], want[i])
		}
	}
	if got := l.Read(ICRLO, 4); got != 0x607 {
		t.Errorf("ICRLO reads %#x, want 0x607 (delivery status 0)", got)
	}
	*ipis = nil
	w(l, ICRLO, 0x40000|0x4000|0x830) // self, fixed, logical, vector 0x30
	if len(*ipis) != 1 || (*ipis)[0] != (IPI{Shorthand: 1, Level: true, Logical: true, Vector: 0x30, Dest: 2}) {
		t.Errorf("self IPI %+v", *ipis)
	}
}

func TestESR(t *testing.T) {
	l, _, ipis, _ := newAPIC(0)
	xv6Init(l)
	*ipis = nil
	w(l, ICRLO, 0x4000|5) // fixed IPI with illegal vector 5
	if len(*ipis) != 0 {
		t.Error("illegal-vector IPI was sent")
	}
	if got := l.Read(ESR, 4); got != 0 {
		t.Errorf("ESR before write %#x, want 0 (write-then-read)", got)
	}
	w(l, ESR, 0)
	if got := l.Read(ESR, 4); got != ESRSendIllegal {
		t.Errorf("ESR %#x, want %#x", got, ESRSendIllegal)
	}
	if !l.Pending() || l.Ack() != 51 {
		t.Error("ERROR LVT vector 51 not raised")
	}
	w(l, ESR, 0)
	if got := l.Read(ESR, 4); got != 0 {
		t.Errorf("ESR after second write %#x, want 0", got)
	}
}

// fakePIC is an 8259 stand-in for LINT0.
type fakePIC struct{ pending bool }

func (p *fakePIC) Pending() bool { return p.pending }
func (p *fakePIC) Ack() uint8    { p.pending = false; return 0x08 }

func TestLINT0ExtINT(t *testing.T) {
	l, _, _, _ := newAPIC(0)
	p := &fakePIC{pending: true}
	l.PIC = p
	if !l.AcceptsPIC() || !l.Pending() || l.Ack() != 0x08 {
		t.Error("disabled APIC does not pass the 8259 through")
	}
	w(l, SVR, 0x1FF)
	p.pending = true
	if l.Pending() {
		t.Error("enabled APIC with LINT0 masked passed the 8259 through")
	}
	w(l, LINT0, 0x700) // virtual wire
	if !l.Pending() || l.Ack() != 0x08 {
		t.Error("LINT0 ExtINT does not pass the 8259 through")
	}
}

func TestResetKeepsID(t *testing.T) {
	l, _, _, _ := newAPIC(5)
	xv6Init(l)
	l.Accept(40)
	l.Reset()
	if l.Read(ID, 4) != 5<<24 || l.Read(SVR, 4) != 0xFF || l.Read(TIMER, 4) != LVTMasked || l.Pending() {
		t.Error("Reset did not restore the power-on state")
	}
	if l.SendIPI == nil || l.OnEOI == nil {
		t.Error("Reset dropped the board's callbacks")
	}
}

func TestMatches(t *testing.T) {
	l, _, _, _ := newAPIC(2)
	for _, c := range []struct {
		name     string
		ldr, dfr uint32
		dest     uint8
		logical  bool
		want     bool
	}{
		{"physical own ID", 0, 0xFFFFFFFF, 2, false, true},
		{"physical other ID", 0, 0xFFFFFFFF, 1, false, false},
		{"physical broadcast", 0, 0xFFFFFFFF, 0xFF, false, true},
		{"logical, LDR unset", 0, 0xFFFFFFFF, 0xFF, true, false},
		{"flat hit", 0x04000000, 0xFFFFFFFF, 0x06, true, true},
		{"flat miss", 0x04000000, 0xFFFFFFFF, 0x09, true, false},
		{"cluster hit", 0x21000000, 0x0FFFFFFF, 0x23, true, true},
		{"cluster other cluster", 0x21000000, 0x0FFFFFFF, 0x13, true, false},
		{"cluster broadcast", 0x21000000, 0x0FFFFFFF, 0xF1, true, true},
	} {
		w(l, LDR, c.ldr)
		w(l, DFR, c.dfr)
		if got := l.Matches(c.dest, c.logical); got != c.want {
			t.Errorf("%s: Matches(%#x, %v) = %v, want %v", c.name, c.dest, c.logical, got, c.want)
		}
	}
}
