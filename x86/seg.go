package x86

// desc is a raw 8-byte segment or gate descriptor.
type desc struct{ lo, hi uint32 }

func (d desc) base() uint32 { return d.lo>>16 | (d.hi&0xFF)<<16 | d.hi&0xFF000000 }

func (d desc) limit() uint32 {
	l := d.lo&0xFFFF | d.hi&0xF0000
	if d.hi&(1<<23) != 0 {
		l = l<<12 | 0xFFF
	}
	return l
}

func (d desc) attr() uint16    { return uint16(d.hi>>8&0xFF) | uint16(d.hi>>20&0xF)<<12 }
func (d desc) dpl() int        { return int(d.hi >> 13 & 3) }
func (d desc) present() bool   { return d.hi&(1<<15) != 0 }
func (d desc) sys() bool       { return d.hi&(1<<12) == 0 }
func (d desc) typ() uint32     { return d.hi >> 8 & 0xF }
func (d desc) isCode() bool    { return !d.sys() && d.typ()&8 != 0 }
func (d desc) isData() bool    { return !d.sys() && d.typ()&8 == 0 }
func (d desc) conform() bool   { return d.isCode() && d.typ()&4 != 0 }
func (d desc) readable() bool  { return d.isData() || d.typ()&2 != 0 }
func (d desc) writable() bool  { return d.isData() && d.typ()&2 != 0 }
func (d desc) gateSel() uint16 { return uint16(d.lo >> 16) }
func (d desc) gateOff() uint32 { return d.lo&0xFFFF | d.hi&0xFFFF0000 }

func (d desc) seg(sel uint16) Segment {
	return Segment{Sel: sel, Base: d.base(), Limit: d.limit(), Attr: d.attr()}
}

// descAddr returns the linear address of the descriptor of sel, or ok=false if it lies
// outside its table.
func (c *CPU) descAddr(sel uint16) (uint32, bool) {
	idx := uint32(sel &^ 7)
	if sel&4 != 0 {
		if c.LDTR.Sel&^3 == 0 || c.LDTR.Attr&0x80 == 0 || idx+7 > c.LDTR.Limit {
			return 0, false
		}
		return c.LDTR.Base + idx, true
	}
	if idx+7 > uint32(c.GDTR.Limit) {
		return 0, false
	}
	return c.GDTR.Base + idx, true
}

// readDesc reads the descriptor of sel; ok=false if it lies outside its table.
func (c *CPU) readDesc(sel uint16) (desc, bool) {
	a, ok := c.descAddr(sel)
	if !ok {
		return desc{}, false
	}
	return desc{c.srd32(a), c.srd32(a + 4)}, true
}

// setAccessed sets the accessed bit of a code or data descriptor.
func (c *CPU) setAccessed(sel uint16, d desc) {
	if d.hi&0x100 != 0 {
		return
	}
	if a, ok := c.descAddr(sel); ok {
		c.swr8(a+5, uint8(d.hi>>8)|1)
	}
}

func (c *CPU) protMode() bool { return c.CR0&cr0PE != 0 && c.flags&fVM == 0 }

// loadSeg loads a data segment register (or SS) as mov, pop, lds and friends do.
func (c *CPU) loadSeg(seg int, sel uint16) {
	if !c.protMode() {
		s := &c.Seg[seg]
		s.Sel = sel
		s.Base = uint32(sel) << 4
		if c.flags&fVM != 0 {
			s.Limit = 0xFFFF
			s.Attr = 0xF3
		}
		c.segChanged(seg)
		if seg == SS {
			c.inhibitSS()
		}
		return
	}
	errc := uint32(sel &^ 3)
	if sel&^3 == 0 {
		if seg == SS {
			c.raise(vecGP, 0)
		}
		c.Seg[seg] = Segment{Sel: sel}
		c.segChanged(seg)
		return
	}
	d, ok := c.readDesc(sel)
	if !ok {
		c.raise(vecGP, errc)
	}
	rpl, dpl := int(sel&3), d.dpl()
	if seg == SS {
		if rpl != c.cpl || dpl != c.cpl || !d.writable() {
			c.raise(vecGP, errc)
		}
		if !d.present() {
			c.raise(vecSS, errc)
		}
	} else {
		if d.sys() || !d.readable() {
			c.raise(vecGP, errc)
		}
		if !d.conform() && (rpl > dpl || c.cpl > dpl) {
			c.raise(vecGP, errc)
		}
		if !d.present() {
			c.raise(vecNP, errc)
		}
	}
	c.setAccessed(sel, d)
	d.hi |= 0x100
	c.Seg[seg] = d.seg(sel)
	c.segChanged(seg)
	if seg == SS {
		c.inhibitSS()
	}
}

