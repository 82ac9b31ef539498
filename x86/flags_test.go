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
					c.lop = lSub // the long way, through the flag functions
					var r bool
					switch cc >> 1 {
					case 0:
						r = c.of()
					case 1:
						r = c.cf()
					case 2:
						r = c.zf()
					case 3:
						r = c.cf() || c.zf()
					case 4:
						r = c.sf()
					case 5:
						r = c.pf()
					case 6:
						r = c.sf() != c.of()
					case 7:
						r = c.zf() || c.sf() != c.of()
					}
					if want := r != (cc&1 != 0); got != want {
						t.Errorf("size %d: %#x - %#x, condition %#x: got %v, want %v", sz, a, b, cc, got, want)
					}
				}
			}
		}
	}
}
