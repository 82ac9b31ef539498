package symbols

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestStructAt finds the sleeplock inside an inode by its address, and nothing
// where no struct starts.
func TestStructAt(t *testing.T) {
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			tab, _ := openKernel(t, k.build)
			base, ok := tab.Addr("icache")
			if !ok {
				t.Fatal("no icache")
			}
			lock := uint32(0)
			for a := base; a < base+4096; a++ {
				if p, _ := tab.DataPath(a); p == "icache.inode[1].lock" {
					lock = a
					break
				}
			}
			if lock == 0 {
				t.Fatal("no icache.inode[1].lock in the first 4 KB of icache")
			}
			if name, ok := tab.StructAt(lock); !ok || name != "sleeplock" {
				t.Errorf("StructAt(icache.inode[1].lock) = %q, %v, want sleeplock", name, ok)
			}
			if name, ok := tab.StructAt(lock + 1); ok {
				t.Errorf("StructAt(one byte into a sleeplock) = %q, want none", name)
			}
			if name, ok := tab.StructAt(0x10); ok {
				t.Errorf("StructAt(0x10) = %q, want none", name)
			}
		})
	}
}

// TestDeadlocks finds a two-process cycle once, a three-process one behind a waiter
// that is not on it, and no cycle where a holder is missing.
func TestDeadlocks(t *testing.T) {
	p := func(pid, holder int) Proc { return Proc{PID: pid, Holder: holder, Name: "p", ChanDesc: "l"} }
	for _, c := range []struct {
		procs []Proc
		want  [][]int
	}{
		{[]Proc{p(1, 0), p(5, 6), p(6, 5)}, [][]int{{1, 2}}},
		{[]Proc{p(9, 3), p(3, 4), p(4, 7), p(7, 3)}, [][]int{{1, 2, 3}}},
		{[]Proc{p(5, 6), p(6, 8)}, nil},
		{[]Proc{p(5, 5)}, [][]int{{0}}},
	} {
		if got := Deadlocks(c.procs); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Deadlocks(%v) = %v, want %v", c.procs, got, c.want)
		}
	}
	got := FormatDeadlock([]Proc{{PID: 5, Name: "a", ChanDesc: "x.lock"}, {PID: 6, Name: "b", ChanDesc: "y.lock"}}, []int{0, 1})
	want := "pid 5 (a) waits for x.lock, held by pid 6 (b)\npid 6 (b) waits for y.lock, held by pid 5 (a)\n"
	if got != want {
		t.Errorf("FormatDeadlock = %q, want %q", got, want)
	}
}

// TestReadBootDisk reads the kernel's names from each xv6.img, DWARF included where the
// image keeps it (xv6-public's), and refuses a file with no ELF after the boot sector.
func TestReadBootDisk(t *testing.T) {
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			_, path := openKernel(t, k.build)
			tab, err := ReadBootDisk(filepath.Join(filepath.Dir(path), k.image))
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := tab.Addr("scheduler"); !ok {
				t.Error("no scheduler among the boot disk kernel's symbols")
			}
			// Struct layouts need DWARF: xv6-public's image has it, ours is stripped.
			_, _, dwarf := tab.Field("proc", "pid")
			if want := k.name == "xv6-public"; dwarf != want {
				t.Errorf("struct proc known: %v, want %v", dwarf, want)
			}
		})
	}
	bad := filepath.Join(t.TempDir(), "bad.img")
	if err := os.WriteFile(bad, make([]byte, 1024), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadBootDisk(bad); err == nil || !strings.Contains(err.Error(), "no ELF kernel") {
		t.Errorf("ReadBootDisk(zeros) = %v, want no ELF kernel", err)
	}
	if _, err := ReadBootImage(make([]byte, 100)); err == nil {
		t.Error("ReadBootImage(100 zero bytes) succeeded")
	}
}
