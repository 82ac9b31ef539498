package x86

// Kinds of event delivery.
const (
	kindFault = iota // an exception raised by an instruction: EIP is that instruction
	kindTrap         // an exception after an instruction (single step): EIP is the next one
	kindSoft         // int n, int3, into: EIP is the next instruction
	kindExt          // an external interrupt between instructions
)

func contributory(v uint8) bool {
	return v == vecDE || (v >= vecTS && v <= vecGP)
}

// deliver runs an interrupt or exception through the IDT (or IVT). A fault while
// delivering it becomes a double fault where the rules say so; a fault while delivering a
// double fault shuts the CPU down. It reports a shutdown.
func (c *CPU) deliver(vec uint8, errc uint32, hasErr bool, kind int) bool {
	for tries := 0; ; tries++ {
		v2, e2, faulted := c.tryDeliver(vec, errc, hasErr, kind)
		if !faulted {
			return false
		}
		if vec == vecDF || tries > 4 {
			c.Fault = c.faultLine(v2, e2)
			c.shutdown = true
			c.Halted = true
			return true
		}
		if (contributory(vec) && contributory(v2)) || (vec == vecPF && (v2 == vecPF || contributory(v2))) {
			vec, errc, hasErr = vecDF, 0, true
		} else {
			vec, errc, hasErr = v2, e2, hasErrCode(v2)
		}
		kind = kindFault
	}
}

func (c *CPU) tryDeliver(vec uint8, errc uint32, hasErr bool, kind int) (v uint8, e uint32, faulted bool) {
	defer func() {
		if x := recover(); x != nil {
			if x != any(c.tok) {
				panic(x)
			}
			v, e, faulted = c.excVec, c.excErr, true
		}
	}()
	c.interrupt(vec, errc, hasErr, kind)
	return 0, 0, false
}

