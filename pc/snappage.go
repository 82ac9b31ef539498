package pc

import (
	"encoding/binary"
	"errors"
	"math/bits"
)

// RAM pages in snapshots. Most of a guest's RAM is zero or one byte value repeated (xv6
// fills every free page with 1s), or nearly so (a free page holds its list link in its
// first word): each page is classified once, and pages that are not zero are stored as
// a fill byte, a fill byte with a few runs of other bytes (sparse), or their 4 KB.

// Page kinds in the RAM section.
const (
	pageZero   = 0 // all zero: not stored
	pageFill   = 1 // one byte value repeated
	pageData   = 2 // stored whole
	pageSparse = 3 // a fill byte and at most maxSparseBytes other bytes, in at most maxSparseRuns runs
)

const (
	maxSparseBytes = 128
	maxSparseRuns  = 32
)

// pageMap classifies the pages of a RAM.
type pageMap struct {
	kind []byte // a page kind per page
	fill []byte // the fill byte of each pageFill and pageSparse page
}

// classify returns a page's kind and fill byte. The fill byte of a page that is not
// uniform is its last byte.
func classify(p []byte) (kind, fill byte) {
	fill = p[len(p)-1]
	pat := uint64(fill) * 0x0101010101010101
	diff := 0
	for i := 0; i < len(p); i += 8 {
		if w := binary.LittleEndian.Uint64(p[i:]) ^ pat; w != 0 {
			// Count the differing bytes of the word.
			w |= w >> 4
			w |= w >> 2
			w |= w >> 1
			diff += bits.OnesCount64(w & 0x0101010101010101)
			if diff > maxSparseBytes {
				return pageData, 0
			}
		}
	}
	switch {
	case diff == 0 && fill == 0:
		return pageZero, 0
	case diff == 0:
		return pageFill, fill
	}
	if runs(p, fill) > maxSparseRuns {
		return pageData, 0
	}
	return pageSparse, fill
}

// runs counts the runs of bytes of p other than fill.
func runs(p []byte, fill byte) int {
	n := 0
	forRuns(p, fill, func(off, end int) { n++ })
	return n
}

// forRuns calls f with the bounds of each run of bytes of p other than fill, at most
// maxSparseBytes long (a longer stretch is cut into runs). It skips whole words of fill.
func forRuns(p []byte, fill byte, f func(off, end int)) {
	pat := uint64(fill) * 0x0101010101010101
	start := -1
	for i := 0; i < len(p); i += 8 {
		if binary.LittleEndian.Uint64(p[i:]) == pat {
			if start >= 0 {
				f(start, i)
				start = -1
			}
			continue
		}
		for j := i; j < i+8; j++ {
			switch {
			case p[j] == fill && start >= 0:
				f(start, j)
				start = -1
			case p[j] != fill && start < 0:
				start = j
			case p[j] != fill && j-start == maxSparseBytes:
				f(start, j)
				start = j
			}
		}
	}
	if start >= 0 {
		f(start, len(p))
	}
}

// appendSparse appends a sparse page's runs: their number (a byte), then for each its
// offset (uint16), its length (a byte, 1-128) and its bytes.
func appendSparse(dst, p []byte, fill byte) []byte {
	n := len(dst)
	dst = append(dst, 0)
	forRuns(p, fill, func(off, end int) {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(off))
		dst = append(dst, byte(end-off))
		dst = append(dst, p[off:end]...)
		dst[n]++
	})
	return dst
}

// errSparse says a sparse page's runs are malformed.
var errSparse = errors.New("sparse page runs out of range")

// readSparse fills page with fill and the runs read by next(n), which returns the next
// n bytes of the stream.
func readSparse(page []byte, fill byte, next func(n int) ([]byte, error)) error {
	fillBytes(page, fill)
	h, err := next(1)
	if err != nil {
		return err
	}
	nr := int(h[0])
	if nr > maxSparseRuns {
		return errSparse
	}
	for r := 0; r < nr; r++ {
		h, err := next(3)
		if err != nil {
			return err
		}
		off, n := int(binary.LittleEndian.Uint16(h)), int(h[2])
		if n == 0 || off+n > len(page) {
			return errSparse
		}
		b, err := next(n)
		if err != nil {
			return err
		}
		copy(page[off:], b)
	}
	return nil
}

// fillBytes sets every byte of p to v, a doubling copy at a time.
func fillBytes(p []byte, v byte) {
	if len(p) == 0 {
		return
	}
	p[0] = v
	for n := 1; n < len(p); n *= 2 {
		copy(p[n:], p[:n])
	}
}
