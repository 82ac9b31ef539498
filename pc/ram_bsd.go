//go:build darwin || freebsd || netbsd || openbsd

package pc

const mapNoReserve = 0

// adviseHuge does nothing here (no transparent huge pages).
func adviseHuge(b []byte) {}

// canPopulate says whether populate may work here: no, so there is no prefaulter.
const canPopulate = false

// populate is never called here (no MADV_POPULATE_WRITE).
func populate(b []byte) error { return nil }
