package x86

// The x87 FPU: its state, the escape opcodes D8-DF, and the rules around them.
//
// CR0: EM=1 or TS=1 makes every escape opcode raise #NM; wait/fwait raises #NM when MP=1
// and TS=1. An exception the control word does not mask sets ES (and B) in the status
// word; the next waiting FPU instruction (every one but fninit, fnclex, fnstsw, fnstcw,
// fnstenv, fnsave) then raises #MF if CR0.NE=1. With NE=0 (the PC's FERR#/IRQ13
// convention) it calls the FERR hook, if the board set one (SetFERR), and goes on as if
// IGNNE# were asserted.

// fpuState is the x87 register file and its control registers.
type fpuState struct {
	st    [8]f80 // physical registers R0-R7
	top   uint8
	cw    uint16
	sw    uint16 // status word, TOP kept apart in top
	empty uint8  // bit i: physical register i is empty (tag 11)
	fip   uint32 // last non-control instruction: offset, selector, opcode
	fcs   uint16
	fop   uint16
	fdp   uint32 // its memory operand: offset, selector
	fds   uint16
	ferr  func(c *CPU)
}

// fpuReset puts the FPU in its power-on state (SDM Vol. 3, table 9-1).
func (c *CPU) fpuReset() {
	ferr := c.fpu.ferr
	c.fpu = fpuState{cw: 0x0040, ferr: ferr}
}

// SetFERR sets the function called when a waiting FPU instruction finds an unmasked
// exception pending while CR0.NE=0 (on a PC, FERR# drives IRQ13).
func (c *CPU) SetFERR(f func(c *CPU)) { c.fpu.ferr = f }

func (c *CPU) fninit() {
	p := &c.fpu
	p.cw, p.sw, p.top, p.empty = 0x037F, 0, 0, 0xFF
	p.fip, p.fcs, p.fop, p.fdp, p.fds = 0, 0, 0, 0, 0
}

// ctx returns the rounding environment of the control word.
func (p *fpuState) ctx() fctx {
	f := fctx{rc: uint8(p.cw >> 10 & 3), mask: p.cw & exAll, prec: 64}
	switch p.cw >> 8 & 3 {
	case 0:
		f.prec = 24
	case 2:
		f.prec = 53
	}
	return f
}

func (p *fpuState) phys(i int) int     { return (int(p.top) + i) & 7 }
func (p *fpuState) isEmpty(i int) bool { return p.empty>>uint(p.phys(i))&1 != 0 }
func (p *fpuState) get(i int) f80      { return p.st[p.phys(i)] }

func (p *fpuState) set(i int, x f80) {
	r := p.phys(i)
	p.st[r] = x
	p.empty &^= 1 << uint(r)
}

func (p *fpuState) push(x f80) {
	p.top = (p.top - 1) & 7
	p.set(0, x)
}

func (p *fpuState) pop() {
	p.empty |= 1 << uint(p.phys(0))
	p.top = (p.top + 1) & 7
}

// statusWord returns the status word with TOP.
func (p *fpuState) statusWord() uint16 { return p.sw&^(7<<11) | uint16(p.top)<<11 }

// raise records exceptions ex (and C1 as the operation set it) in the status word.
func (p *fpuState) raise(ex uint16) {
	p.sw = p.sw&^exC1 | ex&(exAll|exSF|exC1)
	p.updateES()
}

// updateES sets ES and B when a flagged exception is unmasked.
func (p *fpuState) updateES() {
	if p.sw&^p.cw&exAll != 0 {
		p.sw |= exES | exB
	} else {
		p.sw &^= exES | exB
	}
}

// unmasked reports whether ex holds an exception the control word does not mask.
func (p *fpuState) unmasked(ex uint16) bool { return ex&^p.cw&exAll != 0 }

// stackFault returns the exceptions of a stack overflow or underflow.
func stackFault(over bool) uint16 {
	if over {
		return exIE | exSF | exC1
	}
	return exIE | exSF
}

