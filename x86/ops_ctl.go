package x86

import "encoding/binary"

// Jumps, calls and returns.

func (c *CPU) jumpRel(in *insn, d uint32) {
	ip := c.EIP + d
	if in.opsz == 2 {
		ip &= 0xFFFF
	}
	if ip > c.Seg[CS].Limit {
		c.raise(vecGP, 0)
	}
	c.EIP = ip
}

func opJcc8(c *CPU, in *insn) { // 70-7F, 0F 80-8F
	if c.cond(uint8(in.op & 0xF)) {
		c.jumpRel(in, in.imm)
	}
}

// opJcc32 is jcc in 32-bit code within a flat CS: the common case.
func opJcc32(c *CPU, in *insn) {
	if c.cond(uint8(in.op & 0xF)) {
		ip := c.EIP + in.imm
		if ip > c.Seg[CS].Limit {
			c.raise(vecGP, 0)
		}
		c.EIP = ip
	}
}

// Fused fast conditions after the lazy op that set them.
func opJe32(c *CPU, in *insn) {
	var t bool
	if c.lop != lNone {
		t = c.lres == 0
	} else {
		t = c.flags&fZF != 0
	}
	if t {
		opJmp32(c, in)
	}
}

func opJne32(c *CPU, in *insn) {
	var t bool
	if c.lop != lNone {
		t = c.lres != 0
	} else {
		t = c.flags&fZF == 0
	}
	if t {
		opJmp32(c, in)
	}
}

func opJmpRel(c *CPU, in *insn) { c.jumpRel(in, in.imm) } // E9, EB

func opJmp32(c *CPU, in *insn) {
	ip := c.EIP + in.imm
	if ip > c.Seg[CS].Limit {
		c.raise(vecGP, 0)
	}
	c.EIP = ip
}

func opCallRel(c *CPU, in *insn) { // E8
	ip := c.EIP + in.imm
	if in.opsz == 2 {
		ip &= 0xFFFF
	}
	if ip > c.Seg[CS].Limit {
		c.raise(vecGP, 0)
	}
	c.push(c.EIP, in.opsz)
	c.EIP = ip
}

func opCallRel32(c *CPU, in *insn) {
	ip := c.EIP + in.imm
	if ip > c.Seg[CS].Limit {
		c.raise(vecGP, 0)
	}
	if c.spm == 0xFFFFFFFF {
		sp := c.Reg[ESP] - 4
		c.wr32(SS, sp, c.EIP)
		c.Reg[ESP] = sp
	} else {
		c.push(c.EIP, 4)
	}
	c.EIP = ip
}

func opRet(c *CPU, in *insn) { // C3, C2
	ip := c.popPeek(0, in.opsz)
	if ip > c.Seg[CS].Limit {
		c.raise(vecGP, 0)
	}
	n := uint32(in.opsz)
	if in.op == 0xC2 {
		n += in.imm
	}
	c.spInc(n)
	c.EIP = ip
}

func opRet32(c *CPU, in *insn) {
	if c.spm != 0xFFFFFFFF {
		opRet(c, in)
		return
	}
	sp := c.Reg[ESP]
	ip := c.rd32(SS, sp)
	if ip > c.Seg[CS].Limit {
		c.raise(vecGP, 0)
	}
	c.Reg[ESP] = sp + 4
	c.EIP = ip
}

func opCallE(c *CPU, in *insn) { // FF /2
	ip := c.rmRead(in, int(in.opsz))
	if ip > c.Seg[CS].Limit {
		c.raise(vecGP, 0)
	}
	c.push(c.EIP, in.opsz)
	c.EIP = ip
}

func opJmpE(c *CPU, in *insn) { // FF /4
	ip := c.rmRead(in, int(in.opsz))
	if ip > c.Seg[CS].Limit {
		c.raise(vecGP, 0)
	}
	c.EIP = ip
}

