package pc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// loadRAM makes guest RAM a private copy-on-write mapping of the image, in place (the
// CPUs' TLBs and the VGA keep slices of it): the old pages go back to the OS, and the
// guest reads the image's pages until it writes them. The image becomes the machine's
// RAM base (privatePages).
func (m *Machine) loadRAM(r *ramImage) error {
	if len(m.ram) != r.size || r.f == nil {
		return fmt.Errorf("snapshot RAM: %d bytes for a %d-byte RAM", r.size, len(m.ram))
	}
	m.ramBlock.pf.stop() // populating ahead would copy every page of the image
	m.pfNext = ^uint32(0)
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
	r.retain()
	m.ramBase.release()
	m.ramBase = r
	return nil
}

// rebase maps RAM copy-on-write over r, a snapshot just taken of it (the same bytes), so
// that the next snapshot copies only the pages written since.
func (m *Machine) rebase(r *ramImage) error { return m.loadRAM(r) }

// privatePages returns the pages of RAM written since it was mapped from its base image
// (loadRAM): the private copies the kernel made, which /proc/self/pagemap tells from the
// image's pages (bit 61: a file page; 62: swapped, which only private pages are here; 63:
// present). ok is false when RAM has no base or the kernel does not say.
func (m *Machine) privatePages() (pages []int, ok bool) {
	if m.ramBase == nil {
		return nil, false
	}
	f, err := os.Open("/proc/self/pagemap")
	if err != nil {
		return nil, false
	}
	defer f.Close()
	n := len(m.ram) / pageSize
	buf := make([]byte, 8*n)
	off := int64(uintptr(unsafe.Pointer(&m.ram[0])) / pageSize * 8)
	if _, err := f.ReadAt(buf, off); err != nil {
		return nil, false
	}
	for i := 0; i < n; i++ {
		e := binary.LittleEndian.Uint64(buf[8*i:])
		present, swapped, file := e>>63&1 != 0, e>>62&1 != 0, e>>61&1 != 0
		if swapped || present && !file {
			pages = append(pages, i)
		}
	}
	return pages, true
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
