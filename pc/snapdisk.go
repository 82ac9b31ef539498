package pc

import (
	"crypto/sha256"
	"fmt"
	"io"
	"sort"
	"sync"

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
	d ide.Disk

	// mu orders writes with the hashing of a snapshot's image, which may run on another
	// goroutine while the machine runs on (lazyHash).
	mu       sync.Mutex
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

// ErrorPolicy passes on the disk's werror/rerror policies (ide.ErrorPolicies); a disk
// without them stops the machine on a failed host transfer, as ide does by default.
func (t *trackedDisk) ErrorPolicy() (read, write ide.Policy) {
	if p, ok := t.d.(ide.ErrorPolicies); ok {
		return p.ErrorPolicy()
	}
	return ide.PolicyStop, ide.PolicyStop
}

// WriteAt writes the disk, first keeping the base contents of sectors written for the
// first time.
func (t *trackedDisk) WriteAt(p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
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
	t.mu.Lock()
	defer t.mu.Unlock()
	s := make([]int64, 0, len(t.orig))
	for n := range t.orig {
		s = append(s, n)
	}
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s
}

// baseContents returns the base contents of sector n, nil if it was not written since.
func (t *trackedDisk) baseContents(n int64) []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.orig[n]
}

// hash returns the SHA-256 of the image with each sector for which over (if not nil)
// returns contents replaced by them. over is called with t.mu held.
func (t *trackedDisk) hash(over func(sector int64) []byte) ([32]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.hashLocked(over)
}

// hashLocked is hash with t.mu held.
func (t *trackedDisk) hashLocked(over func(sector int64) []byte) ([32]byte, error) {
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
		if over != nil {
			for s := off / sectorSize; s < (off+int64(n))/sectorSize; s++ {
				if c := over(s); c != nil {
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
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.baseHash == nil {
		sum, err := t.hashLocked(func(n int64) []byte { return t.orig[n] })
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
	Hash     [32]byte // SHA-256 of the image at save time (in memory: see hash)
	Sectors  []int64  // sectors written since the base, in order
	Data     []byte   // their contents at save time, sectorSize bytes each

	from *trackedDisk // the disk it was saved from (in memory only)
	lazy *lazyHash    // computes Hash when first needed (in memory only)
}

// lazyHash computes a snapshot's save-time image hash when it is first asked for, so
// that taking a snapshot costs no read of the whole image. The image as saved is the
// base with the snapshot's sectors, and the disk keeps the base contents of every sector
// written since the base, so the hash can be computed later, while the machine runs on,
// as long as the disk is open.
type lazyHash struct {
	once sync.Once
	sum  [32]byte
	err  error
	fn   func() ([32]byte, error)
}

// hash returns the SHA-256 of the image as saved.
func (d *DiskState) hash() ([32]byte, error) {
	if d.lazy == nil {
		return d.Hash, nil
	}
	l := d.lazy
	l.once.Do(func() { l.sum, l.err = l.fn() })
	if l.err != nil {
		return [32]byte{}, fmt.Errorf("hashing the image as saved: %w", l.err)
	}
	return l.sum, nil
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
	s := DiskState{Present: true, Size: t.d.Size(), BaseHash: base, Sectors: t.dirty(), from: t}
	s.Data = make([]byte, len(s.Sectors)*sectorSize)
	over := make(map[int64][]byte, len(s.Sectors))
	for i, n := range s.Sectors {
		b := s.Data[i*sectorSize : (i+1)*sectorSize]
		if _, err := t.d.ReadAt(b, n*sectorSize); err != nil && err != io.EOF {
			return DiskState{}, fmt.Errorf("reading sector %d: %w", n, err)
		}
		over[n] = b
	}
	// The image as saved: the sectors written since the base as they are now, every other
	// one as in the base (the disk's own contents, or the base contents it keeps of the
	// sectors written later).
	s.lazy = &lazyHash{fn: func() ([32]byte, error) {
		return t.hash(func(n int64) []byte {
			if b, ok := over[n]; ok {
				return b
			}
			return t.orig[n]
		})
	}}
	return s, nil
}

// checkDisk validates s against t; write reports whether restoring it must write sectors
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
	saved, err := s.hash()
	if err != nil {
		return false, fmt.Errorf("disk %d: %w", unit, err)
	}
	if cur == saved {
		return false, nil
	}
	return false, fmt.Errorf("disk %d: image differs from the snapshot's (sha256 %x, the snapshot's base %x, at save %x)",
		unit, cur[:8], s.BaseHash[:8], saved[:8])
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
			if err := put(n, t.baseContents(n)); err != nil {
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
