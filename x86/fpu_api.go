package x86

// FPURegs is the x87 state as a debugger shows it (gdb's i386 core registers st0-st7,
// fctrl, fstat, ftag, fiseg, fioff, foseg, fooff, fop).
type FPURegs struct {
	ST  [8][10]byte // ST(0) to ST(7), each 80-bit value little-endian
	FCW uint16      // control word
	FSW uint16      // status word, with TOP
	FTW uint16      // full tag word (2 bits a physical register: valid, zero, special, empty)
	FCS uint16      // last instruction: selector, offset, opcode
	FIP uint32
	FOP uint16
	FDS uint16 // its memory operand: selector, offset
	FDP uint32
}

// FPU returns the x87 state.
func (c *CPU) FPU() FPURegs {
	p := &c.fpu
	r := FPURegs{FCW: p.cw, FSW: p.statusWord(), FTW: p.fullTag(), FCS: p.fcs, FIP: p.fip,
		FOP: p.fop, FDS: p.fds, FDP: p.fdp}
	for i := range r.ST {
		x := p.get(i)
		for k := 0; k < 8; k++ {
			r.ST[i][k] = byte(x.m >> (8 * k))
		}
		r.ST[i][8], r.ST[i][9] = byte(x.se), byte(x.se>>8)
	}
	return r
}
