//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package pc

// ramBlock owns guest RAM (a Go allocation on this system).
type ramBlock struct {
	b  []byte
	pf *prefaulter // always nil here
}

func allocRAM(n int) (*ramBlock, error) { return &ramBlock{b: make([]byte, n)}, nil }

// canPopulate says whether populate may work here: no, so there is no prefaulter.
const canPopulate = false

// populate is never called here.
func populate(b []byte) error { return nil }
