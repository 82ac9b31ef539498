package pc

import (
	"bytes"
	"context"
	"math/rand"
	"reflect"
	"testing"

	"gemu/lapic"
	"gemu/x86"
)

// leaves collects the settable integer and boolean fields under v.
func leaves(v reflect.Value, out *[]reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				leaves(v.Field(i), out)
			}
		}
	case reflect.Array, reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 && v.Len() > 64 {
			return // RAM-like bytes: a few samples are enough
		}
		for i := 0; i < v.Len(); i++ {
			leaves(v.Index(i), out)
		}
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v.CanSet() {
			*out = append(*out, v)
		}
	}
}

// A snapshot whose state fields hold arbitrary values (with a valid checksum: a crafted
// file) is refused or restored and run, but never crashes the emulator.
func TestSnapshotCraftedStateNoPanic(t *testing.T) {
	x := atPromptAfterLs(t, 2)
	s, err := x.m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewSource(1))
	tries := 60
	if testing.Short() {
		tries = 8
	}
	for try := 0; try < tries; try++ {
		c := *s
		st := s.State
		st.CPU = append([]x86.State(nil), s.State.CPU...)
		st.LAPIC = append([]lapic.State(nil), s.State.LAPIC...)
		st.Sched.Left = append([]int(nil), s.State.Sched.Left...)
		c.State = st
		var fields []reflect.Value
		leaves(reflect.ValueOf(&c.State).Elem(), &fields)
		for k := 0; k < 1+rng.Intn(8); k++ {
			f := fields[rng.Intn(len(fields))]
			switch f.Kind() {
			case reflect.Bool:
				f.SetBool(!f.Bool())
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				f.SetInt(f.Int() + int64(rng.Intn(2001)-1000)*int64(1+rng.Intn(3)*rng.Intn(1<<20)))
			default:
				f.SetUint(rng.Uint64())
			}
		}
		var b bytes.Buffer
		if _, err := c.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		r, err := ReadSnapshot(&b)
		if err != nil {
			continue
		}
		y := bootXv6T(t, 2)
		if err := y.m.Restore(r); err == nil {
			y.m.SendSerial([]byte("ls\n"))
			y.m.RunFor(context.Background(), 20e6)
		}
		r.Close()
		y.m.Close()
	}
}
