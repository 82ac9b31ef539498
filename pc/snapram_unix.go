//go:build linux || darwin || freebsd || netbsd || openbsd

package pc

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
)

// ramImage is a snapshot's copy of guest RAM: an unlinked file (in /dev/shm where there
// is one, so in memory) that restores map copy-on-write over the guest's RAM, so that a
// restore costs a system call, not a copy, and restored machines share the snapshot's
// pages until they write them.
type ramImage struct {
	size  int
	f     *os.File
	mem   []byte  // the file mapped read-only, after finish
	pages pageMap // what each page holds
	refs  atomic.Int32
}

// newRAMImage returns an empty (all zero) image of size bytes.
func newRAMImage(size int) (*ramImage, error) {
	dir := os.TempDir()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		dir = "/dev/shm"
	}
	f, err := os.CreateTemp(dir, "gemu-ram-*")
	if err != nil {
		f, err = os.CreateTemp("", "gemu-ram-*")
		if err != nil {
			return nil, fmt.Errorf("snapshot RAM: %w", err)
		}
	}
	os.Remove(f.Name()) // the open file lives on, and goes when the last user closes it
	if err := f.Truncate(int64(size)); err != nil {
		f.Close()
		return nil, fmt.Errorf("snapshot RAM: sizing %d MB: %w", size>>20, err)
	}
	r := &ramImage{size: size, f: f}
	r.refs.Store(1)
	runtime.SetFinalizer(r, (*ramImage).close)
	return r, nil
}

// writeAt stores p at offset off (before finish).
func (r *ramImage) writeAt(p []byte, off int) error {
	if _, err := r.f.WriteAt(p, int64(off)); err != nil {
		return fmt.Errorf("snapshot RAM: writing at %#x: %w", off, err)
	}
	return nil
}

// finish makes the image readable through mem; it is not written again.
func (r *ramImage) finish() error {
	b, err := syscall.Mmap(int(r.f.Fd()), 0, r.size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("snapshot RAM: mapping: %w", err)
	}
	r.mem = b
	return nil
}

// close releases the image; machines restored from it keep their own mapping.
func (r *ramImage) close() {
	if r == nil || r.f == nil {
		return
	}
	if r.mem != nil {
		syscall.Munmap(r.mem)
		r.mem = nil
	}
	r.f.Close()
	r.f = nil
	runtime.SetFinalizer(r, nil)
}
