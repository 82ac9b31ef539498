package vga

import (
	"math/rand"
	"reflect"
	"testing"
)

// An adapter saved after random register traffic and restored into a new one reads the
// same from then on, and counts a change for the front end.
func TestSnapshotRandom(t *testing.T) {
	ports := []uint16{0x3C0, 0x3C1, 0x3C4, 0x3C5, 0x3CE, 0x3CF, 0x3D4, 0x3D5, 0x3DA, 0x3C7, 0x3C8, 0x3C9, 0x3CC, 0x3C2}
	drive := func(v *VGA, rng *rand.Rand, n int) (log []uint32) {
		for k := 0; k < n; k++ {
			p := ports[rng.Intn(len(ports))]
			if rng.Intn(2) == 0 {
				log = append(log, v.In(p, 1))
			} else {
				v.Out(p, 1, uint32(rng.Intn(256)))
			}
		}
		return log
	}
	for seed := int64(1); seed <= 20; seed++ {
		a, b := New(make([]byte, 0x8000)), New(make([]byte, 0x8000))
		drive(a, rand.New(rand.NewSource(seed)), 300)
		s := a.Save()
		ver := b.Version()
		if err := b.Restore(s); err != nil {
			t.Fatal(err)
		}
		if b.Version() == ver {
			t.Error("restore did not count a change")
		}
		if !reflect.DeepEqual(b.Save(), s) {
			t.Fatalf("seed %d: restored adapter saves another state", seed)
		}
		if ra, ca, va := a.Cursor(); true {
			if rb, cb, vb := b.Cursor(); ra != rb || ca != cb || va != vb {
				t.Fatalf("seed %d: cursor differs after restore", seed)
			}
		}
		if la, lb := drive(a, rand.New(rand.NewSource(-seed)), 300), drive(b, rand.New(rand.NewSource(-seed)), 300); !reflect.DeepEqual(la, lb) {
			t.Fatalf("seed %d: the restored adapter reads differently", seed)
		}
	}
}
