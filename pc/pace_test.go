package pc

import (
	"context"
	"testing"
	"time"
)

// An idle xv6 under pacing takes a timer tick every 10 ms; the pacer must not sleep and wake
// the host for every one (QA-B6), yet idle time must still take host time.
func TestPacedIdleXv6SleepsRarely(t *testing.T) {
	x := bootXv6(t, 1, nil)
	x.expect(0, "$ ", 5_000_000_000)
	x.m.SetPace(true)
	before := x.m.pacer.sleeps
	start := time.Now()
	const idle = 1_000_000_000 // 1 s of virtual time at the prompt
	if r, done, err := x.m.RunFor(context.Background(), idle); err != nil || done {
		t.Fatalf("RunFor: done %v (%s), %v", done, r.Message, err)
	}
	host := time.Since(start)
	sleeps := x.m.pacer.sleeps - before
	t.Logf("1 s idle: %d host sleeps, %v host time", sleeps, host)
	if sleeps > 30 {
		t.Errorf("%d host sleeps for 1 s of idle guest (100 timer ticks); want at most 30", sleeps)
	}
	if host < idle*time.Nanosecond-2*maxLead {
		t.Errorf("1 s of idle virtual time took only %v of host time: not paced", host)
	}
}
