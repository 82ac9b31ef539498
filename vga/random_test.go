package vga

import (
	"math/rand"
	"testing"
)

// TestRandomAccess drives the chip with a long seeded random sequence of accesses of
// every size, as a confused guest might: it must never panic.
func TestRandomAccess(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	v := New(make([]byte, MemSize))
	var snap [Rows][Cols]uint16
	sizes := []int{1, 2, 4, 0, 3, 8}
	for i := 0; i < 200000; i++ {
		size := sizes[rng.Intn(len(sizes))]
		port := uint16(0x3B0 + rng.Intn(0x30))
		switch rng.Intn(4) {
		case 0:
			v.In(port, size)
		case 1:
			v.Cursor()
			v.Cell(rng.Intn(30)-2, rng.Intn(90)-5)
			if i%1000 == 0 {
				v.Snapshot(&snap)
			}
		default:
			v.Out(port, size, rng.Uint32())
		}
	}
}