// interrupt transfers control to the handler of vec.
func (c *CPU) interrupt(vec uint8, errc uint32, hasErr bool, kind int) {
	if c.OnEvent != nil {
		c.OnEvent(c, Event{Vector: vec, ErrCode: errc, HasErr: hasErr, External: kind == kindExt,
			Soft: kind == kindSoft, EIP: c.EIP, CS: c.Seg[CS].Sel, CPL: c.cpl, CR2: c.CR2})
	}
	oldFlags := c.Flags()
	if c.CR0&cr0PE == 0 {
		a := uint32(vec) * 4
		if a+3 > uint32(c.IDTR.Limit) {
			c.raise(vecGP, 0)
		}
		off := c.srd16(c.IDTR.Base + a)
		sel := c.srd16(c.IDTR.Base + a + 2)
		c.pushN([]uint32{oldFlags, uint32(c.Seg[CS].Sel), c.EIP}, 2)
		c.flags &^= fIF | fTF | fAC | fRF
		c.setRealCS(sel)
		c.EIP = uint32(off)
		return
	}
	ext := uint32(0)
	if kind == kindExt {
		ext = 1
	}
	idtErr := uint32(vec)*8 + 2 + ext
	if uint32(vec)*8+7 > uint32(c.IDTR.Limit) {
		c.raise(vecGP, idtErr)
	}
	g := desc{c.srd32(c.IDTR.Base + uint32(vec)*8), c.srd32(c.IDTR.Base + uint32(vec)*8 + 4)}
	gt := g.hi >> 8 & 0x1F
	switch gt {
	case 0x05, 0x06, 0x07, 0x0E, 0x0F:
	default:
		c.raise(vecGP, idtErr)
	}
	if kind == kindSoft && g.dpl() < c.cpl {
		c.raise(vecGP, idtErr)
	}
	if !g.present() {
		c.raise(vecNP, idtErr)
	}
	if gt == 0x05 {
		c.taskGateInterrupt(g, errc, hasErr, ext)
		return
	}
	sz := uint8(2)
	if gt&8 != 0 {
		sz = 4
	}
	sel := g.gateSel()
	off := g.gateOff()
	if sz == 2 {
		off &= 0xFFFF
	}
	if sel&^3 == 0 {
		c.raise(vecGP, ext)
	}
	d, ok := c.readDesc(sel)
	if !ok || !d.isCode() || d.dpl() > c.cpl {
		c.raise(vecGP, uint32(sel&^3)|ext)
	}
	if !d.present() {
		c.raise(vecNP, uint32(sel&^3)|ext)
	}
	if off > d.limit() {
		c.raise(vecGP, ext)
	}
	vm := c.flags&fVM != 0
	if !d.conform() && d.dpl() < c.cpl || vm {
		// Inner privilege: take the stack from the TSS.
		ndpl := d.dpl()
		if vm && ndpl != 0 {
			c.raise(vecGP, uint32(sel&^3)|ext)
		}
		nss, nesp := c.tssStack(ndpl, ext)
		ssd := c.checkNewSS(nss, ndpl, ext)
		vals := make([]uint32, 0, 10)
		if vm {
			vals = append(vals, uint32(c.Seg[GS].Sel), uint32(c.Seg[FS].Sel), uint32(c.Seg[DS].Sel), uint32(c.Seg[ES].Sel))
		}
		vals = append(vals, uint32(c.Seg[SS].Sel), c.Reg[ESP], oldFlags, uint32(c.Seg[CS].Sel), c.EIP)
		if hasErr {
			vals = append(vals, errc)
		}
		nesp = c.sysPush(ssd, nss, nesp, vals, sz)
		c.setAccessed(nss, ssd)
		ssd.hi |= 0x100
		c.Seg[SS] = ssd.seg(nss)
		c.setSP(nesp, ssd)
		c.loadCS(sel, d, ndpl)
		c.segChanged(SS)
		if vm {
			for _, s := range []int{ES, DS, FS, GS} {
				c.Seg[s] = Segment{}
				c.segChanged(s)
			}
		}
	} else {
		vals := []uint32{oldFlags, uint32(c.Seg[CS].Sel), c.EIP}
		if hasErr {
			vals = append(vals, errc)
		}
		c.pushN(vals, sz)
		c.loadCS(sel, d, c.cpl)
	}
	c.EIP = off
	c.flags &^= fTF | fNT | fRF | fVM
	if gt&1 == 0 {
		c.flags &^= fIF
	}
}

// iret returns from an interrupt.
func (c *CPU) iret(opsz uint8) {
	sz := uint32(opsz)
	if !c.protMode() {
		if c.flags&fVM != 0 && c.flags&fIOPL != fIOPL {
			c.raise(vecGP, 0)
		}
		eip := c.popPeek(0, opsz)
		cs := uint16(c.popPeek(sz, opsz))
		fl := c.popPeek(2*sz, opsz)
		c.spInc(3 * sz)
		c.setRealCS(cs)
		c.EIP = eip
		mask := uint32(flagsImpl &^ fVM)
		if opsz == 2 {
			mask &= 0xFFFF
		}
		if c.flags&fVM != 0 {
			mask &^= fIOPL
		}
		c.writeFlags(fl, mask)
		return
	}
	if c.flags&fNT != 0 {
		c.taskReturn()
		return
	}
	eip := c.popPeek(0, opsz)
	sel := uint16(c.popPeek(sz, opsz))
	fl := c.popPeek(2*sz, opsz)
	d, rpl := c.checkReturnCS(sel)
	if eip > d.limit() {
		c.raise(vecGP, 0)
	}
	oldCPL := c.cpl
	mask := uint32(flagsImpl)
	if opsz == 2 {
		mask &= 0xFFFF
	}
	if oldCPL > 0 {
		mask &^= fIOPL
	}
	if oldCPL > int(c.flags>>12&3) {
		mask &^= fIF
	}
	if rpl == c.cpl {
		c.spInc(3 * sz)
		c.loadCS(sel, d, c.cpl)
		c.EIP = eip
		c.writeFlags(fl, mask)
		return
	}
	esp := c.popPeek(3*sz, opsz)
	ss := uint16(c.popPeek(4*sz, opsz))
	ssd := c.checkOuterSS(ss, rpl)
	c.loadCS(sel, d, rpl)
	c.Seg[SS] = ssd.seg(ss)
	c.segChanged(SS)
	c.setSP(esp, ssd)
	c.EIP = eip
	c.writeFlags(fl, mask)
	c.nullOuterSegs()
}