// fpuInsn describes an FPU instruction form.
type fpuInsn struct {
	fn     func(c *CPU, in *insn)
	nowait bool // does not check for pending exceptions
	ctrl   bool // a control instruction: leaves the last-instruction pointers alone
}

// fpuMem and fpuReg are the handlers of the escape opcodes D8-DF by (opcode&7, ModRM.reg),
// for a memory operand and a register one (ModRM.rm then picks within some).
var fpuMem, fpuReg [8][8]fpuInsn

// opFPU executes an escape opcode.
func opFPU(c *CPU, in *insn) {
	if c.CR0&(cr0EM|cr0TS) != 0 {
		c.raise(vecNM, 0)
	}
	var d *fpuInsn
	if in.mem {
		d = &fpuMem[in.op&7][in.reg]
	} else {
		d = &fpuReg[in.op&7][in.reg]
	}
	if d.fn == nil {
		c.raise(vecUD, 0)
	}
	if !d.nowait {
		c.fpuCheckPending()
	}
	d.fn(c, in)
	if !d.ctrl {
		p := &c.fpu
		p.fip, p.fcs = c.curEIP, c.Seg[CS].Sel
		p.fop = uint16(in.op&7)<<8 | uint16(in.imm&0xFF)
		if in.mem {
			p.fdp, p.fds = c.ea(in), c.Seg[in.seg].Sel
		}
	}
}

// opFwait is wait/fwait.
func opFwait(c *CPU, in *insn) {
	if c.CR0&(cr0MP|cr0TS) == cr0MP|cr0TS {
		c.raise(vecNM, 0)
	}
	c.fpuCheckPending()
}

// fpuCheckPending delivers a pending unmasked exception before a waiting instruction.
func (c *CPU) fpuCheckPending() {
	if c.fpu.sw&exES == 0 {
		return
	}
	if c.CR0&cr0NE != 0 {
		c.raise(vecMF, 0)
	}
	if c.fpu.ferr != nil {
		c.fpu.ferr(c)
	}
}

// FPU memory operands.

func (c *CPU) fpuRead64(in *insn) uint64 {
	off := c.ea(in)
	lo := c.rd32(int(in.seg), off)
	hi := c.rd32(int(in.seg), off+4)
	return uint64(hi)<<32 | uint64(lo)
}

func (c *CPU) fpuRead80(in *insn, off uint32) f80 {
	lo := c.rd32(int(in.seg), off)
	hi := c.rd32(int(in.seg), off+4)
	se := c.rd16(int(in.seg), off+8)
	return f80{m: uint64(hi)<<32 | uint64(lo), se: se}
}

func (c *CPU) fpuWrite64(in *insn, v uint64) {
	off := c.ea(in)
	c.checkWrite(int(in.seg), off, 8)
	c.wr32(int(in.seg), off, uint32(v))
	c.wr32(int(in.seg), off+4, uint32(v>>32))
}

func (c *CPU) fpuWrite80(in *insn, off uint32, x f80) {
	c.wr32(int(in.seg), off, uint32(x.m))
	c.wr32(int(in.seg), off+4, uint32(x.m>>32))
	c.wr16(int(in.seg), off+8, x.se)
}

// memOperand reads the memory operand of the arithmetic forms (D8 m32fp, DA m32int,
// DC m64fp, DE m16int) as an extended value. den reports a denormal source.
func (c *CPU) memOperand(in *insn) (x f80, den bool) {
	off := c.ea(in)
	switch in.op & 7 {
	case 0:
		return fromBits32(c.rd32(int(in.seg), off))
	case 2:
		return fromInt(int64(int32(c.rd32(int(in.seg), off)))), false
	case 4:
		return fromBits64(c.fpuRead64(in))
	}
	return fromInt(int64(int16(c.rd16(int(in.seg), off)))), false
}

// Arithmetic.

