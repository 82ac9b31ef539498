package pc

import (
	"bytes"
	"math/rand"
	"testing"
)

// Pages of every kind (and the borders between kinds) survive the RAM section's
// encoding byte for byte, and are classified as expected.
func TestSnapshotPageEncoding(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	const n = 12
	ram := make([]byte, n*pageSize)
	page := func(i int) []byte { return ram[i*pageSize : (i+1)*pageSize] }
	fill := func(p []byte, v byte) {
		for j := range p {
			p[j] = v
		}
	}
	want := make([]byte, n)
	// 0: zero.
	fill(page(1), 1) // filled
	want[1] = pageFill
	fill(page(2), 1) // xv6's free page: a link in the first word
	copy(page(2), []byte{0x00, 0x30, 0x12, 0x80})
	want[2] = pageSparse
	rng.Read(page(3)) // data
	want[3] = pageData
	fill(page(4), 0xCC) // a run across a word border and one at the very end
	copy(page(4)[6:], []byte{1, 2, 3, 4, 5})
	page(4)[pageSize-2] = 9
	page(4)[pageSize-1] = 0xCC
	want[4] = pageSparse
	fill(page(5), 7) // one long run: cut into several
	for j := 100; j < 100+maxSparseBytes; j++ {
		page(5)[j] = 8
	}
	want[5] = pageSparse
	fill(page(6), 7) // too many bytes differ
	for j := 0; j < maxSparseBytes+1; j++ {
		page(6)[j*3] = 8
	}
	want[6] = pageData
	fill(page(7), 7) // too many runs
	for j := 0; j <= maxSparseRuns; j++ {
		page(7)[j*16] = 8
	}
	want[7] = pageData
	page(8)[4095] = 1 // mostly zero: sparse with fill 0 ... its last byte is the fill
	want[8] = pageData
	page(9)[0] = 1 // sparse with fill 0
	want[9] = pageSparse
	// 10, 11: zero.

	pm := scanRAM(ram)
	for i := range want {
		if pm.kind[i] != want[i] {
			t.Errorf("page %d: kind %d, want %d", i, pm.kind[i], want[i])
		}
	}
	sec, err := encodeRAM(ramPages(ram), pm)
	if err != nil {
		t.Fatal(err)
	}
	r, pm2, err := decodeRAM(sec, len(ram))
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	for i := 0; i < n; i++ {
		if !bytes.Equal(r.mem[i*pageSize:(i+1)*pageSize], page(i)) {
			t.Errorf("page %d (kind %d) differs after decoding", i, pm.kind[i])
		}
	}
	if !bytes.Equal(pm.kind, pm2.kind) || !bytes.Equal(pm.fill, pm2.fill) {
		t.Error("page map differs after decoding")
	}
	if _, _, err := decodeRAM(sec, 2*len(ram)); err == nil {
		t.Error("a RAM section decoded for another RAM size")
	}
}
