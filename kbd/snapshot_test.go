package kbd

import (
	"math/rand"
	"reflect"
	"testing"
)

// A controller saved after random traffic and restored into a new one answers the same
// accesses with the same reads and interrupt levels as the original.
func TestSnapshotRandom(t *testing.T) {
	var log [2][]uint32
	mk := func(i int) *Controller {
		c := New()
		c.IRQ = func(l bool) {
			if l {
				log[i] = append(log[i], 0x201)
			} else {
				log[i] = append(log[i], 0x200)
			}
		}
		c.Reset = func() { log[i] = append(log[i], 0x300) }
		c.A20 = func(on bool) { log[i] = append(log[i], 0x400) }
		return c
	}
	drive := func(c *Controller, i int, rng *rand.Rand, n int) {
		for k := 0; k < n; k++ {
			port := uint16(0x60 + 4*rng.Intn(2))
			switch rng.Intn(5) {
			case 0, 1:
				log[i] = append(log[i], c.In(port, 1))
			case 2:
				c.Send(byte(rng.Intn(256)))
			default:
				c.Out(port, 1, uint32(rng.Intn(256)))
			}
		}
	}
	for seed := int64(1); seed <= 20; seed++ {
		a, b := mk(0), mk(1)
		drive(a, 0, rand.New(rand.NewSource(seed)), 300)
		s := a.Save()
		if err := b.Restore(s); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(b.Save(), s) {
			t.Fatalf("seed %d: restored controller saves another state", seed)
		}
		log[0], log[1] = nil, nil
		drive(a, 0, rand.New(rand.NewSource(-seed)), 300)
		drive(b, 1, rand.New(rand.NewSource(-seed)), 300)
		if !reflect.DeepEqual(log[0], log[1]) {
			t.Fatalf("seed %d: the restored controller behaves differently", seed)
		}
	}
}