// arith computes a op b for the arithmetic ModRM.reg values 0 (add), 1 (mul), 4 (sub),
// 5 (subr), 6 (div), 7 (divr).
func arith(f *fctx, op uint8, a, b f80) f80 {
	switch op {
	case 0:
		return f.add(a, b, false)
	case 1:
		return f.mul(a, b)
	case 4:
		return f.add(a, b, true)
	case 5:
		return f.add(b, a, true)
	case 6:
		return f.div(a, b)
	}
	return f.div(b, a)
}

// binary stores ST(dst) op src in ST(dst) (popping after with pop), with the stack and
// exception rules of the x87: an empty operand is a stack underflow; an unmasked invalid
// operand, zero divide or denormal leaves the destination and the stack as they were.
func (c *CPU) binary(op uint8, dst int, src f80, srcEmpty, srcDen bool, pop bool) {
	p := &c.fpu
	f := p.ctx()
	if p.isEmpty(dst) || srcEmpty {
		f.ex |= stackFault(false)
		if p.unmasked(f.ex) {
			p.raise(f.ex)
			return
		}
		p.set(dst, f80Indefinite)
	} else {
		if srcDen {
			f.ex |= exDE
			if !f.masked(exDE) {
				p.raise(f.ex)
				return
			}
		}
		r := arith(&f, op, p.get(dst), src)
		if p.unmasked(f.ex & (exIE | exZE | exDE)) {
			p.raise(f.ex &^ exC1)
			return
		}
		p.set(dst, r)
	}
	p.raise(f.ex)
	if pop {
		p.pop()
	}
}

// compareOp compares ST(0) with src and sets C3, C2, C0 (fcom, fucom, ficom, ftst), or
// ZF, PF, CF (fcomi, fucomi), popping n times after.
func (c *CPU) compareOp(src f80, srcEmpty, srcDen, quiet, eflags bool, n int) {
	p := &c.fpu
	f := p.ctx()
	r := 3
	if p.isEmpty(0) || srcEmpty {
		f.ex |= stackFault(false)
	} else {
		if srcDen {
			f.ex |= exDE
		}
		r = f.compare(p.get(0), src, quiet)
	}
	p.raise(f.ex)
	if p.unmasked(f.ex) {
		return
	}
	cc := [4]uint16{0, exC0, exC3, exC3 | exC2 | exC0}[r]
	if eflags {
		fl := [4]uint32{0, fCF, fZF, fZF | fPF | fCF}[r]
		c.setArith(arithMask, fl)
	} else {
		p.sw = p.sw&^(exC3|exC2|exC0) | cc
	}
	for ; n > 0; n-- {
		p.pop()
	}
}

// FPU handlers.

// fpuArithMem: D8, DA, DC, DE with a memory operand.
func fpuArithMem(c *CPU, in *insn) {
	src, den := c.memOperand(in)
	switch in.reg {
	case 2, 3:
		n := 0
		if in.reg == 3 {
			n = 1
		}
		c.compareOp(src, false, den, false, false, n)
	default:
		c.binary(in.reg, 0, src, false, den, false)
	}
}

// fpuArithST0: D8 with a register: ST(0) = ST(0) op ST(i); fcom, fcomp.
func fpuArithST0(c *CPU, in *insn) {
	p := &c.fpu
	i := int(in.rm)
	switch in.reg {
	case 2, 3:
		c.compareOp(p.get(i), p.isEmpty(i), false, false, false, int(in.reg-2))
	default:
		c.binary(in.reg, 0, p.get(i), p.isEmpty(i), false, false)
	}
}

