package ioapic

import (
	"math/rand"
	"testing"
)

// TestRandomAccess drives the chip with a long seeded random sequence of accesses of
// every size, as a confused guest might: it must never panic.
func TestRandomAccess(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	a := New(1)
	a.Deliver = func(dest uint8, logical bool, mode, vector uint8, level bool) {}
	sizes := []int{1, 2, 4, 0, 3, 8}
	for i := 0; i < 200000; i++ {
		size := sizes[rng.Intn(len(sizes))]
		off := uint32(rng.Intn(0x40))
		switch rng.Intn(5) {
		case 0:
			a.Read(off, size)
		case 1:
			a.SetIRQ(rng.Intn(26)-1, rng.Intn(2) == 0)
		case 2:
			a.EOI(uint8(rng.Intn(256)))
		case 3:
			a.Write(IOREGSEL, 4, uint32(rng.Intn(0x50)))
		default:
			a.Write(off, size, rng.Uint32())
		}
	}
}
