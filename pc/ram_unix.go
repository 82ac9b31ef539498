//go:build linux || darwin || freebsd || netbsd || openbsd

package pc

import (
	"fmt"
	"runtime"
	"syscall"
)

// ramBlock owns guest RAM mapped straight from the OS: pages are zero and cost nothing
// until the guest touches them, and a new machine never pays for clearing memory an old
// one used (as a recycled Go heap block would). The mapping goes when the block is
// garbage: do not keep slices of a machine's RAM beyond the machine.
type ramBlock struct {
	b  []byte
	pf *prefaulter // nil without prefaulting; stopped before b is unmapped
}

func allocRAM(n int) (*ramBlock, error) {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|mapNoReserve)
	if err != nil {
		return nil, fmt.Errorf("memory: mapping %d MB: %w", n>>20, err)
	}
	adviseHuge(b)
	r := &ramBlock{b: b, pf: newPrefaulter(b)}
	runtime.SetFinalizer(r, func(r *ramBlock) {
		r.pf.stop() // no madvise after the munmap
		syscall.Munmap(r.b)
	})
	return r, nil
}
