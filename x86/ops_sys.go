package x86

func (c *CPU) needCPL0() {
	if c.cpl != 0 || c.flags&fVM != 0 {
		c.raise(vecGP, 0)
	}
}

func (c *CPU) needProt() {
	if !c.protMode() {
		c.raise(vecUD, 0)
	}
}

func opUD2(c *CPU, in *insn) { c.raise(vecUD, 0) }

// Group 6 (0F 00): sldt, str, lldt, ltr, verr, verw.

func opSldt(c *CPU, in *insn) {
	c.needProt()
	c.rmWriteSel(in, c.LDTR.Sel)
}

func opStr(c *CPU, in *insn) {
	c.needProt()
	c.rmWriteSel(in, c.TR.Sel)
}

// rmWriteSel stores a selector: 16 bits to memory, zero-extended to a register.
func (c *CPU) rmWriteSel(in *insn, sel uint16) {
	if in.mem {
		c.wr16(int(in.seg), c.ea(in), sel)
		return
	}
	c.setReg(in.rm, int(in.opsz), uint32(sel))
}

func opLldt(c *CPU, in *insn) {
	c.needProt()
	c.needCPL0()
	sel := uint16(c.rmRead(in, 2))
	if sel&^3 == 0 {
		c.LDTR = Segment{Sel: sel}
		return
	}
	if sel&4 != 0 {
		c.raise(vecGP, uint32(sel&^3))
	}
	d, ok := c.readDesc(sel)
	if !ok || !d.sys() || d.typ() != 2 {
		c.raise(vecGP, uint32(sel&^3))
	}
	if !d.present() {
		c.raise(vecNP, uint32(sel&^3))
	}
	c.LDTR = d.seg(sel)
}

func opLtr(c *CPU, in *insn) {
	c.needProt()
	c.needCPL0()
	sel := uint16(c.rmRead(in, 2))
	if sel&^3 == 0 {
		c.raise(vecGP, 0)
	}
	if sel&4 != 0 {
		c.raise(vecGP, uint32(sel&^3))
	}
	d, ok := c.readDesc(sel)
	if !ok || !d.sys() || (d.typ() != 1 && d.typ() != 9) {
		c.raise(vecGP, uint32(sel&^3))
	}
	if !d.present() {
		c.raise(vecNP, uint32(sel&^3))
	}
	a, _ := c.descAddr(sel)
	c.swr8(a+5, uint8(d.hi>>8)|2) // busy
	d.hi |= 0x200
	c.TR = d.seg(sel)
}

// visible reports whether sel names a descriptor the current CPL and sel's RPL may see (for
// lar, lsl, verr, verw), and returns it.
func (c *CPU) visible(sel uint16) (desc, bool) {
	if sel&^3 == 0 {
		return desc{}, false
	}
	d, ok := c.readDesc(sel)
	if !ok {
		return d, false
	}
	if d.conform() {
		return d, true
	}
	return d, d.dpl() >= c.cpl && d.dpl() >= int(sel&3)
}

func (c *CPU) setZF(b bool) {
	c.materialize()
	if b {
		c.flags |= fZF
	} else {
		c.flags &^= fZF
	}
}

func opVerr(c *CPU, in *insn) {
	c.needProt()
	d, ok := c.visible(uint16(c.rmRead(in, 2)))
	c.setZF(ok && !d.sys() && d.readable())
}

func opVerw(c *CPU, in *insn) {
	c.needProt()
	d, ok := c.visible(uint16(c.rmRead(in, 2)))
	c.setZF(ok && d.writable())
}

func opLar(c *CPU, in *insn) {
	c.needProt()
	d, ok := c.visible(uint16(c.rmRead(in, 2)))
	if ok && d.sys() {
		switch d.typ() {
		case 1, 2, 3, 4, 5, 9, 0xB, 0xC:
		default:
			ok = false
		}
	}
	c.setZF(ok)
	if ok {
		c.setReg(in.reg, int(in.opsz), d.hi&0x00FFFF00)
	}
}