func (c *CPU) farPtr(in *insn) (uint16, uint32) {
	if !in.mem {
		c.raise(vecUD, 0)
	}
	off := c.ea(in)
	v := c.rd(int(in.seg), off, int(in.opsz))
	sel := c.rd16(int(in.seg), off+uint32(in.opsz))
	return sel, v
}

func opCallFarE(c *CPU, in *insn) { sel, off := c.farPtr(in); c.farCall(sel, off, in.opsz) }
func opJmpFarE(c *CPU, in *insn)  { sel, off := c.farPtr(in); c.farJump(sel, off, in.opsz) }
func opCallFar(c *CPU, in *insn)  { c.farCall(uint16(in.imm2), in.imm, in.opsz) }
func opJmpFar(c *CPU, in *insn)   { c.farJump(uint16(in.imm2), in.imm, in.opsz) }

func opRetf(c *CPU, in *insn) {
	n := uint32(0)
	if in.op == 0xCA {
		n = in.imm
	}
	c.farReturn(in.opsz, n)
}

func opLoop(c *CPU, in *insn) { // E0-E2
	n := decCountAd(in, c)
	t := n != 0
	switch in.op {
	case 0xE0:
		t = t && !c.zf()
	case 0xE1:
		t = t && c.zf()
	}
	if t {
		c.jumpRel(in, in.imm)
	}
}

func decCountAd(in *insn, c *CPU) uint32 { return decCount(in, c) }

func opJcxz(c *CPU, in *insn) {
	if count(in, c) == 0 {
		c.jumpRel(in, in.imm)
	}
}

// Interrupts.

func opInt(c *CPU, in *insn) { c.softInt(uint8(in.imm)) }

func opInt3(c *CPU, in *insn) { c.softInt(vecBP) }

func opInto(c *CPU, in *insn) {
	if c.of() {
		c.softInt(vecOF)
	}
}

func opInt1(c *CPU, in *insn) { c.interrupt(vecDB, 0, false, kindTrap) }

// softInt delivers int n; the instruction retires (EIP already points past it). A fault while
// delivering is a fault of this instruction.
func (c *CPU) softInt(vec uint8) {
	if c.flags&fVM != 0 && c.flags&fIOPL != fIOPL {
		c.raise(vecGP, 0)
	}
	c.interrupt(vec, 0, false, kindSoft)
}

func opIret(c *CPU, in *insn) { c.iret(in.opsz) }

func opBound(c *CPU, in *insn) {
	if !in.mem {
		c.raise(vecUD, 0)
	}
	sz := int(in.opsz)
	off := c.ea(in)
	lo := sext(c.rd(int(in.seg), off, sz), sz)
	hi := sext(c.rd(int(in.seg), off+uint32(sz), sz), sz)
	v := sext(c.getReg(in.reg, sz), sz)
	if v < lo || v > hi {
		c.raise(vecBR, 0)
	}
}

func opHlt(c *CPU, in *insn) {
	if c.cpl != 0 {
		c.raise(vecGP, 0)
	}
	c.Halted = true
	c.lim = 0
}

// Flags.

func opCmc(c *CPU, in *insn) { c.setCF(!c.cf()) }
func opClc(c *CPU, in *insn) { c.setCF(false) }
func opStc(c *CPU, in *insn) { c.setCF(true) }
func opCld(c *CPU, in *insn) { c.flags &^= fDF }
func opStd(c *CPU, in *insn) { c.flags |= fDF }

// iopl returns the IOPL field.
func (c *CPU) iopl() int { return int(c.flags >> 12 & 3) }

func opCli(c *CPU, in *insn) {
	if c.protMode() && c.cpl > c.iopl() || c.flags&fVM != 0 && c.iopl() != 3 {
		c.raise(vecGP, 0)
	}
	c.flags &^= fIF
}