// fpuArithSTi: DC and DE with a register: ST(i) = ST(i) op ST(0) (or ST(0) op ST(i)),
// popping for DE.
func fpuArithSTi(c *CPU, in *insn) {
	p := &c.fpu
	i := int(in.rm)
	pop := in.op&7 == 6
	switch in.reg {
	case 2, 3: // fcom2/fcomp3/fcomp5: aliases of fcom and fcomp
		n := 0
		if in.reg == 3 || pop {
			n = 1
		}
		c.compareOp(p.get(i), p.isEmpty(i), false, false, false, n)
	default:
		// The destination is ST(i) and the source ST(0), and the encodings of the
		// reversed forms are swapped: DC E0+i is fsubr ST(i),ST(0) (ST(i) = ST(0) - ST(i)).
		op := in.reg
		if op >= 4 {
			op ^= 1
		}
		c.binary(op, i, p.get(0), p.isEmpty(0), false, pop)
	}
}

// fpuPush pushes x (loads), with the stack-overflow rule: if ST(7) is in use, IE and SF
// with C1=1, and a masked overflow pushes the indefinite.
func (c *CPU) fpuPush(x f80, ex uint16) {
	p := &c.fpu
	if !p.isEmpty(7) {
		ex = ex&^exC1 | stackFault(true)
		p.raise(ex)
		if p.unmasked(ex) {
			return
		}
		p.push(f80Indefinite)
		return
	}
	p.raise(ex &^ exC1)
	if p.unmasked(ex & (exIE | exDE)) {
		return
	}
	p.push(x)
}

func fpuLdMem(c *CPU, in *insn) {
	var x f80
	var ex uint16
	off := c.ea(in)
	switch in.op & 7 {
	case 1: // fld m32fp
		var den bool
		x, den = fromBits32(c.rd32(int(in.seg), off))
		if den {
			ex |= exDE
		}
	case 5: // fld m64fp
		var den bool
		x, den = fromBits64(c.fpuRead64(in))
		if den {
			ex |= exDE
		}
	case 3: // fld m80fp
		x = c.fpuRead80(in, off)
		c.fpuPush(x, 0)
		return
	}
	if x.class() == clsSNaN {
		ex |= exIE
		x = x.quiet()
	}
	c.fpuPush(x, ex)
}

func fpuIld(c *CPU, in *insn) {
	off := c.ea(in)
	var v int64
	switch {
	case in.op&7 == 3: // fild m32int
		v = int64(int32(c.rd32(int(in.seg), off)))
	case in.reg == 0: // fild m16int
		v = int64(int16(c.rd16(int(in.seg), off)))
	default: // fild m64int
		v = int64(c.fpuRead64(in))
	}
	c.fpuPush(fromInt(v), 0)
}

// fpuSrc0 returns ST(0), or ok=false after a stack underflow whose masked response
// leaves the indefinite as the value (and unmasked, nothing).
func (c *CPU) fpuSrc0() (x f80, ex uint16, ok bool) {
	p := &c.fpu
	if p.isEmpty(0) {
		return f80Indefinite, stackFault(false), !p.unmasked(exIE)
	}
	return p.get(0), 0, true
}

func fpuStMem(c *CPU, in *insn) {
	p := &c.fpu
	x, ex, ok := c.fpuSrc0()
	if !ok {
		p.raise(ex)
		return
	}
	f := p.ctx()
	f.ex = ex
	off := c.ea(in)
	switch in.op & 7 {
	case 1: // fst/fstp m32fp
		v := f.toIEEE(x, fmtSingle)
		if f.ex&^p.cw&(exIE|exOE|exUE) != 0 {
			p.raise(f.ex &^ exC1)
			return
		}
		c.wr32(int(in.seg), off, uint32(v))
	case 5: // fst/fstp m64fp
		v := f.toIEEE(x, fmtDouble)
		if f.ex&^p.cw&(exIE|exOE|exUE) != 0 {
			p.raise(f.ex &^ exC1)
			return
		}
		c.fpuWrite64(in, v)
	case 3: // fstp m80fp
		c.checkWrite(int(in.seg), off, 10)
		c.fpuWrite80(in, off, x)
	}
	p.raise(f.ex)
	if in.reg == 3 || in.reg == 7 {
		p.pop()
	}
}

