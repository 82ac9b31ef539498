package lapic

import (
	"math/rand"
	"reflect"
	"testing"
)

// A local APIC saved with its timer running and interrupts pending, restored into a new
// one on the same clock, answers the same accesses, timer updates and acknowledges as the
// original.
func TestSnapshotRandom(t *testing.T) {
	var now int64
	var log [2][]uint32
	mk := func(i int) *LAPIC {
		l := New(0, func() int64 { return now })
		l.SendIPI = func(ipi IPI) { log[i] = append(log[i], 0x10000|uint32(ipi.Vector)) }
		l.OnEOI = func(v uint8) { log[i] = append(log[i], 0x20000|uint32(v)) }
		return l
	}
	regs := []uint32{TPR, SVR, ESR, ICRLO, ICRHI, TIMER, TICR, TCCR, TDCR, EOI, LDR, DFR}
	drive := func(l *LAPIC, i int, rng *rand.Rand, n int, start int64) {
		now = start
		for k := 0; k < n; k++ {
			now += int64(rng.Intn(2000))
			reg := regs[rng.Intn(len(regs))]
			switch rng.Intn(6) {
			case 0:
				log[i] = append(log[i], l.Read(reg, 4))
			case 1:
				l.Accept(uint8(16 + rng.Intn(240)))
			case 2:
				if l.Pending() {
					log[i] = append(log[i], uint32(l.Ack()))
				}
			case 3:
				l.Update()
				at, ok := l.NextEvent()
				if ok {
					log[i] = append(log[i], uint32(at))
				}
			case 4:
				l.Write(SVR, 4, 0x1FF)
				l.Write(TIMER, 4, 0x20020|uint32(rng.Intn(2))<<16)
				l.Write(TICR, 4, uint32(rng.Intn(50000)))
			default:
				l.Write(reg, 4, rng.Uint32())
			}
		}
	}
	for seed := int64(1); seed <= 20; seed++ {
		a, b := mk(0), mk(1)
		drive(a, 0, rand.New(rand.NewSource(seed)), 300, 0)
		saved := now
		s := a.Save()
		if err := b.Restore(s); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(b.Save(), s) {
			t.Fatalf("seed %d: restored APIC saves another state", seed)
		}
		log[0], log[1] = nil, nil
		drive(a, 0, rand.New(rand.NewSource(-seed)), 300, saved)
		drive(b, 1, rand.New(rand.NewSource(-seed)), 300, saved)
		if !reflect.DeepEqual(log[0], log[1]) {
			t.Fatalf("seed %d: the restored APIC behaves differently", seed)
		}
	}
	if err := New(1, nil).Restore(New(0, nil).Save()); err == nil {
		t.Error("APIC 0's state restored into APIC 1")
	}
}
