//go:build !(linux && amd64)

package x86

// execMem has no executable memory on this host: every instruction is interpreted.
type execMem struct{}

func (m *execMem) next(size, max int) []byte { return nil }
func (m *execMem) reuse()                    {}

func addrOf(b []byte) uintptr { return 0 }

func makeFunc(addr uintptr) func(*CPU) uint64 { return nil }

// jitSupported says whether this host can run translated blocks.
const jitSupported = false
