package cmos

import (
	"math/rand"
	"testing"
)

// TestRandomAccess drives the chip with a long seeded random sequence of accesses of
// every size, as a confused guest might: it must never panic.
func TestRandomAccess(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var now int64
	c := New(base, func() int64 { return now })
	sizes := []int{1, 2, 4, 0, 3, 8}
	for i := 0; i < 200000; i++ {
		size := sizes[rng.Intn(len(sizes))]
		now += int64(rng.Intn(1e9))
		port := uint16(0x70 + rng.Intn(3))
		switch rng.Intn(3) {
		case 0:
			c.In(port, size)
		default:
			c.Out(port, size, rng.Uint32())
		}
	}
}