func opLsl(c *CPU, in *insn) {
	c.needProt()
	d, ok := c.visible(uint16(c.rmRead(in, 2)))
	if ok && d.sys() {
		switch d.typ() {
		case 1, 2, 3, 9, 0xB:
		default:
			ok = false
		}
	}
	c.setZF(ok)
	if ok {
		c.setReg(in.reg, int(in.opsz), d.limit())
	}
}

func opArpl(c *CPU, in *insn) {
	c.needProt()
	dst := c.rmRead(in, 2)
	src := c.getReg(in.reg, 2)
	if dst&3 < src&3 {
		c.rmWrite(in, 2, dst&^3|src&3)
		c.setZF(true)
		return
	}
	c.setZF(false)
}

// Group 7 (0F 01): sgdt, sidt, lgdt, lidt, smsw, lmsw, invlpg.

func (c *CPU) storeDTR(in *insn, t DTR) {
	if !in.mem {
		c.raise(vecUD, 0)
	}
	off := c.ea(in)
	base := t.Base
	if in.opsz == 2 {
		base &= 0xFFFFFF
	}
	c.checkWrite(int(in.seg), off, 2)
	c.checkWrite(int(in.seg), off+2, 4)
	c.wr16(int(in.seg), off, t.Limit)
	c.wr32(int(in.seg), off+2, base)
}

func (c *CPU) loadDTR(in *insn) DTR {
	if !in.mem {
		c.raise(vecUD, 0)
	}
	c.needCPL0()
	off := c.ea(in)
	lim := c.rd16(int(in.seg), off)
	base := c.rd32(int(in.seg), off+2)
	if in.opsz == 2 {
		base &= 0xFFFFFF
	}
	return DTR{Base: base, Limit: lim}
}

func opSgdt(c *CPU, in *insn) { c.storeDTR(in, c.GDTR) }
func opSidt(c *CPU, in *insn) { c.storeDTR(in, c.IDTR) }
func opLgdt(c *CPU, in *insn) { c.GDTR = c.loadDTR(in) }
func opLidt(c *CPU, in *insn) { c.IDTR = c.loadDTR(in) }

func opSmsw(c *CPU, in *insn) {
	if in.mem {
		c.wr16(int(in.seg), c.ea(in), uint16(c.CR0))
		return
	}
	c.setReg(in.rm, int(in.opsz), c.CR0)
}

func opLmsw(c *CPU, in *insn) {
	c.needCPL0()
	v := c.rmRead(in, 2)
	n := c.CR0&^0xE | v&0xE
	n |= c.CR0&1 | v&1 // lmsw sets PE but never clears it
	c.setCR0(n)
}

func opInvlpg(c *CPU, in *insn) {
	if !in.mem {
		c.raise(vecUD, 0)
	}
	c.needCPL0()
	c.flushPage(c.sc[in.seg].base + c.ea(in))
}

func opClts(c *CPU, in *insn) {
	c.needCPL0()
	c.CR0 &^= cr0TS
	c.seenCR0 = c.CR0
}

func opInvd(c *CPU, in *insn) { c.needCPL0() }

// Control and debug registers.

func (c *CPU) setCR0(v uint32) {
	v |= cr0ET
	if v&cr0PG != 0 && v&cr0PE == 0 {
		c.raise(vecGP, 0)
	}
	if v&cr0NW != 0 && v&cr0CD == 0 {
		c.raise(vecGP, 0)
	}
	old := c.CR0
	c.CR0 = v
	c.seenCR0 = v
	if (old^v)&(cr0PG|cr0WP|cr0PE) != 0 {
		c.flushTLB()
	}
	if (old^v)&cr0PE != 0 {
		if v&cr0PE == 0 {
			c.setCPL(0)
		}
		for i := range c.Seg {
			c.segChanged(i)
		}
	}
}