func fpuIst(c *CPU, in *insn) {
	p := &c.fpu
	x, ex, ok := c.fpuSrc0()
	if !ok {
		p.raise(ex)
		return
	}
	f := p.ctx()
	f.ex = ex
	off := c.ea(in)
	var n uint = 16
	switch {
	case in.op&7 == 3:
		n = 32
	case in.reg == 7:
		n = 64
	}
	v := f.toInt(x, n)
	if ex != 0 {
		v = int64(-1) << (n - 1)
	}
	if f.ex&^p.cw&exIE != 0 {
		p.raise(f.ex &^ exC1)
		return
	}
	switch n {
	case 16:
		c.wr16(int(in.seg), off, uint16(v))
	case 32:
		c.wr32(int(in.seg), off, uint32(v))
	default:
		c.fpuWrite64(in, uint64(v))
	}
	p.raise(f.ex)
	if in.reg == 3 || in.reg == 7 {
		p.pop()
	}
}

// fld ST(i).
func fpuLdST(c *CPU, in *insn) {
	p := &c.fpu
	i := int(in.rm)
	if p.isEmpty(i) {
		ex := stackFault(false)
		if !p.isEmpty(7) {
			ex = stackFault(true)
		}
		p.raise(ex)
		if !p.unmasked(ex) {
			p.push(f80Indefinite)
		}
		return
	}
	c.fpuPush(p.get(i), 0)
}

// fxch ST(i).
func fpuXch(c *CPU, in *insn) {
	p := &c.fpu
	i := int(in.rm)
	a, b := p.get(0), p.get(i)
	var ex uint16
	if p.isEmpty(0) || p.isEmpty(i) {
		ex = stackFault(false)
		if p.unmasked(ex) {
			p.raise(ex)
			return
		}
		if p.isEmpty(0) {
			a = f80Indefinite
		}
		if p.isEmpty(i) {
			b = f80Indefinite
		}
	}
	p.set(0, b)
	p.set(i, a)
	p.raise(ex)
}

// fst ST(i), fstp ST(i) (and the fstp1, fstp8, fstp9 aliases).
func fpuStST(c *CPU, in *insn) {
	p := &c.fpu
	x, ex, ok := c.fpuSrc0()
	p.raise(ex)
	if !ok {
		return
	}
	p.set(int(in.rm), x)
	if in.reg != 2 || in.op&7 != 5 {
		p.pop()
	}
}

// ffree ST(i), and ffreep (DF C0+i, frees and pops).
func fpuFree(c *CPU, in *insn) {
	p := &c.fpu
	p.empty |= 1 << uint(p.phys(int(in.rm)))
	if in.op&7 == 7 {
		p.pop()
	}
}

// fucom, fucomp (DD), fucompp (DA E9), fcompp (DE D9).
func fpuUcom(c *CPU, in *insn) {
	p := &c.fpu
	switch in.op & 7 {
	case 5:
		c.compareOp(p.get(int(in.rm)), p.isEmpty(int(in.rm)), false, true, false, int(in.reg-4))
	case 2:
		if in.rm != 1 {
			c.raise(vecUD, 0)
		}
		c.compareOp(p.get(1), p.isEmpty(1), false, true, false, 2)
	case 6:
		if in.rm != 1 {
			c.raise(vecUD, 0)
		}
		c.compareOp(p.get(1), p.isEmpty(1), false, false, false, 2)
	}
}

// fcomi, fucomi (DB), fcomip, fucomip (DF).
func fpuComi(c *CPU, in *insn) {
	p := &c.fpu
	n := 0
	if in.op&7 == 7 {
		n = 1
	}
	c.compareOp(p.get(int(in.rm)), p.isEmpty(int(in.rm)), false, in.reg == 5, true, n)
}

