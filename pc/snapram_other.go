//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package pc

import "sync/atomic"

// ramImage is a snapshot's copy of guest RAM, in the Go heap on this system.
type ramImage struct {
	size  int
	mem   []byte
	pages pageMap // what each page holds
	refs  atomic.Int32
}

func newRAMImage(size int) (*ramImage, error) {
	r := &ramImage{size: size, mem: make([]byte, size)}
	r.refs.Store(1)
	return r, nil
}

func (r *ramImage) writeAt(p []byte, off int) error { copy(r.mem[off:], p); return nil }

func (r *ramImage) finish() error { return nil }

func (r *ramImage) close() { r.mem = nil }
