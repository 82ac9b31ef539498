package symbols

import "encoding/binary"

// KernBase is where xv6 maps physical memory in every address space: kernel virtual
// address KernBase+pa is physical address pa.
const KernBase = 0x80000000

// KernelReader returns a reader of xv6 kernel virtual addresses for Procs, over ram,
// the guest's physical memory: it reads va-KernBase and refuses addresses below
// KernBase or past the end of ram.
func KernelReader(ram []byte) func(va uint32, b []byte) bool {
	return func(va uint32, b []byte) bool {
		if va < KernBase {
			return false
		}
		pa := uint64(va - KernBase)
		if pa+uint64(len(b)) > uint64(len(ram)) {
			return false
		}
		copy(b, ram[pa:])
		return true
	}
}

// Words turns a reader of bytes into the reader of little-endian 32-bit words that
// Backtrace takes.
func Words(read func(va uint32, b []byte) bool) func(va uint32) (uint32, bool) {
	return func(va uint32) (uint32, bool) {
		var w [4]byte
		if !read(va, w[:]) {
			return 0, false
		}
		return binary.LittleEndian.Uint32(w[:]), true
	}
}
