package pc

import (
	"bytes"
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// loadRAM makes guest RAM a private copy-on-write mapping of the image, in place (the
// CPUs' TLBs and the VGA keep slices of it): the old pages go back to the OS, and the
// guest reads the image's pages until it writes them.
func (m *Machine) loadRAM(r *ramImage) error {
	if len(m.ram) != r.size || r.f == nil {
		return fmt.Errorf("snapshot RAM: %d bytes for a %d-byte RAM", r.size, len(m.ram))
	}
	addr := uintptr(unsafe.Pointer(&m.ram[0]))
	p, _, errno := syscall.Syscall6(syscall.SYS_MMAP, addr, uintptr(r.size),
		syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_FIXED,
		r.f.Fd(), 0)
	if errno != 0 {
		return fmt.Errorf("snapshot RAM: mapping over guest RAM: %w", errno)
	}
	if p != addr {
		return fmt.Errorf("snapshot RAM: mapped at %#x, not at guest RAM %#x", p, addr)
	}
	m.ramBlock.pf.stop() // populating ahead would copy every page of the image
	m.pfNext = ^uint32(0)
	return nil
}

// touchedPages returns one byte per page of b, bit 0 set for the pages that may hold
// something other than zeros, or nil when that cannot be told. A page of guest RAM the
// guest never touched (anonymous memory) or never wrote since a restore mapped a hole
// of a snapshot's image is not resident, and reads as zeros; but with swap, a page
// that is not resident may be swapped out, so mincore is asked only on hosts without
// swap.
func touchedPages(b []byte) []byte {
	if len(b) == 0 || !noSwap() {
		return nil
	}
	vec := make([]byte, (len(b)+pageSize-1)/pageSize)
	_, _, errno := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)),
		uintptr(unsafe.Pointer(&vec[0])))
	if errno != 0 {
		return nil
	}
	return vec
}

// noSwap reports whether the host has no swap space in use (/proc/swaps lists none).
func noSwap() bool {
	b, err := os.ReadFile("/proc/swaps")
	if err != nil {
		return false
	}
	return bytes.Count(b, []byte("\n")) <= 1
}