// inhibit blocks interrupts at the next boundary (after sti, mov ss, pop ss).
func (c *CPU) inhibit() {
	c.shadowOn = true
	c.shadowSS = false
	c.shadowAt = c.Retired + 1
}

// inhibitSS is inhibit for a load of SS, which also holds back debug traps.
func (c *CPU) inhibitSS() {
	c.inhibit()
	c.shadowSS = true
	c.lim = 0
}

// loadCS puts a checked code descriptor in CS at privilege cpl.
func (c *CPU) loadCS(sel uint16, d desc, cpl int) {
	c.setAccessed(sel, d)
	d.hi |= 0x100
	c.Seg[CS] = d.seg(sel&^3 | uint16(cpl))
	if cpl != c.cpl {
		c.setCPL(cpl)
	}
	c.segChanged(CS)
}

// setRealCS loads CS in real or virtual-8086 mode.
func (c *CPU) setRealCS(sel uint16) {
	s := &c.Seg[CS]
	s.Sel = sel
	s.Base = uint32(sel) << 4
	c.segChanged(CS)
}

// nullOuterSegs clears data segment registers the new, less privileged CPL may not use
// (after a return to an outer level).
func (c *CPU) nullOuterSegs() {
	for _, i := range []int{ES, DS, FS, GS} {
		s := &c.Seg[i]
		code := s.Attr&0x18 == 0x18
		conf := code && s.Attr&4 != 0
		dpl := int(s.Attr >> 5 & 3)
		if (s.Attr&0x10 == 0 || !conf) && dpl < c.cpl {
			c.Seg[i] = Segment{}
			c.segChanged(i)
		}
	}
}

// checkCodeTarget checks a code segment for a far jmp/call to it without a gate.
func (c *CPU) checkCodeTarget(sel uint16, d desc) {
	errc := uint32(sel &^ 3)
	if d.conform() {
		if d.dpl() > c.cpl {
			c.raise(vecGP, errc)
		}
	} else if int(sel&3) > c.cpl || d.dpl() != c.cpl {
		c.raise(vecGP, errc)
	}
	if !d.present() {
		c.raise(vecNP, errc)
	}
}

// farJump performs jmp ptr16:16/32 and jmp m16:16/32.
func (c *CPU) farJump(sel uint16, off uint32, opsz uint8) {
	if opsz == 2 {
		off &= 0xFFFF
	}
	if !c.protMode() {
		c.setRealCS(sel)
		c.EIP = off
		return
	}
	if sel&^3 == 0 {
		c.raise(vecGP, 0)
	}
	d, ok := c.readDesc(sel)
	if !ok {
		c.raise(vecGP, uint32(sel&^3))
	}
	if d.isCode() {
		c.checkCodeTarget(sel, d)
		if off > d.limit() {
			c.raise(vecGP, 0)
		}
		c.loadCS(sel, d, c.cpl)
		c.EIP = off
		return
	}
	switch d.hi >> 8 & 0x1F {
	case 0x04, 0x0C: // call gate
		tsel, toff, td := c.callGate(sel, d)
		if !td.conform() && td.dpl() != c.cpl {
			c.raise(vecGP, uint32(tsel&^3))
		}
		if toff > td.limit() {
			c.raise(vecGP, 0)
		}
		c.loadCS(tsel, td, c.cpl)
		c.EIP = toff
		return
	case 0x01, 0x09, 0x05:
		c.taskSwitchTo(sel, d, taskJmp, c.EIP)
		return
	}
	c.raise(vecGP, uint32(sel&^3))
}

// callGate checks a call gate and its target code segment; it returns the target.
func (c *CPU) callGate(sel uint16, g desc) (uint16, uint32, desc) {
	errc := uint32(sel &^ 3)
	if g.dpl() < c.cpl || g.dpl() < int(sel&3) {
		c.raise(vecGP, errc)
	}
	if !g.present() {
		c.raise(vecNP, errc)
	}
	tsel := g.gateSel()
	toff := g.gateOff()
	if g.hi&0x800 == 0 {
		toff &= 0xFFFF
	}
	if tsel&^3 == 0 {
		c.raise(vecGP, 0)
	}
	td, ok := c.readDesc(tsel)
	if !ok || !td.isCode() || td.dpl() > c.cpl {
		c.raise(vecGP, uint32(tsel&^3))
	}
	if !td.present() {
		c.raise(vecNP, uint32(tsel&^3))
	}
	return tsel, toff, td
}

