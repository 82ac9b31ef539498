package pc

import (
	"fmt"
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
