package pc

import (
	"crypto/sha256"
	"fmt"
	"io"
	"sort"

	"gemu/ide"
)

// Disks in snapshots. A snapshot never copies a whole disk image: the board puts each
// disk behind a trackedDisk, which keeps, for every sector written since the image was
// opened, what the sector held before (its base contents). A snapshot then holds the
// SHA-256 of the image as it was opened (the base), the SHA-256 of the image at save
// time, and the sectors written since the base with their contents at save time.
// Restoring onto an image whose hash is the base's writes those sectors; onto an image
// whose hash is the save-time one writes nothing; any other image is refused before
// anything is written.

// sectorSize is the unit of disk tracking.
const sectorSize = ide.SectorSize

// trackedDisk is a disk that remembers the base contents of the sectors written to it.
type trackedDisk struct {
	d        ide.Disk
	orig     map[int64][]byte // sector -> its base contents, for every sector written since the base
	baseHash *[32]byte        // the base image's SHA-256, once computed
}

func newTrackedDisk(d ide.Disk) *trackedDisk {
	return &trackedDisk{d: d, orig: make(map[int64][]byte)}
}

// ReadAt reads the disk.
func (t *trackedDisk) ReadAt(p []byte, off int64) (int, error) { return t.d.ReadAt(p, off) }

// Size is the disk's size in bytes.
func (t *trackedDisk) Size() int64 { return t.d.Size() }

// WriteAt writes the disk, first keeping the base contents of sectors written for the
// first time.
func (t *trackedDisk) WriteAt(p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	first, last := off/sectorSize, (off+int64(len(p))-1)/sectorSize
	for s := first; s <= last; s++ {
		if _, ok := t.orig[s]; ok || s*sectorSize >= t.d.Size() {
			continue
		}
		b := make([]byte, sectorSize)
		if _, err := t.d.ReadAt(b, s*sectorSize); err != nil && err != io.EOF {
			return 0, fmt.Errorf("keeping sector %d before writing it: %w", s, err)
		}
		t.orig[s] = b
	}
	return t.d.WriteAt(p, off)
}

// dirty returns the sectors written since the base, in order.
func (t *trackedDisk) dirty() []int64 {
	s := make([]int64, 0, len(t.orig))
	for n := range t.orig {
		s = append(s, n)
	}
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s
}