// fcmovcc.
func fpuCmov(c *CPU, in *insn) {
	p := &c.fpu
	var t bool
	switch in.reg {
	case 0:
		t = c.cf()
	case 1:
		t = c.zf()
	case 2:
		t = c.cf() || c.zf()
	case 3:
		t = c.pf()
	}
	if in.op&7 == 3 {
		t = !t
	}
	i := int(in.rm)
	if p.isEmpty(i) || p.isEmpty(0) {
		ex := stackFault(false)
		p.raise(ex)
		if !p.unmasked(ex) {
			p.set(0, f80Indefinite)
		}
		return
	}
	p.raise(0)
	if t {
		p.set(0, p.get(i))
	}
}

// D9 E0-E5: fchs, fabs, ftst, fxam.
func fpuD9E(c *CPU, in *insn) {
	p := &c.fpu
	switch in.rm {
	case 0, 1:
		x, ex, ok := c.fpuSrc0()
		p.raise(ex)
		if !ok {
			return
		}
		if in.rm == 0 {
			x = x.chs()
		} else {
			x = x.abs()
		}
		p.set(0, x)
	case 4:
		c.compareOp(f80{}, false, false, false, false, 0)
	case 5:
		x := p.get(0)
		var cc uint16
		switch {
		case p.isEmpty(0):
			cc = exC3 | exC0
		default:
			cc = [...]uint16{exC3, exC2, exC3 | exC2, exC2 | exC0, exC0, exC0, 0}[x.class()]
		}
		if x.neg() {
			cc |= exC1
		}
		p.sw = p.sw&^(exC3|exC2|exC1|exC0) | cc
	default:
		c.raise(vecUD, 0)
	}
}

// D9 E8-EE: the constants.
func fpuConst(c *CPU, in *insn) {
	if in.rm == 7 {
		c.raise(vecUD, 0)
	}
	f := c.fpu.ctx()
	c.fpuPush(f.constant(int(in.rm)), 0)
}

func fpuNop(c *CPU, in *insn) {
	if in.rm != 0 {
		c.raise(vecUD, 0)
	}
}

// DB E0-E4: feni, fdisi, fnclex, fninit, fsetpm.
func fpuDBE(c *CPU, in *insn) {
	switch in.rm {
	case 2:
		c.fpu.sw &^= exAll | exSF | exES | exB
	case 3:
		c.fninit()
	case 0, 1, 4:
	default:
		c.raise(vecUD, 0)
	}
}

// fnstsw ax.
func fpuStswAX(c *CPU, in *insn) {
	if in.rm != 0 {
		c.raise(vecUD, 0)
	}
	c.Reg[EAX] = c.Reg[EAX]&^0xFFFF | uint32(c.fpu.statusWord())
}

func fpuStsw(c *CPU, in *insn) { c.wr16(int(in.seg), c.ea(in), c.fpu.statusWord()) }
func fpuStcw(c *CPU, in *insn) { c.wr16(int(in.seg), c.ea(in), c.fpu.cw) }

func fpuLdcw(c *CPU, in *insn) {
	p := &c.fpu
	p.cw = c.rd16(int(in.seg), c.ea(in))&0x1F3F | 0x40
	p.updateES()
}

// D9 F0-FF: the transcendental and other one-operand instructions (fpu_ops.go).
func fpuD9F(c *CPU, in *insn) {
	c.fpuMisc(int(in.reg-6)*8 + int(in.rm))
}

// fullTag returns the tag word: 00 valid, 01 zero, 10 special, 11 empty.
func (p *fpuState) fullTag() uint16 {
	var t uint16
	for r := 0; r < 8; r++ {
		var v uint16
		switch {
		case p.empty>>uint(r)&1 != 0:
			v = 3
		case p.st[r].class() == clsZero:
			v = 1
		case p.st[r].class() != clsNormal:
			v = 2
		}
		t |= v << uint(2*r)
	}
	return t
}

// fpuEnvSize is the size of the environment for in's operand size.
func fpuEnvSize(in *insn) uint32 {
	if in.opsz == 4 {
		return 28
	}
	return 14
}