// farCall performs call ptr16:16/32 and call m16:16/32.
func (c *CPU) farCall(sel uint16, off uint32, opsz uint8) {
	if opsz == 2 {
		off &= 0xFFFF
	}
	retCS, retEIP := uint32(c.Seg[CS].Sel), c.EIP
	if !c.protMode() {
		c.pushN([]uint32{retCS, retEIP}, opsz)
		c.setRealCS(sel)
		c.EIP = off
		return
	}
	if sel&^3 == 0 {
		c.raise(vecGP, 0)
	}
	d, ok := c.readDesc(sel)
	if !ok {
		c.raise(vecGP, uint32(sel&^3))
	}
	if d.isCode() {
		c.checkCodeTarget(sel, d)
		if off > d.limit() {
			c.raise(vecGP, 0)
		}
		c.pushN([]uint32{retCS, retEIP}, opsz)
		c.loadCS(sel, d, c.cpl)
		c.EIP = off
		return
	}
	switch d.hi >> 8 & 0x1F {
	case 0x04, 0x0C:
	case 0x01, 0x09, 0x05:
		c.taskSwitchTo(sel, d, taskCall, c.EIP)
		return
	default:
		c.raise(vecGP, uint32(sel&^3))
	}
	tsel, toff, td := c.callGate(sel, d)
	gsz := uint8(2)
	if d.hi&0x800 != 0 {
		gsz = 4
	}
	if toff > td.limit() {
		c.raise(vecGP, 0)
	}
	if td.conform() || td.dpl() == c.cpl {
		c.pushN([]uint32{retCS, retEIP}, gsz)
		c.loadCS(tsel, td, c.cpl)
		c.EIP = toff
		return
	}
	// More privileged: switch to the inner stack from the TSS and copy the parameters.
	ndpl := td.dpl()
	nss, nesp := c.tssStack(ndpl, 0)
	ssd := c.checkNewSS(nss, ndpl, 0)
	// In the SDM's order: the old SS:ESP first, then each parameter read from the old stack
	// and pushed (an inner stack that overlaps the outer one sees its own writes), then CS:EIP.
	nparam := int(d.hi & 0x1F)
	nesp = c.sysPush(ssd, nss, nesp, []uint32{uint32(c.Seg[SS].Sel), c.Reg[ESP]}, gsz)
	for k := nparam - 1; k >= 0; k-- {
		var v [1]uint32
		if gsz == 4 {
			v[0] = c.rd32(SS, c.spAdd(uint32(4*k)))
		} else {
			v[0] = uint32(c.rd16(SS, c.spAdd(uint32(2*k))))
		}
		nesp = c.sysPush(ssd, nss, nesp, v[:], gsz)
	}
	nesp = c.sysPush(ssd, nss, nesp, []uint32{retCS, retEIP}, gsz)
	c.Seg[SS] = ssd.seg(nss)
	c.setSP(nesp, ssd)
	c.loadCS(tsel, td, ndpl)
	c.segChanged(SS)
	c.EIP = toff
}

// setSP stores a new stack pointer, 16 or 32 bits wide as the stack segment says.
func (c *CPU) setSP(v uint32, ssd desc) {
	if ssd.hi&(1<<22) != 0 {
		c.Reg[ESP] = v
	} else {
		c.Reg[ESP] = c.Reg[ESP]&0xFFFF0000 | v&0xFFFF
	}
}

// tssStack reads SS:ESP for privilege level dpl from the current TSS.
func (c *CPU) tssStack(dpl int, ext uint32) (uint16, uint32) {
	t := c.TR.Attr & 0xF
	if t == 0x9 || t == 0xB {
		o := uint32(4 + dpl*8)
		if o+5 > c.TR.Limit {
			c.raise(vecTS, uint32(c.TR.Sel&^3)|ext)
		}
		return c.srd16(c.TR.Base + o + 4), c.srd32(c.TR.Base + o)
	}
	o := uint32(2 + dpl*4)
	if o+3 > c.TR.Limit {
		c.raise(vecTS, uint32(c.TR.Sel&^3)|ext)
	}
	return c.srd16(c.TR.Base + o + 2), uint32(c.srd16(c.TR.Base + o))
}

