package cmos

import (
	"math/rand"
	"reflect"
	"testing"
	"time"
)

// An RTC saved after the guest set its clock and NVRAM, restored into a new one (with
// another power-on time) on the same virtual clock, reads the same from then on.
func TestSnapshotRandom(t *testing.T) {
	var now int64
	drive := func(c *CMOS, rng *rand.Rand, n int) (log []uint32) {
		for k := 0; k < n; k++ {
			now += int64(rng.Intn(1e9))
			c.Out(IndexPort, 1, uint32(rng.Intn(256)))
			if rng.Intn(3) == 0 {
				c.Out(DataPort, 1, uint32(rng.Intn(256)))
			} else {
				log = append(log, c.In(DataPort, 1))
			}
		}
		return log
	}
	for seed := int64(1); seed <= 20; seed++ {
		now = 0
		a := New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), func() int64 { return now })
		b := New(time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), func() int64 { return now })
		drive(a, rand.New(rand.NewSource(seed)), 200)
		s := a.Save()
		if err := b.Restore(s); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(b.Save(), s) {
			t.Fatalf("seed %d: restored RTC saves another state", seed)
		}
		saved := now
		la := drive(a, rand.New(rand.NewSource(-seed)), 200)
		now = saved
		lb := drive(b, rand.New(rand.NewSource(-seed)), 200)
		if !reflect.DeepEqual(la, lb) {
			t.Fatalf("seed %d: the restored RTC reads differently", seed)
		}
	}
}
