package uart

import (
	"math/rand"
	"testing"
)

// TestRandomAccess drives the chip with a long seeded random sequence of accesses of
// every size, as a confused guest might: it must never panic.
func TestRandomAccess(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	u := New(0x3F8)
	u.Output = func(byte) {}
	u.IRQ = func(bool) {}
	sizes := []int{1, 2, 4, 0, 3, 8}
	for i := 0; i < 200000; i++ {
		size := sizes[rng.Intn(len(sizes))]
		port := uint16(0x3F8 + rng.Intn(9))
		switch rng.Intn(4) {
		case 0:
			u.In(port, size)
		case 1:
			u.Receive([]byte{byte(rng.Intn(256))})
		default:
			u.Out(port, size, rng.Uint32())
		}
	}
}
