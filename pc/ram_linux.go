package pc

import "syscall"

const mapNoReserve = syscall.MAP_NORESERVE

// adviseHuge asks for transparent huge pages (THP is often in madvise mode): xv6 touches
// all its RAM at boot (kinit fills every page), and one 2 MB fault costs far less than
// 512 4 KB ones. It also makes prefaulting pay (prefault.go): on a VM measured here,
// populating 224 MB of 4 KB pages left the first write to each page still costing
// ~5.5 us (317 ms in all), against 3 ms after populating huge pages. Only advice: on
// failure RAM works in small pages.
func adviseHuge(b []byte) { _ = syscall.Madvise(b, syscall.MADV_HUGEPAGE) }

// canPopulate says whether populate may work here (prefault.go).
const canPopulate = true

// madvPopulateWrite is MADV_POPULATE_WRITE (Linux 5.14; older kernels say EINVAL).
const madvPopulateWrite = 23

// populate makes the pages of b resident and writable without changing their contents.
func populate(b []byte) error { return syscall.Madvise(b, madvPopulateWrite) }
