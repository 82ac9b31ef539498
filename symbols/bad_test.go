package symbols

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"testing"
	"time"
)

// exercise calls every query on a table built from a damaged file: none may panic.
func exercise(tab *Table) {
	for _, a := range []uint32{0, 0x10, 0x80100000, 0x80104000, 0x8010a600, 0x80112d40, 0xffffffff} {
		tab.Describe(a)
		tab.DataPath(a)
		tab.Line(a)
	}
	tab.Field("proc", "state")
	tab.Sizeof("proc")
	tab.Enum("procstate", "ZOMBIE")
	tab.EnumName("procstate", 1)
	garbage := func(va uint32, b []byte) bool {
		for i := range b {
			b[i] = byte(va) + byte(i)*37
		}
		return true
	}
	if procs, err := tab.Procs(garbage); err == nil {
		tab.FormatProcs(procs)
	}
}

// TestDamagedELF reads truncated and corrupted copies of a real kernel: each must give
// an error or a table whose queries work, never a panic.
func TestDamagedELF(t *testing.T) {
	data, err := os.ReadFile(xv6SrcKernel(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Read(nil); err == nil {
		t.Error("Read(nil) gave no error")
	}
	for _, n := range []int{1, 4, 16, 51, 52, 53, 100, 0x1000, 0x1000 + 17} {
		if _, err := Read(data[:n]); err == nil {
			t.Errorf("Read of the first %d bytes gave no error", n)
		}
	}
	for i := 1; i < 40; i++ {
		if tab, err := Read(data[:len(data)*i/40]); err == nil {
			exercise(tab)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		bad := append([]byte(nil), data...)
		for range 8 {
			// Hit the headers at both ends of the file as often as the middle.
			var at int
			switch rng.IntN(3) {
			case 0:
				at = rng.IntN(0x100)
			case 1:
				at = len(bad) - 1 - rng.IntN(0x400)
			default:
				at = rng.IntN(len(bad))
			}
			bad[at] = byte(rng.Uint32())
		}
		if tab, err := Read(bad); err == nil {
			exercise(tab)
		}
	}
}

// TestDWARFEntriesWithoutEnd damages the null entry that ends a compilation unit's
// entries into an unfinished ULEB128, after which debug/dwarf (Go 1.26) returns empty
// entries for ever: Read must stop with an error.
func TestDWARFEntriesWithoutEnd(t *testing.T) {
	data, err := os.ReadFile(xv6SrcKernel(t))
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	info := f.Section(".debug_info")
	if info == nil {
		t.Fatal("no .debug_info")
	}
	// Find a unit, not the last, that ends with a null entry (32-bit DWARF units:
	// a 4-byte length, then that many bytes).
	at := -1
	for u := uint64(0); u+4 < info.Size; {
		var l [4]byte
		if _, err := info.ReadAt(l[:], int64(u)); err != nil {
			t.Fatal(err)
		}
		end := u + 4 + uint64(binary.LittleEndian.Uint32(l[:]))
		if end >= info.Size {
			break
		}
		var last [1]byte
		if _, err := info.ReadAt(last[:], int64(end-1)); err != nil {
			t.Fatal(err)
		}
		if last[0] == 0 {
			at = int(info.Offset + end - 1)
			break
		}
		u = end
	}
	if at < 0 {
		t.Fatal("no unit ends with a null entry")
	}
	bad := bytes.Clone(data)
	bad[at] = 0xd0 // a ULEB128 byte that says more follow
	done := make(chan error, 1)
	go func() {
		_, err := Read(bad)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Read of the damaged kernel gave no error")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Read of the damaged kernel did not return")
	}
}

// FuzzRead feeds Read arbitrary bytes; go test runs the seeds, go test -fuzz more.
func FuzzRead(f *testing.F) {
	f.Add([]byte("\x7fELF\x01\x01\x01\x00"))
	f.Add([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("not an elf"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if tab, err := Read(data); err == nil {
			exercise(tab)
		}
	})
}
