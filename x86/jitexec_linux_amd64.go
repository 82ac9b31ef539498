package x86

import (
	"runtime"
	"syscall"
	"unsafe"
)

// execMem hands out executable chunks of host memory.
type execMem struct {
	chunks [][]byte
	n      int // chunks in use
	fin    *execFin
}

// execFin unmaps the chunks when the CodeCache goes: it is apart from the cache so that the
// finalizer is not on a cycle.
type execFin struct{ chunks [][]byte }

// next returns a fresh chunk of size bytes, or nil once max are in use (or on failure).
func (m *execMem) next(size, max int) []byte {
	if m.n < len(m.chunks) {
		m.n++
		return m.chunks[m.n-1]
	}
	if m.n >= max {
		return nil
	}
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE|syscall.PROT_EXEC,
		syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil
	}
	if m.fin == nil {
		m.fin = &execFin{}
		runtime.SetFinalizer(m.fin, func(f *execFin) {
			for _, c := range f.chunks {
				_ = syscall.Munmap(c) // nothing to do about a failure: the memory stays mapped
			}
		})
	}
	m.fin.chunks = append(m.fin.chunks, b)
	m.chunks = append(m.chunks, b)
	m.n++
	return b
}

// reuse makes every chunk free again (their blocks are gone).
func (m *execMem) reuse() { m.n = 0 }

func addrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

// funcval is the layout of a Go func value: a pointer to the code first.
type funcval struct{ fn uintptr }

// makeFunc returns a Go func that calls the code at addr with the Go internal ABI: the
// argument in RAX, the result in RAX; the code keeps RSP, RBP, R14, R15 and X15.
func makeFunc(addr uintptr) func(*CPU) uint64 {
	fv := &funcval{fn: addr}
	return *(*func(*CPU) uint64)(unsafe.Pointer(&fv))
}

// jitSupported says whether this host can run translated blocks.
const jitSupported = true
