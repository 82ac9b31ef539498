package x86

import "encoding/binary"

// fillPattern fills b (a whole number of sz-byte items) with the little-endian sz-byte
// value v: clear for zero, else one 8-byte pattern then doubling copies (memmove speed,
// which matters because xv6's kinit fills all of RAM with rep stosl).
func fillPattern(b []byte, sz int, v uint32) {
	switch sz {
	case 1:
		v &= 0xFF
		v |= v << 8
		v |= v << 16
	case 2:
		v &= 0xFFFF
		v |= v << 16
	}
	if v == 0 {
		clear(b)
		return
	}
	if len(b) < 8 {
		for i := range b {
			b[i] = byte(v >> (8 * (i & 3)))
		}
		return
	}
	binary.LittleEndian.PutUint64(b, uint64(v)|uint64(v)<<32)
	for n := 8; n < len(b); n *= 2 {
		copy(b[n:], b[:n])
	}
}
