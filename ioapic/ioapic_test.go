package ioapic

import (
	"fmt"
	"testing"
)

// msg is one delivered interrupt message.
type msg struct {
	dest    uint8
	logical bool
	mode    uint8
	vector  uint8
	level   bool
}

func newIOAPIC(id uint8) (*IOAPIC, *[]msg) {
	a := New(id)
	var got []msg
	a.Deliver = func(dest uint8, logical bool, mode, vector uint8, level bool) {
		got = append(got, msg{dest, logical, mode, vector, level})
	}
	return a, &got
}

func write(a *IOAPIC, reg uint8, v uint32) {
	a.Write(IOREGSEL, 4, uint32(reg))
	a.Write(IOWIN, 4, v)
}

func read(a *IOAPIC, reg uint8) uint32 {
	a.Write(IOREGSEL, 4, uint32(reg))
	return a.Read(IOWIN, 4)
}

// xv6Init runs xv6's ioapicinit and ioapicenable for keyboard, COM1 and IDE on ncpu CPUs.
func xv6Init(t *testing.T, a *IOAPIC, ncpu int) {
	maxintr := int(read(a, RegVER)>>16) & 0xFF
	if id := read(a, RegID) >> 24; id != uint32(a.id) {
		t.Fatalf("ID register %d, want %d", id, a.id)
	}
	for i := 0; i <= maxintr; i++ {
		write(a, RegTable+2*uint8(i), Masked|uint32(32+i))
		write(a, RegTable+2*uint8(i)+1, 0)
	}
	for _, e := range []struct{ irq, cpu int }{{1, 0}, {4, 0}, {14, ncpu - 1}} {
		write(a, RegTable+2*uint8(e.irq), uint32(32+e.irq))
		write(a, RegTable+2*uint8(e.irq)+1, uint32(e.cpu)<<24)
	}
}

func TestRegisters(t *testing.T) {
	a, _ := newIOAPIC(2)
	if got := read(a, RegVER); got != 0x00170011 {
		t.Errorf("VER %#x, want 0x00170011", got)
	}
	if got := read(a, RegID); got != 2<<24 {
		t.Errorf("ID %#x, want %#x", got, 2<<24)
	}
	if got := read(a, RegTable+5); got != 0 {
		t.Errorf("entry 2 high %#x, want 0", got)
	}
	if got := read(a, RegTable+4); got != Masked {
		t.Errorf("entry 2 low %#x, want masked", got)
	}
	write(a, RegID, 0x0A000000)
	if got := read(a, RegID); got != 0x0A000000 {
		t.Errorf("ID after write %#x", got)
	}
	// Read-only bits stay clear; destination keeps only bits 24-31.
	write(a, RegTable+6, 0xFFFFFFFF)
	write(a, RegTable+7, 0xFFFFFFFF)
	if got := read(a, RegTable+6); got != 0x1AFFF {
		t.Errorf("entry 3 low %#x, want 0x1AFFF", got)
	}
	if got := read(a, RegTable+7); got != 0xFF000000 {
		t.Errorf("entry 3 high %#x, want 0xFF000000", got)
	}
	if got := a.Read(IOREGSEL, 4); got != RegTable+7 {
		t.Errorf("IOREGSEL reads %#x", got)
	}
}

func TestXV6Routing(t *testing.T) {
	for _, ncpu := range []int{1, 2, 8} {
		t.Run(fmt.Sprint(ncpu), func(t *testing.T) {
			a, got := newIOAPIC(0)
			xv6Init(t, a, ncpu)
			for irq := 0; irq < NumPins; irq++ {
				a.SetIRQ(irq, true)
				a.SetIRQ(irq, false)
			}
			want := []msg{{0, false, 0, 33, false}, {0, false, 0, 36, false}, {uint8(ncpu - 1), false, 0, 46, false}}
			if fmt.Sprint(*got) != fmt.Sprint(want) {
				t.Errorf("delivered %v, want %v", *got, want)
			}
		})
	}
}

func TestEdge(t *testing.T) {
	a, got := newIOAPIC(0)
	write(a, RegTable+2*4, 36)
	write(a, RegTable+2*4+1, 1<<24)
	steps := []struct {
		level bool
		n     int // messages delivered so far
	}{
		{true, 1}, {true, 1}, // held high: one edge, one message
		{false, 1}, {true, 2}, {false, 2},
	}
	for i, s := range steps {
		a.SetIRQ(4, s.level)
		if len(*got) != s.n {
			t.Fatalf("step %d: %d messages, want %d", i, len(*got), s.n)
		}
	}
	// Masked: the edge is lost, and unmasking does not bring it back.
	write(a, RegTable+2*4, Masked|36)
	a.SetIRQ(4, true)
	write(a, RegTable+2*4, 36)
	if len(*got) != 2 {
		t.Errorf("masked edge delivered: %v", *got)
	}
	a.EOI(36) // EOI means nothing to an edge entry
	if len(*got) != 2 || read(a, RegTable+2*4)&RemoteIRR != 0 {
		t.Errorf("EOI affected an edge entry")
	}
}

func TestLevel(t *testing.T) {
	a, got := newIOAPIC(0)
	write(a, RegTable+2*10+1, 3<<24)
	write(a, RegTable+2*10, Level|ActiveLow|DestLogical|1<<8|42) // lowest priority, logical
	a.SetIRQ(10, true)
	want := msg{3, true, 1, 42, true}
	if len(*got) != 1 || (*got)[0] != want {
		t.Fatalf("delivered %v, want [%v]", *got, want)
	}
	if read(a, RegTable+2*10)&RemoteIRR == 0 {
		t.Error("remote IRR not set after level delivery")
	}
	a.SetIRQ(10, true)
	if len(*got) != 1 {
		t.Error("re-delivered before EOI")
	}
	a.EOI(41) // another vector: no effect
	if len(*got) != 1 {
		t.Error("EOI of another vector re-delivered")
	}
	a.EOI(42) // still asserted: delivered again
	if len(*got) != 2 {
		t.Errorf("still-asserted level not re-delivered after EOI: %d", len(*got))
	}
	a.SetIRQ(10, false)
	a.EOI(42)
	if len(*got) != 2 || read(a, RegTable+2*10)&RemoteIRR != 0 {
		t.Error("deasserted line: EOI must clear remote IRR and deliver nothing")
	}
	// Masked while asserted: delivered on unmask.
	write(a, RegTable+2*10, Masked|Level|42)
	a.SetIRQ(10, true)
	if len(*got) != 2 {
		t.Error("masked level delivered")
	}
	write(a, RegTable+2*10, Level|42)
	if len(*got) != 3 {
		t.Error("unmasking an asserted level entry did not deliver")
	}
}

func TestBadPins(t *testing.T) {
	a, got := newIOAPIC(0)
	a.SetIRQ(-1, true)
	a.SetIRQ(24, true)
	write(a, 0x40, 1) // past the table
	if read(a, 0x40) != 0 || a.Read(0x20, 4) != 0 || a.Entry(99) != 0 || len(*got) != 0 {
		t.Error("out-of-range access had an effect")
	}
}
