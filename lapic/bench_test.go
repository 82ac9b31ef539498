package lapic

import "testing"

// BenchmarkPendingIdle measures the interrupt check with nothing pending (the common case).
func BenchmarkPendingIdle(b *testing.B) {
	c := &clock{}
	l := New(0, c.now)
	xv6Init(l)
	for b.Loop() {
		if l.Pending() {
			b.Fatal("pending")
		}
	}
}

// BenchmarkTimerTick measures one periodic expiry: Update, Ack and EOI.
func BenchmarkTimerTick(b *testing.B) {
	c := &clock{}
	l := New(0, c.now)
	xv6Init(l)
	for b.Loop() {
		at, _ := l.NextEvent()
		c.t = at
		l.Update()
		l.Ack()
		l.Write(EOI, 4, 0)
	}
}