// storeEnv writes the environment (fnstenv, fnsave) at off, in the 16- or 32-bit,
// real-mode or protected-mode layout (SDM Vol. 1, figures 8-9 to 8-12).
func (c *CPU) storeEnv(in *insn, off uint32) {
	p := &c.fpu
	seg := int(in.seg)
	real := c.CR0&cr0PE == 0
	var ip, ipx, dp, dpx uint32 // the words at 12, 16, 20, 24 (32-bit) or 6, 8, 10, 12 (16-bit)
	if real {
		lip := uint32(p.fcs)<<4 + p.fip
		ldp := uint32(p.fds)<<4 + p.fdp
		ip, ipx = lip&0xFFFF|0xFFFF0000, lip>>16<<12|uint32(p.fop)
		dp, dpx = ldp&0xFFFF|0xFFFF0000, ldp>>16<<12
	} else {
		ip, ipx = p.fip, uint32(p.fcs)|uint32(p.fop)<<16
		dp, dpx = p.fdp, uint32(p.fds)|0xFFFF0000
	}
	vals := [7]uint32{uint32(p.cw) | 0xFFFF0000, uint32(p.statusWord()) | 0xFFFF0000,
		uint32(p.fullTag()) | 0xFFFF0000, ip, ipx, dp, dpx}
	if in.opsz == 4 {
		c.checkWrite(seg, off, 28)
		for i, v := range vals {
			c.wr32(seg, off+uint32(4*i), v)
		}
		return
	}
	if !real {
		vals[4] = uint32(p.fcs)
	}
	c.checkWrite(seg, off, 14)
	for i, v := range vals {
		c.wr16(seg, off+uint32(2*i), uint16(v))
	}
}

// loadEnv reads the environment at off (fldenv, frstor).
func (c *CPU) loadEnv(in *insn, off uint32) {
	p := &c.fpu
	seg := int(in.seg)
	var vals [7]uint32
	for i := range vals {
		if in.opsz == 4 {
			vals[i] = c.rd32(seg, off+uint32(4*i))
		} else {
			vals[i] = uint32(c.rd16(seg, off+uint32(2*i)))
		}
	}
	p.cw = uint16(vals[0])&0x1F3F | 0x40
	p.sw = uint16(vals[1])
	p.top = uint8(vals[1] >> 11 & 7)
	p.empty = 0
	for r := 0; r < 8; r++ {
		if vals[2]>>uint(2*r)&3 == 3 {
			p.empty |= 1 << uint(r)
		}
	}
	if c.CR0&cr0PE == 0 {
		p.fip = vals[3]&0xFFFF | vals[4]>>12<<16
		p.fop = uint16(vals[4] & 0x7FF)
		p.fdp = vals[5]&0xFFFF | vals[6]>>12<<16
		p.fcs, p.fds = 0, 0
	} else {
		p.fip, p.fdp = vals[3], vals[5]
		p.fcs, p.fds = uint16(vals[4]), uint16(vals[6])
		if in.opsz == 4 {
			p.fop = uint16(vals[4] >> 16 & 0x7FF)
		}
	}
	p.updateES()
}

func fpuLdenv(c *CPU, in *insn) { c.loadEnv(in, c.ea(in)) }

func fpuStenv(c *CPU, in *insn) {
	c.storeEnv(in, c.ea(in))
	c.fpu.cw |= exAll
	c.fpu.updateES()
}

func fpuSave(c *CPU, in *insn) {
	off := c.ea(in)
	n := fpuEnvSize(in)
	c.checkWrite(int(in.seg), off, int(n)+80)
	c.storeEnv(in, off)
	for i := 0; i < 8; i++ {
		c.fpuWrite80(in, off+n+uint32(10*i), c.fpu.get(i))
	}
	c.fninit()
}

func fpuRstor(c *CPU, in *insn) {
	off := c.ea(in)
	n := fpuEnvSize(in)
	var regs [8]f80
	for i := range regs {
		regs[i] = c.fpuRead80(in, off+n+uint32(10*i))
	}
	c.loadEnv(in, off)
	for i, x := range regs {
		c.fpu.st[c.fpu.phys(i)] = x
	}
}