// hash returns the SHA-256 of the image with the sectors in over replaced by their
// contents there.
func (t *trackedDisk) hash(over map[int64][]byte) ([32]byte, error) {
	h := sha256.New()
	const chunk = 256 << 10
	buf := make([]byte, chunk)
	size := t.d.Size()
	for off := int64(0); off < size; off += chunk {
		n := int(min(chunk, size-off))
		b := buf[:n]
		if _, err := t.d.ReadAt(b, off); err != nil && err != io.EOF {
			return [32]byte{}, fmt.Errorf("reading at %d: %w", off, err)
		}
		if len(over) > 0 {
			for s := off / sectorSize; s < (off+int64(n))/sectorSize; s++ {
				if c, ok := over[s]; ok {
					copy(b[s*sectorSize-off:], c)
				}
			}
		}
		h.Write(b)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, nil
}

// base returns the base image's SHA-256 (computed once).
func (t *trackedDisk) base() ([32]byte, error) {
	if t.baseHash == nil {
		sum, err := t.hash(t.orig)
		if err != nil {
			return sum, err
		}
		t.baseHash = &sum
	}
	return *t.baseHash, nil
}

// DiskState is one IDE unit's disk in a snapshot.
type DiskState struct {
	Present  bool
	Size     int64    // bytes
	BaseHash [32]byte // SHA-256 of the image the written sectors apply to
	Hash     [32]byte // SHA-256 of the image at save time
	Sectors  []int64  // sectors written since the base, in order
	Data     []byte   // their contents at save time, sectorSize bytes each

	from *trackedDisk // the disk it was saved from (in memory only)
}

// saveDisk returns the state of t (nil: no disk).
func saveDisk(t *trackedDisk) (DiskState, error) {
	if t == nil {
		return DiskState{}, nil
	}
	base, err := t.base()
	if err != nil {
		return DiskState{}, err
	}
	cur, err := t.hash(nil)
	if err != nil {
		return DiskState{}, err
	}
	s := DiskState{Present: true, Size: t.d.Size(), BaseHash: base, Hash: cur, Sectors: t.dirty(), from: t}
	s.Data = make([]byte, len(s.Sectors)*sectorSize)
	for i, n := range s.Sectors {
		if _, err := t.d.ReadAt(s.Data[i*sectorSize:(i+1)*sectorSize], n*sectorSize); err != nil && err != io.EOF {
			return DiskState{}, fmt.Errorf("reading sector %d: %w", n, err)
		}
	}
	return s, nil
}

// check validates s against t; write reports whether restoring it must write sectors
// (false: the image already is the one s was saved from).
func checkDisk(unit int, t *trackedDisk, s *DiskState) (write bool, err error) {
	if (t != nil) != s.Present {
		if s.Present {
			return false, fmt.Errorf("disk %d: the snapshot has a disk there, this machine has none", unit)
		}
		return false, fmt.Errorf("disk %d: this machine has a disk the snapshot does not", unit)
	}
	if t == nil {
		return false, nil
	}
	if t.d.Size() != s.Size {
		return false, fmt.Errorf("disk %d: image is %d bytes, the snapshot's was %d", unit, t.d.Size(), s.Size)
	}
	if len(s.Data) != len(s.Sectors)*sectorSize {
		return false, fmt.Errorf("disk %d: %d sectors with %d bytes of data", unit, len(s.Sectors), len(s.Data))
	}
	for i, n := range s.Sectors {
		if n < 0 || n >= s.Size/sectorSize || (i > 0 && n <= s.Sectors[i-1]) {
			return false, fmt.Errorf("disk %d: sector list out of order or range", unit)
		}
	}
	if s.from == t {
		return true, nil
	}
	base, err := t.base()
	if err != nil {
		return false, fmt.Errorf("disk %d: %w", unit, err)
	}
	if base == s.BaseHash {
		return true, nil
	}
	cur, err := t.hash(nil)
	if err != nil {
		return false, fmt.Errorf("disk %d: %w", unit, err)
	}
	if cur == s.Hash {
		return false, nil
	}
	return false, fmt.Errorf("disk %d: image differs from the snapshot's (sha256 %x, the snapshot's base %x, at save %x)",
		unit, cur[:8], s.BaseHash[:8], s.Hash[:8])
}

// restoreDisk makes t's image the one s was saved from: every sector written since the
// base goes back to its base contents, except those s holds, which get s's contents.
// Only sectors whose contents change are written.
func restoreDisk(t *trackedDisk, s *DiskState) error {
	want := make(map[int64][]byte, len(s.Sectors))
	for i, n := range s.Sectors {
		want[n] = s.Data[i*sectorSize : (i+1)*sectorSize]
	}
	cur := make([]byte, sectorSize)
	put := func(n int64, b []byte) error {
		if _, err := t.d.ReadAt(cur, n*sectorSize); err != nil && err != io.EOF {
			return fmt.Errorf("reading sector %d: %w", n, err)
		}
		if string(cur) == string(b) {
			return nil
		}
		if _, err := t.WriteAt(b, n*sectorSize); err != nil {
			return fmt.Errorf("writing sector %d: %w", n, err)
		}
		return nil
	}
	for _, n := range t.dirty() {
		if _, ok := want[n]; !ok {
			if err := put(n, t.orig[n]); err != nil {
				return err
			}
		}
	}
	for _, n := range s.Sectors {
		if err := put(n, want[n]); err != nil {
			return err
		}
	}
	return nil
}
