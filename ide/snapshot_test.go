package ide

import (
	"bytes"
	"reflect"
	"testing"
)

// A channel saved in the middle of a two-sector write and of a read restores into a new
// channel, which finishes both transfers exactly as the original does.
func TestSnapshotTransferInFlight(t *testing.T) {
	data := pattern(8)
	orig := newRig(t, memDisk(bytes.Clone(data)))
	src := pattern(3)[SectorSize:] // two sectors unlike the disk's
	orig.start(0, 2, 2, 0x30)
	orig.outsl(src[:SectorSize+100]) // the first sector and part of the second
	s := orig.c.Save()
	if s.Drive[0].Pos != 100 || !s.Drive[0].Writing || s.Drive[0].Left != 1 {
		t.Fatalf("not mid-write: pos %d writing %v left %d", s.Drive[0].Pos, s.Drive[0].Writing, s.Drive[0].Left)
	}
	disk2 := memDisk(bytes.Clone(orig.c.drive[0].disk.(memDisk)))
	cp := newRig(t, disk2)
	if err := cp.c.Restore(s); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cp.c.Save(), s) {
		t.Fatal("the restored channel saves another state")
	}
	for _, r := range []*rig{orig, cp} {
		r.outsl(src[SectorSize+100:])
		r.start(0, 5, 1, 0x20)
		r.idewait()
		r.insl(64) // half of sector 5
	}
	s1, s2 := orig.c.Save(), cp.c.Save()
	if !reflect.DeepEqual(s1, s2) {
		t.Fatalf("states differ after the same accesses:\n%+v\n%+v", s1, s2)
	}
	if !bytes.Equal(orig.c.drive[0].disk.(memDisk), disk2) {
		t.Fatal("disks differ after the same write")
	}
	if !bytes.Equal(disk2[2*SectorSize:4*SectorSize], src) {
		t.Fatal("the write finished after the restore did not reach the disk")
	}
	if got, want := cp.insl(64), data[5*SectorSize+256:6*SectorSize]; !bytes.Equal(got, want) {
		t.Fatal("the rest of the read after the restore differs from the disk")
	}

	// A state for a disk of another size, or for a unit with no disk, is refused.
	other := newRig(t, memDisk(make([]byte, 4*SectorSize)))
	if err := other.c.Restore(s); err == nil {
		t.Error("restore onto a disk of another size accepted")
	}
	none := newRig(t)
	if err := none.c.Restore(s); err == nil {
		t.Error("restore onto a channel with no disk accepted")
	}
}
