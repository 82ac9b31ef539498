package x86

import "testing"

// TestFillPattern checks the rep stos page fill against a byte-by-byte fill for every
// item size, zero and non-zero values, and lengths around the 8-byte pattern.
func TestFillPattern(t *testing.T) {
	for _, sz := range []int{1, 2, 4} {
		for _, v := range []uint32{0, 1, 0x01010101, 0xDEADBEEF, 0xFF00} {
			for _, items := range []int{1, 2, 3, 5, 7, 64, 1023, 1024} {
				n := items * sz
				got := make([]byte, n+1)
				got[n] = 0x5A
				fillPattern(got[:n], sz, v)
				for i := 0; i < n; i++ {
					if want := byte(v >> (8 * (i % sz))); got[i] != want {
						t.Fatalf("sz %d v %#x items %d: byte %d = %#x, want %#x", sz, v, items, i, got[i], want)
					}
				}
				if got[n] != 0x5A {
					t.Fatalf("sz %d v %#x items %d: wrote past the end", sz, v, items)
				}
			}
		}
	}
}
