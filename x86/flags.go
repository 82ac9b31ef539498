package x86

// EFLAGS bits.
const (
	fCF   = 1 << 0
	fPF   = 1 << 2
	fAF   = 1 << 4
	fZF   = 1 << 6
	fSF   = 1 << 7
	fTF   = 1 << 8
	fIF   = 1 << 9
	fDF   = 1 << 10
	fOF   = 1 << 11
	fIOPL = 3 << 12
	fNT   = 1 << 14
	fRF   = 1 << 16
	fVM   = 1 << 17
	fAC   = 1 << 18
	fID   = 1 << 21

	arithMask = fCF | fPF | fAF | fZF | fSF | fOF
	// flagsFixed is the set of EFLAGS bits the CPU implements (others read as 0, bit 1 as 1).
	flagsImpl = arithMask | fTF | fIF | fDF | fIOPL | fNT | fRF | fAC | fID
)

// Lazy flag operations: the last flag-setting instruction is remembered as an operation,
// its operands and its result, and each flag is computed only when something reads it.
const (
	lNone  = iota // arithmetic flags are in c.flags
	lAdd          // la + lb = lres
	lAdc          // la + lb + lcin = lres
	lSub          // la - lb = lres
	lSbb          // la - lb - lcin = lres
	lLogic        // lres, CF=OF=AF=0
	lInc          // la + 1 = lres, CF in c.flags
	lDec          // la - 1 = lres, CF in c.flags
)

var parityTab [256]bool

func init() {
	for i := range parityTab {
		n := 0
		for b := i; b != 0; b >>= 1 {
			n += b & 1
		}
		parityTab[i] = n%2 == 0
	}
}

func sizeSign(sz int) uint32 { return 1 << (uint(sz)*8 - 1) }

func sizeMask(sz int) uint32 { return 0xFFFFFFFF >> (32 - uint(sz)*8) }

func (c *CPU) setLazy(op uint8, a, b, r uint32, sz int) {
	c.lop = op
	c.la = a
	c.lb = b
	c.lres = r
	c.lsign = sizeSign(sz)
}

// saveCF moves CF into c.flags before an inc/dec, which keeps it.
func (c *CPU) saveCF() {
	if c.lop != lNone && c.lop != lInc && c.lop != lDec {
		if c.cf() {
			c.flags |= fCF
		} else {
			c.flags &^= fCF
		}
	}
}

func (c *CPU) cf() bool {
	switch c.lop {
	case lAdd:
		return c.lres < c.la
	case lAdc:
		return c.lres < c.la || (c.lcin != 0 && c.lres == c.la)
	case lSub:
		return c.la < c.lb
	case lSbb:
		return c.la < c.lb || (c.lcin != 0 && c.la == c.lb)
	case lLogic:
		return false
	}
	return c.flags&fCF != 0
}

func (c *CPU) zf() bool {
	if c.lop == lNone {
		return c.flags&fZF != 0
	}
	return c.lres == 0
}

func (c *CPU) sf() bool {
	if c.lop == lNone {
		return c.flags&fSF != 0
	}
	return c.lres&c.lsign != 0
}

func (c *CPU) of() bool {
	switch c.lop {
	case lAdd, lAdc, lInc:
		return (c.la^c.lres)&(c.lb^c.lres)&c.lsign != 0
	case lSub, lSbb, lDec:
		return (c.la^c.lb)&(c.la^c.lres)&c.lsign != 0
	case lLogic:
		return false
	}
	return c.flags&fOF != 0
}

func (c *CPU) af() bool {
	switch c.lop {
	case lNone:
		return c.flags&fAF != 0
	case lLogic:
		return false
	}
	return (c.la^c.lb^c.lres)&0x10 != 0
}

func (c *CPU) pf() bool {
	if c.lop == lNone {
		return c.flags&fPF != 0
	}
	return parityTab[uint8(c.lres)]
}

// arith returns the arithmetic flags as EFLAGS bits.
func (c *CPU) arith() uint32 {
	if c.lop == lNone {
		return c.flags & arithMask
	}
	var f uint32
	if c.cf() {
		f |= fCF
	}
	if c.pf() {
		f |= fPF
	}
	if c.af() {
		f |= fAF
	}
	if c.zf() {
		f |= fZF
	}
	if c.sf() {
		f |= fSF
	}
	if c.of() {
		f |= fOF
	}
	return f
}

// materialize puts every flag into c.flags.
func (c *CPU) materialize() {
	if c.lop != lNone {
		c.flags = c.flags&^arithMask | c.arith()
		c.lop = lNone
	}
}

// setArith replaces the arithmetic flags given in mask by those in v.
func (c *CPU) setArith(mask, v uint32) {
	if mask != arithMask {
		c.materialize()
	}
	c.flags = c.flags&^mask | v&mask
	c.lop = lNone
}

// Flags returns EFLAGS, with the lazily kept flags computed.
func (c *CPU) Flags() uint32 {
	return c.flags&^arithMask | c.arith() | 2
}

// SetFlags sets EFLAGS (unimplemented bits are ignored; VM is not supported and stays 0).
func (c *CPU) SetFlags(v uint32) {
	old := c.flags
	c.flags = v&flagsImpl | 2
	c.lop = lNone
	c.flagsChanged(old)
}

// flagsChanged reacts to IF and TF changes.
func (c *CPU) flagsChanged(old uint32) {
	if c.flags&fIF != 0 && old&fIF == 0 {
		c.intrCheck = true
		c.lim = 0
	}
	if c.flags&fTF != 0 {
		c.lim = 0
	}
}

// cond evaluates condition code cc (the low nibble of jcc/setcc/cmovcc).
func (c *CPU) cond(cc uint8) bool {
	switch c.lop {
	case lSub:
		a, b := c.la, c.lb
		switch cc {
		case 2:
			return a < b
		case 3:
			return a >= b
		case 4:
			return a == b
		case 5:
			return a != b
		case 6:
			return a <= b
		case 7:
			return a > b
		}
	case lLogic:
		switch cc {
		case 4:
			return c.lres == 0
		case 5:
			return c.lres != 0
		case 8:
			return c.lres&c.lsign != 0
		case 9:
			return c.lres&c.lsign == 0
		}
	}
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
	return r != (cc&1 != 0)
}