// checkNewSS checks the stack segment taken from the TSS for a switch to privilege dpl.
func (c *CPU) checkNewSS(ss uint16, dpl int, ext uint32) desc {
	errc := uint32(ss&^3) | ext
	if ss&^3 == 0 {
		c.raise(vecTS, ext)
	}
	d, ok := c.readDesc(ss)
	if !ok || int(ss&3) != dpl || d.dpl() != dpl || !d.writable() {
		c.raise(vecTS, errc)
	}
	if !d.present() {
		c.raise(vecSS, errc)
	}
	return d
}

// sysPush writes vals (first pushed first) below esp on the stack segment d with supervisor
// rights and returns the new stack pointer. Nothing else changes.
func (c *CPU) sysPush(d desc, sel uint16, esp uint32, vals []uint32, sz uint8) uint32 {
	big := d.hi&(1<<22) != 0
	base, limit := d.base(), d.limit()
	for _, v := range vals {
		esp -= uint32(sz)
		if !big {
			esp &= 0xFFFF
		}
		if d.typ()&4 == 0 && esp+uint32(sz)-1 > limit {
			c.raise(vecSS, uint32(sel&^3))
		}
		if d.typ()&4 != 0 { // expand-down: offsets above the limit, up to 64 KB or 4 GB
			upper := uint32(0xFFFF)
			if big {
				upper = 0xFFFFFFFF
			}
			if esp <= limit || esp+uint32(sz)-1 > upper || esp+uint32(sz)-1 < esp {
				c.raise(vecSS, uint32(sel&^3))
			}
		}
		if sz == 4 {
			c.swr32(base+esp, v)
		} else {
			c.swr16(base+esp, uint16(v))
		}
	}
	return esp
}

// checkReturnCS checks the code selector that iret or retf returns to in protected mode
// (null, type, RPL against CPL, DPL against RPL, present) and returns its descriptor and RPL.
func (c *CPU) checkReturnCS(sel uint16) (desc, int) {
	errc := uint32(sel &^ 3)
	if sel&^3 == 0 {
		c.raise(vecGP, 0)
	}
	d, ok := c.readDesc(sel)
	if !ok || !d.isCode() {
		c.raise(vecGP, errc)
	}
	rpl := int(sel & 3)
	if rpl < c.cpl {
		c.raise(vecGP, errc)
	}
	if d.conform() {
		if d.dpl() > rpl {
			c.raise(vecGP, errc)
		}
	} else if d.dpl() != rpl {
		c.raise(vecGP, errc)
	}
	if !d.present() {
		c.raise(vecNP, errc)
	}
	return d, rpl
}

// farReturn performs retf [n].
func (c *CPU) farReturn(opsz uint8, n uint32) {
	sz := uint32(opsz)
	eip := c.popPeek(0, opsz)
	sel := uint16(c.popPeek(sz, opsz))
	if !c.protMode() {
		c.spInc(2*sz + n)
		c.setRealCS(sel)
		c.EIP = eip
		return
	}
	d, rpl := c.checkReturnCS(sel)
	if rpl == c.cpl {
		if eip > d.limit() {
			c.raise(vecGP, 0)
		}
		c.spInc(2*sz + n)
		c.loadCS(sel, d, c.cpl)
		c.EIP = eip
		return
	}
	// Return to an outer level: pop SS:ESP too.
	esp := c.popPeek(2*sz+n, opsz)
	ss := uint16(c.popPeek(3*sz+n, opsz))
	ssd := c.checkOuterSS(ss, rpl)
	if eip > d.limit() {
		c.raise(vecGP, 0)
	}
	c.loadCS(sel, d, rpl)
	c.Seg[SS] = ssd.seg(ss)
	c.segChanged(SS)
	c.setSP(esp+n, ssd)
	c.EIP = eip
	c.nullOuterSegs()
}

// checkOuterSS checks the SS popped by a return to privilege rpl.
func (c *CPU) checkOuterSS(ss uint16, rpl int) desc {
	errc := uint32(ss &^ 3)
	if ss&^3 == 0 {
		c.raise(vecGP, 0)
	}
	d, ok := c.readDesc(ss)
	if !ok || int(ss&3) != rpl || d.dpl() != rpl || !d.writable() {
		c.raise(vecGP, errc)
	}
	if !d.present() {
		c.raise(vecSS, errc)
	}
	c.setAccessed(ss, d)
	d.hi |= 0x100
	return d
}
