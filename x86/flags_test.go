package x86

import "testing"

// cond's shortcuts after a subtraction agree with the flags computed the long way.
func TestCondAfterSub(t *testing.T) {
	c, _, _ := newFlat(t)
	vals := []uint32{0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x1234, 0xFFFF8000}
	for _, sz := range []int{1, 2, 4} {
		mask := uint32(1)<<(8*sz) - 1
		if sz == 4 {
			mask = 0xFFFFFFFF
		}
		for _, a := range vals {
			for _, b := range vals {
				a, b := a&mask, b&mask
				for cc := uint8(0); cc < 16; cc++ {
					c.setLazy(lSub, a, b, (a-b)&mask, sz)
					got := c.cond(cc)
					f := c.arith() // the long way: EFLAGS, then the condition from its bits
					cf, zf, sf, of, pf := f&fCF != 0, f&fZF != 0, f&fSF != 0, f&fOF != 0, f&fPF != 0
					r := [8]bool{of, cf, zf, cf || zf, sf, pf, sf != of, zf || sf != of}[cc>>1]
					if want := r != (cc&1 != 0); got != want {
						t.Errorf("size %d: %#x - %#x, condition %#x: got %v, want %v", sz, a, b, cc, got, want)
					}
				}
			}
		}
	}
}
