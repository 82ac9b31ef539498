package pic

import (
	"math/rand"
	"testing"
)

// TestRandomAccess drives the chip with a long seeded random sequence of accesses of
// every size, as a confused guest might: it must never panic.
func TestRandomAccess(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	p := New()
	ports := []uint16{MasterCmd, MasterData, SlaveCmd, SlaveData, ELCR1, ELCR2, 0x22}
	sizes := []int{1, 2, 4, 0, 3, 8}
	for i := 0; i < 200000; i++ {
		size := sizes[rng.Intn(len(sizes))]
		port := ports[rng.Intn(len(ports))]
		switch rng.Intn(6) {
		case 0:
			p.In(port, size)
		case 1:
			p.SetIRQ(rng.Intn(18)-1, rng.Intn(2) == 0)
		case 2:
			if p.Pending() {
				p.Ack()
			}
		case 3:
			p.Ack()
		default:
			p.Out(port, size, rng.Uint32())
		}
	}
}