// writeFlags replaces the EFLAGS bits in mask by those of v.
func (c *CPU) writeFlags(v, mask uint32) {
	old := c.Flags()
	c.flags = (old&^mask | v&mask) &^ fVM
	c.flags = c.flags&flagsImpl | 2
	c.lop = lNone
	c.flagsChanged(old)
}

// Hardware task switching (32-bit TSS only; a 16-bit TSS raises #TS).

const (
	taskJmp = iota
	taskCall
	taskIret
)

// taskSwitchTo switches to the task of sel, naming a TSS descriptor or a task gate d, for
// jmp or call.
func (c *CPU) taskSwitchTo(sel uint16, d desc, how int, eip uint32) {
	errc := uint32(sel &^ 3)
	if d.dpl() < c.cpl || d.dpl() < int(sel&3) {
		c.raise(vecGP, errc)
	}
	if !d.present() {
		c.raise(vecNP, errc)
	}
	if d.hi>>8&0x1F == 0x05 { // task gate: the TSS it names
		sel = d.gateSel()
		errc = uint32(sel &^ 3)
		if sel&4 != 0 {
			c.raise(vecGP, errc)
		}
		var ok bool
		if d, ok = c.readDesc(sel); !ok {
			c.raise(vecGP, errc)
		}
	}
	if t := d.hi >> 8 & 0x1F; t != 0x09 {
		c.raise(vecGP, errc)
	}
	if !d.present() {
		c.raise(vecNP, errc)
	}
	c.taskSwitch(sel, d, how, 0, false, 0)
}

func (c *CPU) taskGateInterrupt(g desc, errc uint32, hasErr bool, ext uint32) {
	sel := g.gateSel()
	if sel&4 != 0 {
		c.raise(vecTS, uint32(sel&^3)|ext)
	}
	d, ok := c.readDesc(sel)
	if !ok || d.hi>>8&0x1F != 0x09 {
		c.raise(vecTS, uint32(sel&^3)|ext)
	}
	if !d.present() {
		c.raise(vecNP, uint32(sel&^3)|ext)
	}
	c.taskSwitch(sel, d, taskCall, errc, hasErr, ext)
}

func (c *CPU) taskReturn() {
	back := c.srd16(c.TR.Base)
	if back&4 != 0 {
		c.raise(vecTS, uint32(back&^3))
	}
	d, ok := c.readDesc(back)
	if !ok || d.hi>>8&0x1F != 0x0B {
		c.raise(vecTS, uint32(back&^3))
	}
	if !d.present() {
		c.raise(vecNP, uint32(back&^3))
	}
	c.taskSwitch(back, d, taskIret, 0, false, 0)
}

// setBusy sets or clears the busy bit of the TSS descriptor of sel.
func (c *CPU) setBusy(sel uint16, on bool) {
	a, ok := c.descAddr(sel)
	if !ok {
		return
	}
	b := c.srd8(a + 5)
	if on {
		b |= 2
	} else {
		b &^= 2
	}
	c.swr8(a+5, b)
}

