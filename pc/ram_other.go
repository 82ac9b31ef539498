//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package pc

// ramBlock owns guest RAM (a Go allocation on this system).
type ramBlock struct{ b []byte }

func allocRAM(n int) (*ramBlock, error) { return &ramBlock{b: make([]byte, n)}, nil }