func opSti(c *CPU, in *insn) {
	if c.protMode() && c.cpl > c.iopl() || c.flags&fVM != 0 && c.iopl() != 3 {
		c.raise(vecGP, 0)
	}
	if c.flags&fIF == 0 {
		c.flags |= fIF
		c.inhibit()
		c.intrCheck = true
		c.lim = 0
	}
}

func opPushf(c *CPU, in *insn) {
	if c.flags&fVM != 0 && c.iopl() != 3 {
		c.raise(vecGP, 0)
	}
	c.push(c.Flags()&^(fVM|fRF), in.opsz)
}

func opPopf(c *CPU, in *insn) {
	if c.flags&fVM != 0 && c.iopl() != 3 {
		c.raise(vecGP, 0)
	}
	v := c.popPeek(0, in.opsz)
	mask := uint32(flagsImpl &^ fRF)
	if in.opsz == 2 {
		mask &= 0xFFFF
	}
	if c.protMode() {
		if c.cpl > 0 {
			mask &^= fIOPL
		}
		if c.cpl > c.iopl() {
			mask &^= fIF
		}
	}
	c.spInc(uint32(in.opsz))
	c.writeFlags(v, mask)
}

// I/O.

// ioAllowed checks IOPL and the TSS I/O permission map for an n-byte access to port.
func (c *CPU) ioAllowed(port uint16, n int) {
	if !c.protMode() && c.flags&fVM == 0 {
		return
	}
	if c.flags&fVM == 0 && c.cpl <= c.iopl() {
		return
	}
	t := c.TR.Attr & 0xF
	if (t != 0x9 && t != 0xB) || c.TR.Limit < 0x67 {
		c.raise(vecGP, 0)
	}
	base := uint32(c.srd16(c.TR.Base + 0x66))
	a := base + uint32(port)/8
	if a+1 > c.TR.Limit {
		c.raise(vecGP, 0)
	}
	w := uint32(c.srd16(c.TR.Base + a))
	mask := uint32(1)<<n - 1
	if w>>(port&7)&mask != 0 {
		c.raise(vecGP, 0)
	}
}

func (c *CPU) in(port uint16, n int) uint32 {
	c.ioAllowed(port, n)
	c.intrCheck = true
	c.lim = 0
	return c.bus.In(port, n) & sizeMask(n)
}

func (c *CPU) out(port uint16, n int, v uint32) {
	c.ioAllowed(port, n)
	c.intrCheck = true
	c.lim = 0
	c.bus.Out(port, n, v&sizeMask(n))
}

func opInI(c *CPU, in *insn)  { sz := osz(in); c.setReg(EAX, sz, c.in(uint16(in.imm), sz)) }
func opOutI(c *CPU, in *insn) { sz := osz(in); c.out(uint16(in.imm), sz, c.getReg(EAX, sz)) }
func opInD(c *CPU, in *insn)  { sz := osz(in); c.setReg(EAX, sz, c.in(uint16(c.Reg[EDX]), sz)) }
func opOutD(c *CPU, in *insn) { sz := osz(in); c.out(uint16(c.Reg[EDX]), sz, c.getReg(EAX, sz)) }

func opIns(c *CPU, in *insn) {
	sz := osz(in)
	d := c.strDelta(sz)
	port := uint16(c.Reg[EDX])
	if in.rep != 0 && count(in, c) == 0 {
		return
	}
	c.ioAllowed(port, sz)
	left := repChunk
	if in.rep != 0 && in.adsz == 4 && d < 8 {
		left -= int(c.fastIns(port, sz, uint32(left)))
		if c.Reg[ECX] == 0 {
			return
		}
		if left == 0 {
			c.EIP = c.curEIP
			return
		}
	}
	for ; ; left-- {
		di := idx(in, c, EDI)
		c.checkWrite(ES, di, sz)
		c.wr(ES, di, sz, c.in(port, sz))
		addIdx(in, c, EDI, d)
		if in.rep == 0 || decCount(in, c) == 0 {
			return
		}
		if left == 1 {
			c.EIP = c.curEIP
			return
		}
	}
}