// taskSwitch saves the state in the current TSS and loads the task of the 32-bit TSS sel.
func (c *CPU) taskSwitch(sel uint16, d desc, how int, errc uint32, hasErr bool, ext uint32) {
	tsErr := uint32(sel&^3) | ext
	if d.limit() < 0x67 {
		c.raise(vecTS, tsErr)
	}
	nb := d.base()
	// Read the whole new state first (faults here leave the old task intact).
	var nv [26]uint32
	for i := range nv {
		nv[i] = c.srd32(nb + uint32(i)*4)
	}
	old := c.TR
	ob := old.Base
	fl := c.Flags()
	if how == taskIret {
		fl &^= fNT
	}
	if old.Limit < 0x5F {
		c.raise(vecTS, uint32(old.Sel&^3)|ext)
	}
	c.swr32(ob+0x20, c.EIP)
	c.swr32(ob+0x24, fl)
	for r := 0; r < 8; r++ {
		c.swr32(ob+0x28+uint32(r)*4, c.Reg[r])
	}
	for s := 0; s < 6; s++ {
		c.swr16(ob+0x48+uint32(s)*4, c.Seg[s].Sel)
	}
	if how == taskJmp || how == taskIret {
		c.setBusy(old.Sel, false)
	}
	nflags := nv[0x24/4]
	if how == taskCall {
		c.swr16(nb, old.Sel)
		nflags |= fNT
	}
	if how != taskIret {
		c.setBusy(sel, true)
		d.hi |= 0x200
	}
	// Commit: from here on faults belong to the new task.
	c.TR = d.seg(sel)
	c.CR0 |= cr0TS
	c.seenCR0 = c.CR0
	if c.CR0&cr0PG != 0 && nv[0x1C/4] != c.CR3 {
		c.CR3 = nv[0x1C/4]
		c.seenCR3 = c.CR3
		c.flushTLB()
	}
	c.EIP = nv[0x20/4]
	for r := 0; r < 8; r++ {
		c.Reg[r] = nv[0x28/4+r]
	}
	c.flags = nflags&flagsImpl&^fVM | 2
	c.lop = lNone
	c.lim = 0
	c.intrCheck = true
	sels := [6]uint16{}
	for s := 0; s < 6; s++ {
		sels[s] = uint16(nv[0x48/4+s])
		c.Seg[s].Sel = sels[s]
	}
	ldt := uint16(nv[0x60/4])
	c.LDTR = Segment{Sel: ldt}
	if ldt&^3 != 0 {
		ld, ok := c.readDesc(ldt &^ 4)
		if ldt&4 != 0 || !ok || !ld.sys() || ld.typ() != 2 {
			c.raise(vecTS, uint32(ldt&^3)|ext)
		}
		if !ld.present() {
			c.raise(vecTS, uint32(ldt&^3)|ext)
		}
		c.LDTR = ld.seg(ldt)
	}
	// CS decides the new CPL; then SS and the data segments are checked against it.
	cs := sels[CS]
	cd, ok := c.readDesc(cs)
	if cs&^3 == 0 || !ok || !cd.isCode() || (!cd.conform() && cd.dpl() != int(cs&3)) || (cd.conform() && cd.dpl() > int(cs&3)) {
		c.raise(vecTS, uint32(cs&^3)|ext)
	}
	if !cd.present() {
		c.raise(vecNP, uint32(cs&^3)|ext)
	}
	c.loadCS(cs, cd, int(cs&3))
	c.setCPL(int(cs & 3))
	for _, s := range []int{SS, DS, ES, FS, GS} {
		c.taskLoadSeg(s, sels[s], ext)
	}
	if hasErr {
		c.push(errc, 4)
	}
}

// taskLoadSeg loads a segment register of the new task, faulting with #TS.
func (c *CPU) taskLoadSeg(seg int, sel uint16, ext uint32) {
	defer func() {
		if x := recover(); x != nil {
			if x == any(c.tok) && (c.excVec == vecGP || c.excVec == vecSS && seg == SS) {
				c.excVec = vecTS
				c.excErr = uint32(sel&^3) | ext
			}
			panic(x)
		}
	}()
	c.loadSeg(seg, sel)
}
