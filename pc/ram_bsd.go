//go:build darwin || freebsd || netbsd || openbsd

package pc

const mapNoReserve = 0

// adviseHuge does nothing here (no transparent huge pages).
func adviseHuge(b []byte) {}
