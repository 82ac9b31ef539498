//go:build !linux

package pc

import "fmt"

// loadRAM copies the image into guest RAM (no in-place private mapping here).
func (m *Machine) loadRAM(r *ramImage) error {
	if len(m.ram) != r.size || r.mem == nil {
		return fmt.Errorf("snapshot RAM: %d bytes for a %d-byte RAM", r.size, len(m.ram))
	}
	copy(m.ram, r.mem)
	return nil
}

// touchedPages cannot tell untouched pages here: every page is scanned.
func touchedPages(b []byte) []byte { return nil }

// privatePages cannot tell written pages here: snapshots are always whole.
func (m *Machine) privatePages() ([]int, bool) { return nil, false }

// rebase does nothing here: RAM stays the machine's own.
func (m *Machine) rebase(r *ramImage) error { return nil }
