package lapic

import (
	"math/rand"
	"testing"
)

// TestRandomAccess drives the chip with a long seeded random sequence of accesses of
// every size, as a confused guest might: it must never panic.
func TestRandomAccess(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var now int64
	l := New(0, func() int64 { return now })
	l.SendIPI = func(IPI) {}
	l.OnEOI = func(uint8) {}
	sizes := []int{1, 2, 4, 0, 3, 8}
	for i := 0; i < 200000; i++ {
		size := sizes[rng.Intn(len(sizes))]
		off := uint32(rng.Intn(0x1000))
		now += int64(rng.Intn(1000))
		switch rng.Intn(6) {
		case 0:
			l.Read(off, size)
		case 1:
			l.Accept(uint8(rng.Intn(256)))
		case 2:
			if l.Pending() {
				l.Ack()
			}
		case 3:
			l.Update()
			l.NextEvent()
		case 4:
			l.Write(SVR, 4, 0x1FF)
		default:
			l.Write(off, size, rng.Uint32())
		}
	}
}
