//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package pc

// ramImage is a snapshot's copy of guest RAM, in the Go heap on this system.
type ramImage struct {
	size int
	mem  []byte
}

func newRAMImage(size int) (*ramImage, error) {
	return &ramImage{size: size, mem: make([]byte, size)}, nil
}

func (r *ramImage) writeAt(p []byte, off int) error { copy(r.mem[off:], p); return nil }

func (r *ramImage) finish() error { return nil }

func (r *ramImage) close() {}
