package uart

import (
	"math/rand"
	"reflect"
	"testing"
)

// A UART saved after random traffic and restored into a new one answers the same
// accesses with the same reads, output bytes and interrupt levels as the original.
func TestSnapshotRandom(t *testing.T) {
	var log [2][]uint32
	mk := func(i int) *UART {
		u := New(0x3F8)
		u.Output = func(b byte) { log[i] = append(log[i], 0x100|uint32(b)) }
		u.IRQ = func(l bool) {
			if l {
				log[i] = append(log[i], 0x201)
			} else {
				log[i] = append(log[i], 0x200)
			}
		}
		return u
	}
	drive := func(u *UART, i int, rng *rand.Rand, n int) {
		for k := 0; k < n; k++ {
			port := uint16(0x3F8 + rng.Intn(8))
			switch rng.Intn(4) {
			case 0:
				log[i] = append(log[i], u.In(port, 1))
			case 1:
				u.Receive([]byte{byte(rng.Intn(256)), byte(rng.Intn(256))})
			default:
				u.Out(port, 1, rng.Uint32())
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
			t.Fatalf("seed %d: restored UART saves another state", seed)
		}
		log[0], log[1] = nil, nil
		drive(a, 0, rand.New(rand.NewSource(-seed)), 300)
		drive(b, 1, rand.New(rand.NewSource(-seed)), 300)
		if !reflect.DeepEqual(log[0], log[1]) {
			t.Fatalf("seed %d: the restored UART behaves differently", seed)
		}
	}
	if err := New(0x2F8).Restore(New(0x3F8).Save()); err == nil {
		t.Error("a COM1 state restored into COM2")
	}
}
