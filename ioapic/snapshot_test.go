package ioapic

import (
	"math/rand"
	"reflect"
	"testing"
)

// An I/O APIC saved after random programming and interrupts and restored into a new one
// answers the same accesses with the same reads and interrupt messages.
func TestSnapshotRandom(t *testing.T) {
	var log [2][]uint32
	mk := func(i int) *IOAPIC {
		a := New(1)
		a.Deliver = func(dest uint8, logical bool, mode, vector uint8, level bool) {
			log[i] = append(log[i], uint32(dest)<<16|uint32(mode)<<8|uint32(vector))
		}
		return a
	}
	drive := func(a *IOAPIC, i int, rng *rand.Rand, n int) {
		for k := 0; k < n; k++ {
			switch rng.Intn(5) {
			case 0:
				log[i] = append(log[i], a.Read(IOWIN, 4))
			case 1:
				a.SetIRQ(rng.Intn(NumPins), rng.Intn(2) == 0)
			case 2:
				a.EOI(uint8(rng.Intn(256)))
			case 3:
				a.Write(IOREGSEL, 4, uint32(rng.Intn(0x40)))
			default:
				a.Write(IOWIN, 4, rng.Uint32())
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
			t.Fatalf("seed %d: restored I/O APIC saves another state", seed)
		}
		log[0], log[1] = nil, nil
		drive(a, 0, rand.New(rand.NewSource(-seed)), 300)
		drive(b, 1, rand.New(rand.NewSource(-seed)), 300)
		if !reflect.DeepEqual(log[0], log[1]) {
			t.Fatalf("seed %d: the restored I/O APIC behaves differently", seed)
		}
	}
}
