package pic

import (
	"math/rand"
	"reflect"
	"testing"
)

// A PIC pair saved after random programming and interrupts and restored into a new pair
// answers the same accesses with the same reads and acknowledged vectors.
func TestSnapshotRandom(t *testing.T) {
	drive := func(p *PIC, rng *rand.Rand, n int) (log []uint32) {
		ports := []uint16{0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1}
		for k := 0; k < n; k++ {
			port := ports[rng.Intn(len(ports))]
			switch rng.Intn(5) {
			case 0:
				log = append(log, p.In(port, 1))
			case 1:
				p.SetIRQ(rng.Intn(16), rng.Intn(2) == 0)
			case 2:
				if p.Pending() {
					log = append(log, uint32(p.Ack()))
				}
			default:
				p.Out(port, 1, uint32(rng.Intn(256)))
			}
		}
		return log
	}
	for seed := int64(1); seed <= 20; seed++ {
		a, b := New(), New()
		drive(a, rand.New(rand.NewSource(seed)), 300)
		s := a.Save()
		if err := b.Restore(s); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(b.Save(), s) {
			t.Fatalf("seed %d: restored pair saves another state", seed)
		}
		la := drive(a, rand.New(rand.NewSource(-seed)), 300)
		lb := drive(b, rand.New(rand.NewSource(-seed)), 300)
		if !reflect.DeepEqual(la, lb) {
			t.Fatalf("seed %d: the restored pair behaves differently", seed)
		}
	}
	var bad State
	bad.Chip[1].Step = 9
	if err := New().Restore(bad); err == nil {
		t.Error("a state with ICW step 9 accepted")
	}
}
