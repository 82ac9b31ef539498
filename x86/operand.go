package x86

// ea computes the offset of the memory operand.
func (c *CPU) ea(in *insn) uint32 {
	a := in.disp
	if in.base != noReg {
		a += c.Reg[in.base]
	}
	if in.index != noReg {
		a += c.Reg[in.index] << in.scale
	}
	if in.adsz == 2 {
		a &= 0xFFFF
	}
	return a
}

func (c *CPU) reg8(r uint8) uint32 {
	if r < 4 {
		return c.Reg[r] & 0xFF
	}
	return c.Reg[r-4] >> 8 & 0xFF
}

func (c *CPU) setReg8(r uint8, v uint32) {
	if r < 4 {
		c.Reg[r] = c.Reg[r]&^0xFF | v&0xFF
	} else {
		c.Reg[r-4] = c.Reg[r-4]&^0xFF00 | (v&0xFF)<<8
	}
}

func (c *CPU) getReg(r uint8, sz int) uint32 {
	switch sz {
	case 1:
		return c.reg8(r)
	case 2:
		return c.Reg[r] & 0xFFFF
	}
	return c.Reg[r]
}

func (c *CPU) setReg(r uint8, sz int, v uint32) {
	switch sz {
	case 1:
		c.setReg8(r, v)
	case 2:
		c.Reg[r] = c.Reg[r]&^0xFFFF | v&0xFFFF
	default:
		c.Reg[r] = v
	}
}

// rmRead reads the r/m operand.
func (c *CPU) rmRead(in *insn, sz int) uint32 {
	if !in.mem {
		return c.getReg(in.rm, sz)
	}
	return c.rd(int(in.seg), c.ea(in), sz)
}

// rmWrite writes the r/m operand.
func (c *CPU) rmWrite(in *insn, sz int, v uint32) {
	if !in.mem {
		c.setReg(in.rm, sz, v)
		return
	}
	c.wr(int(in.seg), c.ea(in), sz, v)
}

// osz is the operand size of an instruction whose opcode bit 0 selects byte operands.
func osz(in *insn) int {
	if in.op&1 == 0 {
		return 1
	}
	return int(in.opsz)
}

// Stack.

func (c *CPU) push(v uint32, sz uint8) {
	m := c.spm
	sp := (c.Reg[ESP] - uint32(sz)) & m
	if sz == 4 {
		c.wr32(SS, sp, v)
	} else {
		c.wr16(SS, sp, uint16(v))
	}
	c.Reg[ESP] = c.Reg[ESP]&^m | sp
}

func (c *CPU) pop(sz uint8) uint32 {
	m := c.spm
	sp := c.Reg[ESP] & m
	var v uint32
	if sz == 4 {
		v = c.rd32(SS, sp)
	} else {
		v = uint32(c.rd16(SS, sp))
	}
	c.Reg[ESP] = c.Reg[ESP]&^m | (sp+uint32(sz))&m
	return v
}

// pushN pushes vals in order, committing ESP only when every write succeeded.
func (c *CPU) pushN(vals []uint32, sz uint8) {
	m := c.spm
	sp := c.Reg[ESP]
	for _, v := range vals {
		sp = (sp - uint32(sz)) & m
		if sz == 4 {
			c.wr32(SS, sp, v)
		} else {
			c.wr16(SS, sp, uint16(v))
		}
	}
	c.Reg[ESP] = c.Reg[ESP]&^m | sp
}

// popPeek reads the stack at SP+off without popping.
func (c *CPU) popPeek(off uint32, sz uint8) uint32 {
	sp := (c.Reg[ESP] + off) & c.spm
	if sz == 4 {
		return c.rd32(SS, sp)
	}
	return uint32(c.rd16(SS, sp))
}

func (c *CPU) spAdd(k uint32) uint32 { return (c.Reg[ESP] + k) & c.spm }

func (c *CPU) spInc(n uint32) {
	c.Reg[ESP] = c.Reg[ESP]&^c.spm | (c.Reg[ESP]+n)&c.spm
}