func opMovCR(c *CPU, in *insn) { // 0F 20 (read), 0F 22 (write)
	c.needCPL0()
	r := in.rm
	if in.op == 0x120 {
		var v uint32
		switch in.reg {
		case 0:
			v = c.CR0
		case 2:
			v = c.CR2
		case 3:
			v = c.CR3
		case 4:
			v = c.CR4
		default:
			c.raise(vecUD, 0)
		}
		c.Reg[r] = v
		return
	}
	v := c.Reg[r]
	switch in.reg {
	case 0:
		c.setCR0(v)
	case 2:
		c.CR2 = v
	case 3:
		c.CR3 = v
		c.seenCR3 = v
		c.flushTLB()
	case 4:
		if v&^uint32(cr4VME|cr4PVI|cr4TSD|cr4DE|cr4PSE|cr4PGE) != 0 {
			c.raise(vecGP, 0)
		}
		c.CR4 = v
		c.seenCR4 = v
		c.flushTLB()
	default:
		c.raise(vecUD, 0)
	}
}

func opMovDR(c *CPU, in *insn) { // 0F 21 (read), 0F 23 (write)
	c.needCPL0()
	n := in.reg
	if n == 4 || n == 5 {
		if c.CR4&cr4DE != 0 {
			c.raise(vecUD, 0)
		}
		n += 2
	}
	if in.op == 0x121 {
		c.Reg[in.rm] = c.DR[n]
		return
	}
	c.DR[n] = c.Reg[in.rm]
}

// Identification, time stamp and model-specific registers.

func opCpuid(c *CPU, in *insn) {
	switch c.Reg[EAX] {
	case 0:
		c.Reg[EAX] = 1
		c.Reg[EBX] = 0x756E6547 // "Genu"
		c.Reg[EDX] = 0x49656E69 // "ineI"
		c.Reg[ECX] = 0x6C65746E // "ntel"
	case 1:
		c.Reg[EAX] = cpuSignature
		c.Reg[EBX] = 0
		c.Reg[ECX] = 0
		// FPU (x87, with fcmov as CMOV says), PSE, TSC, MSR, CX8, APIC, CMOV.
		c.Reg[EDX] = 1<<0 | 1<<3 | 1<<4 | 1<<5 | 1<<8 | 1<<9 | 1<<15
	default:
		c.Reg[EAX], c.Reg[EBX], c.Reg[ECX], c.Reg[EDX] = 0, 0, 0, 0
	}
}

func opRdtsc(c *CPU, in *insn) {
	if c.CR4&cr4TSD != 0 && c.cpl != 0 && c.protMode() {
		c.raise(vecGP, 0)
	}
	t := c.Retired + c.tsc
	c.Reg[EAX], c.Reg[EDX] = uint32(t), uint32(t>>32)
}

func opRdmsr(c *CPU, in *insn) {
	c.needCPL0()
	var v uint64
	switch n := c.Reg[ECX]; n {
	case 0x10:
		v = c.Retired + c.tsc
	case 0x1B:
		v = 0xFEE00800
		if c.msrs != nil {
			if x, ok := c.msrs[n]; ok {
				v = x
			}
		}
	case 0x17, 0x8B, 0x174, 0x175, 0x176, 0x2FF:
		v = c.msrs[n]
	default:
		c.raise(vecGP, 0)
	}
	c.Reg[EAX], c.Reg[EDX] = uint32(v), uint32(v>>32)
}

func opWrmsr(c *CPU, in *insn) {
	c.needCPL0()
	v := uint64(c.Reg[EDX])<<32 | uint64(c.Reg[EAX])
	switch n := c.Reg[ECX]; n {
	case 0x10:
		c.tsc = v - c.Retired
	case 0x1B, 0x8B, 0x174, 0x175, 0x176, 0x2FF:
		if c.msrs == nil {
			c.msrs = make(map[uint32]uint64)
		}
		c.msrs[n] = v
	default:
		c.raise(vecGP, 0)
	}
}
