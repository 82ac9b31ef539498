package ide

import (
	"math/rand"
	"testing"
)

// TestRandomAccess drives the chip with a long seeded random sequence of accesses of
// every size, as a confused guest might: it must never panic.
func TestRandomAccess(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	c := New()
	if err := c.Attach(0, memDisk(make([]byte, 64*SectorSize))); err != nil {
		t.Fatal(err)
	}
	c.IRQ = func(bool) {}
	sizes := []int{1, 2, 4, 0, 3, 8}
	for i := 0; i < 200000; i++ {
		size := sizes[rng.Intn(len(sizes))]
		port := uint16(Data + rng.Intn(8))
		if rng.Intn(8) == 0 {
			port = Control
		}
		switch rng.Intn(3) {
		case 0:
			c.In(port, size)
		default:
			v := rng.Uint32()
			if port == Status && rng.Intn(2) == 0 {
				v = uint32([]uint8{0x20, 0x30, 0xC4, 0xC5, 0xC6, 0xEC, 0x91, 0x40}[rng.Intn(8)])
			}
			c.Out(port, size, v)
		}
	}
}

// memDisk is a Disk in memory.
type memDisk []byte

func (m memDisk) ReadAt(p []byte, off int64) (int, error)  { return copy(p, m[off:]), nil }
func (m memDisk) WriteAt(p []byte, off int64) (int, error) { return copy(m[off:], p), nil }
func (m memDisk) Size() int64                              { return int64(len(m)) }