func fpuBld(c *CPU, in *insn) {
	off := c.ea(in)
	lo := uint64(c.rd32(int(in.seg), off)) | uint64(c.rd32(int(in.seg), off+4))<<32
	hi := c.rd16(int(in.seg), off+8)
	c.fpuPush(fromBCD(lo, hi), 0)
}

func fpuBstp(c *CPU, in *insn) {
	p := &c.fpu
	x, ex, ok := c.fpuSrc0()
	if !ok {
		p.raise(ex)
		return
	}
	f := p.ctx()
	f.ex = ex
	lo, hi := f.toBCD(x)
	if ex != 0 {
		lo, hi = 0xC000000000000000, 0xFFFF
	}
	if f.ex&^p.cw&exIE != 0 {
		p.raise(f.ex &^ exC1)
		return
	}
	off := c.ea(in)
	c.checkWrite(int(in.seg), off, 10)
	c.wr32(int(in.seg), off, uint32(lo))
	c.wr32(int(in.seg), off+4, uint32(lo>>32))
	c.wr16(int(in.seg), off+8, hi)
	p.raise(f.ex)
	p.pop()
}

func init() {
	w := func(fn func(*CPU, *insn)) fpuInsn { return fpuInsn{fn: fn} }
	ctl := func(fn func(*CPU, *insn), nowait bool) fpuInsn { return fpuInsn{fn: fn, nowait: nowait, ctrl: true} }
	for _, op := range []int{0, 2, 4, 6} {
		for r := 0; r < 8; r++ {
			fpuMem[op][r] = w(fpuArithMem)
		}
	}
	for r := 0; r < 8; r++ {
		fpuReg[0][r] = w(fpuArithST0)
		fpuReg[4][r] = w(fpuArithSTi)
		fpuReg[6][r] = w(fpuArithSTi)
	}
	fpuReg[6][3] = w(fpuUcom) // fcompp (DE D9)
	fpuMem[1] = [8]fpuInsn{w(fpuLdMem), {}, w(fpuStMem), w(fpuStMem), ctl(fpuLdenv, false), ctl(fpuLdcw, false), ctl(fpuStenv, true), ctl(fpuStcw, true)}
	fpuReg[1] = [8]fpuInsn{w(fpuLdST), w(fpuXch), w(fpuNop), w(fpuStST), w(fpuD9E), w(fpuConst), w(fpuD9F), w(fpuD9F)}
	fpuMem[3] = [8]fpuInsn{w(fpuIld), {}, w(fpuIst), w(fpuIst), {}, w(fpuLdMem), {}, w(fpuStMem)}
	fpuReg[2] = [8]fpuInsn{w(fpuCmov), w(fpuCmov), w(fpuCmov), w(fpuCmov), {}, w(fpuUcom)}
	fpuReg[3] = [8]fpuInsn{w(fpuCmov), w(fpuCmov), w(fpuCmov), w(fpuCmov), ctl(fpuDBE, true), w(fpuComi), w(fpuComi)}
	fpuMem[5] = [8]fpuInsn{w(fpuLdMem), {}, w(fpuStMem), w(fpuStMem), ctl(fpuRstor, false), {}, ctl(fpuSave, true), ctl(fpuStsw, true)}
	fpuReg[5] = [8]fpuInsn{w(fpuFree), w(fpuXch), w(fpuStST), w(fpuStST), w(fpuUcom), w(fpuUcom)}
	fpuMem[7] = [8]fpuInsn{w(fpuIld), {}, w(fpuIst), w(fpuIst), w(fpuBld), w(fpuIld), w(fpuBstp), w(fpuIst)}
	fpuReg[7] = [8]fpuInsn{w(fpuFree), w(fpuXch), w(fpuStST), w(fpuStST), ctl(fpuStswAX, true), w(fpuComi), w(fpuComi)}
}
