package pc

import "syscall"

const mapNoReserve = syscall.MAP_NORESERVE

// adviseHuge asks for transparent huge pages (THP is often in madvise mode): xv6 touches
// all its RAM at boot (kinit fills every page), and one 2 MB fault costs far less than
// 512 4 KB ones. Only advice: on failure RAM works in small pages.
func adviseHuge(b []byte) { _ = syscall.Madvise(b, syscall.MADV_HUGEPAGE) }