func opOuts(c *CPU, in *insn) {
	sz := osz(in)
	d := c.strDelta(sz)
	port := uint16(c.Reg[EDX])
	if in.rep != 0 && count(in, c) == 0 {
		return
	}
	c.ioAllowed(port, sz)
	left := repChunk
	if in.rep != 0 && in.adsz == 4 && d < 8 {
		left -= int(c.fastOuts(in, port, sz, uint32(left)))
		if c.Reg[ECX] == 0 {
			return
		}
		if left == 0 {
			c.EIP = c.curEIP
			return
		}
	}
	for ; ; left-- {
		v := c.rd(int(in.seg), idx(in, c, ESI), sz)
		c.out(port, sz, v)
		addIdx(in, c, ESI, d)
		if in.rep == 0 || decCount(in, c) == 0 {
			return
		}
		if left == 1 {
			c.EIP = c.curEIP
			return
		}
	}
}

// fastIns does rep ins (DF=0, 32-bit addressing) a page at a time: the I/O permission is
// checked once by the caller, the destination page is looked up once.
func (c *CPU) fastIns(port uint16, sz int, max uint32) (done uint32) {
	s := &c.sc[ES]
	c.intrCheck = true
	c.lim = 0
	for c.Reg[ECX] != 0 && done < max {
		di := c.Reg[EDI]
		lin := s.base + di
		n := c.pageRun(lin, sz, max-done)
		if n == 0 {
			return
		}
		bytes := n * uint32(sz)
		if di < s.wlo || di+bytes-1 > s.whi || di+bytes-1 < di {
			return
		}
		e := c.tlbPage(lin, true)
		if e == nil {
			return
		}
		o := lin & 0xFFF
		if *e.code != 0 {
			c.code.written(e.ppn, o, bytes)
		}
		b := e.mem[o : o+bytes]
		for i := 0; i < len(b); i += sz {
			v := c.bus.In(port, sz)
			switch sz {
			case 1:
				b[i] = byte(v)
			case 2:
				binary.LittleEndian.PutUint16(b[i:], uint16(v))
			default:
				binary.LittleEndian.PutUint32(b[i:], v)
			}
		}
		c.Reg[EDI] += bytes
		c.Reg[ECX] -= n
		done += n
	}
	return done
}

// pageRun is how many sz-byte elements a fast rep loop may move from lin without leaving
// its page, exceeding ECX or exceeding limit.
func (c *CPU) pageRun(lin uint32, sz int, limit uint32) uint32 {
	return min((0x1000-lin&0xFFF)/uint32(sz), c.Reg[ECX], limit)
}

// fastOuts does rep outs (DF=0, 32-bit addressing) a page at a time.
func (c *CPU) fastOuts(in *insn, port uint16, sz int, max uint32) (done uint32) {
	s := &c.sc[in.seg]
	c.intrCheck = true
	c.lim = 0
	for c.Reg[ECX] != 0 && done < max {
		si := c.Reg[ESI]
		lin := s.base + si
		n := c.pageRun(lin, sz, max-done)
		if n == 0 {
			return
		}
		bytes := n * uint32(sz)
		if si < s.rlo || si+bytes-1 > s.rhi || si+bytes-1 < si {
			return
		}
		e := c.tlbPage(lin, false)
		if e == nil {
			return
		}
		o := lin & 0xFFF
		b := e.mem[o : o+bytes]
		for i := 0; i < len(b); i += sz {
			var v uint32
			switch sz {
			case 1:
				v = uint32(b[i])
			case 2:
				v = uint32(binary.LittleEndian.Uint16(b[i:]))
			default:
				v = binary.LittleEndian.Uint32(b[i:])
			}
			c.bus.Out(port, sz, v)
		}
		c.Reg[ESI] += bytes
		c.Reg[ECX] -= n
		done += n
	}
	return done
}
