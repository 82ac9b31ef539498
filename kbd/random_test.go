package kbd

import (
	"math/rand"
	"testing"
)

// TestRandomAccess drives the chip with a long seeded random sequence of accesses of
// every size, as a confused guest might: it must never panic.
func TestRandomAccess(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	c := New()
	c.IRQ = func(bool) {}
	c.A20 = func(bool) {}
	c.Reset = func() {}
	sizes := []int{1, 2, 4, 0, 3, 8}
	for i := 0; i < 200000; i++ {
		size := sizes[rng.Intn(len(sizes))]
		port := []uint16{DataPort, StatusPort, 0x61}[rng.Intn(3)]
		switch rng.Intn(4) {
		case 0:
			c.In(port, size)
		case 1:
			c.Send(byte(rng.Intn(256)))
		default:
			c.Out(port, size, rng.Uint32())
		}
	}
}
