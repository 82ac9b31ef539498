package x86

import "math/bits"

// alu performs ALU operation op (the add/or/adc/sbb/and/sub/xor/cmp encoding order) on
// sz-byte operands, sets the flags lazily and returns the result.
func (c *CPU) alu(op uint8, a, b uint32, sz int) uint32 {
	m := sizeMask(sz)
	var r uint32
	switch op {
	case 0:
		r = (a + b) & m
		c.setLazy(lAdd, a, b, r, sz)
	case 1:
		r = a | b
		c.setLazy(lLogic, 0, 0, r, sz)
	case 2:
		cin := uint32(0)
		if c.cf() {
			cin = 1
		}
		r = (a + b + cin) & m
		c.lcin = cin
		c.setLazy(lAdc, a, b, r, sz)
	case 3:
		cin := uint32(0)
		if c.cf() {
			cin = 1
		}
		r = (a - b - cin) & m
		c.lcin = cin
		c.setLazy(lSbb, a, b, r, sz)
	case 4:
		r = a & b
		c.setLazy(lLogic, 0, 0, r, sz)
	case 5, 7:
		r = (a - b) & m
		c.setLazy(lSub, a, b, r, sz)
	case 6:
		r = a ^ b
		c.setLazy(lLogic, 0, 0, r, sz)
	}
	return r
}

// 00-3D: ALU forms.

func opAluEG(c *CPU, in *insn) { // op r/m, reg
	sz := osz(in)
	op := uint8(in.op >> 3 & 7)
	b := c.getReg(in.reg, sz)
	if !in.mem {
		r := c.alu(op, c.getReg(in.rm, sz), b, sz)
		if op != 7 {
			c.setReg(in.rm, sz, r)
		}
		return
	}
	off := c.ea(in)
	r := c.alu(op, c.rd(int(in.seg), off, sz), b, sz)
	if op != 7 {
		c.wr(int(in.seg), off, sz, r)
	}
}

func opAluGE(c *CPU, in *insn) { // op reg, r/m
	sz := osz(in)
	op := uint8(in.op >> 3 & 7)
	r := c.alu(op, c.getReg(in.reg, sz), c.rmRead(in, sz), sz)
	if op != 7 {
		c.setReg(in.reg, sz, r)
	}
}

func opAluAI(c *CPU, in *insn) { // op al/ax/eax, imm
	sz := osz(in)
	op := uint8(in.op >> 3 & 7)
	r := c.alu(op, c.getReg(EAX, sz), in.imm, sz)
	if op != 7 {
		c.setReg(EAX, sz, r)
	}
}

func opGrp1(c *CPU, in *insn) { // 80-83
	sz := int(in.opsz)
	if in.op == 0x80 || in.op == 0x82 {
		sz = 1
	}
	op := in.reg
	b := in.imm & sizeMask(sz)
	if !in.mem {
		r := c.alu(op, c.getReg(in.rm, sz), b, sz)
		if op != 7 {
			c.setReg(in.rm, sz, r)
		}
		return
	}
	off := c.ea(in)
	r := c.alu(op, c.rd(int(in.seg), off, sz), b, sz)
	if op != 7 {
		c.wr(int(in.seg), off, sz, r)
	}
}

// Fast forms for 32-bit registers.

func opAddRR32(c *CPU, in *insn) {
	a, b := c.Reg[in.rm], c.Reg[in.reg]
	r := a + b
	c.lop, c.la, c.lb, c.lres, c.lsign = lAdd, a, b, r, 0x80000000
	c.Reg[in.rm] = r
}

func opSubRR32(c *CPU, in *insn) {
	a, b := c.Reg[in.rm], c.Reg[in.reg]
	r := a - b
	c.lop, c.la, c.lb, c.lres, c.lsign = lSub, a, b, r, 0x80000000
	c.Reg[in.rm] = r
}

func opCmpRR32(c *CPU, in *insn) {
	a, b := c.Reg[in.rm], c.Reg[in.reg]
	c.lop, c.la, c.lb, c.lres, c.lsign = lSub, a, b, a-b, 0x80000000
}

func opXorRR32(c *CPU, in *insn) {
	r := c.Reg[in.rm] ^ c.Reg[in.reg]
	c.lop, c.lres, c.lsign = lLogic, r, 0x80000000
	c.Reg[in.rm] = r
}

func opTestRR32(c *CPU, in *insn) {
	r := c.Reg[in.rm] & c.Reg[in.reg]
	c.lop, c.lres, c.lsign = lLogic, r, 0x80000000
}

func opAddRI32(c *CPU, in *insn) {
	a, b := c.Reg[in.rm], in.imm
	r := a + b
	c.lop, c.la, c.lb, c.lres, c.lsign = lAdd, a, b, r, 0x80000000
	c.Reg[in.rm] = r
}

func opSubRI32(c *CPU, in *insn) {
	a, b := c.Reg[in.rm], in.imm
	r := a - b
	c.lop, c.la, c.lb, c.lres, c.lsign = lSub, a, b, r, 0x80000000
	c.Reg[in.rm] = r
}

func opCmpRI32(c *CPU, in *insn) {
	a, b := c.Reg[in.rm], in.imm
	c.lop, c.la, c.lb, c.lres, c.lsign = lSub, a, b, a-b, 0x80000000
}

func opCmpGM32(c *CPU, in *insn) { // cmp r32, m32
	a, b := c.Reg[in.reg], c.rd32(int(in.seg), c.ea(in))
	c.lop, c.la, c.lb, c.lres, c.lsign = lSub, a, b, a-b, 0x80000000
}

func opCmpMI32(c *CPU, in *insn) { // cmp m32, imm
	a, b := c.rd32(int(in.seg), c.ea(in)), in.imm
	c.lop, c.la, c.lb, c.lres, c.lsign = lSub, a, b, a-b, 0x80000000
}

func opAddGM32(c *CPU, in *insn) { // add r32, m32
	a, b := c.Reg[in.reg], c.rd32(int(in.seg), c.ea(in))
	r := a + b
	c.lop, c.la, c.lb, c.lres, c.lsign = lAdd, a, b, r, 0x80000000
	c.Reg[in.reg] = r
}

// opAluMR32 is op [mem], r32 for the eight ALU operations.
func opAluMR32(c *CPU, in *insn) {
	op := uint8(in.op >> 3 & 7)
	off := c.ea(in)
	r := c.alu(op, c.rd32(int(in.seg), off), c.Reg[in.reg], 4)
	if op != 7 {
		c.wr32(int(in.seg), off, r)
	}
}

// opAluRM32 is op r32, [mem].
func opAluRM32(c *CPU, in *insn) {
	op := uint8(in.op >> 3 & 7)
	r := c.alu(op, c.Reg[in.reg], c.rd32(int(in.seg), c.ea(in)), 4)
	if op != 7 {
		c.Reg[in.reg] = r
	}
}

// opAluMI32 is op [mem], imm (81, 83).
func opAluMI32(c *CPU, in *insn) {
	off := c.ea(in)
	r := c.alu(in.reg, c.rd32(int(in.seg), off), in.imm, 4)
	if in.reg != 7 {
		c.wr32(int(in.seg), off, r)
	}
}

// opAluRI32 is op r32, imm (81, 83) for the operations without a faster form.
func opAluRI32(c *CPU, in *insn) {
	r := c.alu(in.reg, c.Reg[in.rm], in.imm, 4)
	if in.reg != 7 {
		c.Reg[in.rm] = r
	}
}

// test.

func opTestEG(c *CPU, in *insn) {
	sz := osz(in)
	c.setLazy(lLogic, 0, 0, c.rmRead(in, sz)&c.getReg(in.reg, sz), sz)
}

func opTestAI(c *CPU, in *insn) {
	sz := osz(in)
	c.setLazy(lLogic, 0, 0, c.getReg(EAX, sz)&in.imm, sz)
}

func opTestEI(c *CPU, in *insn) { // F6/F7 /0 /1
	sz := osz(in)
	c.setLazy(lLogic, 0, 0, c.rmRead(in, sz)&in.imm&sizeMask(sz), sz)
}

// inc/dec.

func (c *CPU) inc(a uint32, sz int) uint32 {
	c.saveCF()
	r := (a + 1) & sizeMask(sz)
	c.setLazy(lInc, a, 1, r, sz)
	return r
}

func (c *CPU) dec(a uint32, sz int) uint32 {
	c.saveCF()
	r := (a - 1) & sizeMask(sz)
	c.setLazy(lDec, a, 1, r, sz)
	return r
}

func opIncR(c *CPU, in *insn) {
	r := in.op & 7
	sz := int(in.opsz)
	c.setReg(uint8(r), sz, c.inc(c.getReg(uint8(r), sz), sz))
}

func opDecR(c *CPU, in *insn) {
	r := in.op & 7
	sz := int(in.opsz)
	c.setReg(uint8(r), sz, c.dec(c.getReg(uint8(r), sz), sz))
}

func opIncR32(c *CPU, in *insn) {
	r := in.op & 7
	c.saveCF()
	a := c.Reg[r]
	c.lop, c.la, c.lb, c.lres, c.lsign = lInc, a, 1, a+1, 0x80000000
	c.Reg[r] = a + 1
}

func opDecR32(c *CPU, in *insn) {
	r := in.op & 7
	c.saveCF()
	a := c.Reg[r]
	c.lop, c.la, c.lb, c.lres, c.lsign = lDec, a, 1, a-1, 0x80000000
	c.Reg[r] = a - 1
}

func opIncE(c *CPU, in *insn) {
	sz := osz(in)
	if !in.mem {
		c.setReg(in.rm, sz, c.inc(c.getReg(in.rm, sz), sz))
		return
	}
	off := c.ea(in)
	v := c.rd(int(in.seg), off, sz)
	c.checkWrite(int(in.seg), off, sz)
	c.wr(int(in.seg), off, sz, c.inc(v, sz))
}

func opDecE(c *CPU, in *insn) {
	sz := osz(in)
	if !in.mem {
		c.setReg(in.rm, sz, c.dec(c.getReg(in.rm, sz), sz))
		return
	}
	off := c.ea(in)
	v := c.rd(int(in.seg), off, sz)
	c.checkWrite(int(in.seg), off, sz)
	c.wr(int(in.seg), off, sz, c.dec(v, sz))
}

// Group 3: not, neg, mul, imul, div, idiv.

func opNot(c *CPU, in *insn) {
	sz := osz(in)
	if !in.mem {
		c.setReg(in.rm, sz, ^c.getReg(in.rm, sz))
		return
	}
	off := c.ea(in)
	c.wr(int(in.seg), off, sz, ^c.rd(int(in.seg), off, sz))
}

func opNeg(c *CPU, in *insn) {
	sz := osz(in)
	if !in.mem {
		c.setReg(in.rm, sz, c.alu(5, 0, c.getReg(in.rm, sz), sz))
		return
	}
	off := c.ea(in)
	v := c.rd(int(in.seg), off, sz)
	c.checkWrite(int(in.seg), off, sz)
	c.wr(int(in.seg), off, sz, c.alu(5, 0, v, sz))
}

// mulFlags sets CF=OF=over and the other flags as a P6 leaves them (SF, ZF, PF from the low
// half of the result, AF cleared).
func (c *CPU) mulFlags(over bool, lo uint32, sz int) {
	f := uint32(0)
	if over {
		f = fCF | fOF
	}
	lo &= sizeMask(sz)
	if lo == 0 {
		f |= fZF
	}
	if lo&sizeSign(sz) != 0 {
		f |= fSF
	}
	if parityTab[uint8(lo)] {
		f |= fPF
	}
	c.setArith(arithMask, f)
}

func opMul(c *CPU, in *insn) {
	sz := osz(in)
	v := c.rmRead(in, sz)
	switch sz {
	case 1:
		r := c.Reg[EAX] & 0xFF * v
		c.setReg(EAX, 2, r)
		c.mulFlags(r>>8 != 0, r, 1)
	case 2:
		r := c.Reg[EAX] & 0xFFFF * v
		c.setReg(EAX, 2, r)
		c.setReg(EDX, 2, r>>16)
		c.mulFlags(r>>16 != 0, r, 2)
	default:
		hi, lo := bits.Mul32(c.Reg[EAX], v)
		c.Reg[EAX], c.Reg[EDX] = lo, hi
		c.mulFlags(hi != 0, lo, 4)
	}
}

func sext(v uint32, sz int) int64 {
	switch sz {
	case 1:
		return int64(int8(v))
	case 2:
		return int64(int16(v))
	}
	return int64(int32(v))
}

func opImul1(c *CPU, in *insn) {
	sz := osz(in)
	v := sext(c.rmRead(in, sz), sz)
	a := sext(c.getReg(EAX, sz), sz)
	r := a * v
	switch sz {
	case 1:
		c.setReg(EAX, 2, uint32(r))
		c.mulFlags(r != int64(int8(r)), uint32(r), 1)
	case 2:
		c.setReg(EAX, 2, uint32(r))
		c.setReg(EDX, 2, uint32(r>>16))
		c.mulFlags(r != int64(int16(r)), uint32(r), 2)
	default:
		c.Reg[EAX], c.Reg[EDX] = uint32(r), uint32(r>>32)
		c.mulFlags(r != int64(int32(r)), uint32(r), 4)
	}
}

func (c *CPU) imul2(a, b uint32, sz int) uint32 {
	r := sext(a, sz) * sext(b, sz)
	var over bool
	if sz == 2 {
		over = r != int64(int16(r))
	} else {
		over = r != int64(int32(r))
	}
	c.mulFlags(over, uint32(r), sz)
	return uint32(r) & sizeMask(sz)
}

func opImulGE(c *CPU, in *insn) { // 0F AF
	sz := int(in.opsz)
	c.setReg(in.reg, sz, c.imul2(c.getReg(in.reg, sz), c.rmRead(in, sz), sz))
}

func opImulGEI(c *CPU, in *insn) { // 69, 6B
	sz := int(in.opsz)
	c.setReg(in.reg, sz, c.imul2(c.rmRead(in, sz), in.imm, sz))
}

func opDiv(c *CPU, in *insn) {
	sz := osz(in)
	v := c.rmRead(in, sz)
	if v == 0 {
		c.raise(vecDE, 0)
	}
	switch sz {
	case 1:
		n := c.Reg[EAX] & 0xFFFF
		q := n / v
		if q > 0xFF {
			c.raise(vecDE, 0)
		}
		c.setReg(EAX, 2, (n%v)<<8|q)
	case 2:
		n := (c.Reg[EDX]&0xFFFF)<<16 | c.Reg[EAX]&0xFFFF
		q := n / v
		if q > 0xFFFF {
			c.raise(vecDE, 0)
		}
		c.setReg(EAX, 2, q)
		c.setReg(EDX, 2, n%v)
	default:
		if c.Reg[EDX] >= v {
			c.raise(vecDE, 0)
		}
		q, r := bits.Div32(c.Reg[EDX], c.Reg[EAX], v)
		c.Reg[EAX], c.Reg[EDX] = q, r
	}
}

func opIdiv(c *CPU, in *insn) {
	sz := osz(in)
	v := sext(c.rmRead(in, sz), sz)
	if v == 0 {
		c.raise(vecDE, 0)
	}
	switch sz {
	case 1:
		n := int64(int16(c.Reg[EAX]))
		q := n / v
		if q != int64(int8(q)) {
			c.raise(vecDE, 0)
		}
		c.setReg(EAX, 2, uint32(n%v)<<8|uint32(q)&0xFF)
	case 2:
		n := int64(int32((c.Reg[EDX]&0xFFFF)<<16 | c.Reg[EAX]&0xFFFF))
		q := n / v
		if q != int64(int16(q)) {
			c.raise(vecDE, 0)
		}
		c.setReg(EAX, 2, uint32(q))
		c.setReg(EDX, 2, uint32(n%v))
	default:
		n := int64(uint64(c.Reg[EDX])<<32 | uint64(c.Reg[EAX]))
		if n == -1<<63 && v == -1 {
			c.raise(vecDE, 0)
		}
		q := n / v
		if q != int64(int32(q)) {
			c.raise(vecDE, 0)
		}
		c.Reg[EAX], c.Reg[EDX] = uint32(q), uint32(n%v)
	}
}

// Shifts and rotates (group 2). Flags are computed eagerly.

func opGrp2(c *CPU, in *insn) {
	sz := osz(in)
	var n uint32
	switch in.op {
	case 0xD0, 0xD1:
		n = 1
	case 0xD2, 0xD3:
		n = c.Reg[ECX] & 0xFF
	default:
		n = in.imm & 0xFF
	}
	n &= 31
	if !in.mem {
		v := c.getReg(in.rm, sz)
		c.setReg(in.rm, sz, c.shift(in.reg, v, n, sz))
		return
	}
	off := c.ea(in)
	v := c.rd(int(in.seg), off, sz)
	if n == 0 {
		return
	}
	c.checkWrite(int(in.seg), off, sz)
	c.wr(int(in.seg), off, sz, c.shift(in.reg, v, n, sz))
}

// shift performs rol/ror/rcl/rcr/shl/shr/sal/sar (op) of v by n (already masked to 0-31).
func (c *CPU) shift(op uint8, v, n uint32, sz int) uint32 {
	if n == 0 {
		return v
	}
	bitsz := uint32(sz * 8)
	m := sizeMask(sz)
	sign := sizeSign(sz)
	var f uint32
	if op < 4 {
		c.materialize() // rotates keep SF, ZF, AF, PF (and rcl/rcr read CF)
		f = c.flags
	} else {
		f = c.flags &^ arithMask // shifts set every arithmetic flag
		c.lop = lNone
	}
	var r uint32
	setCF := func(b bool) {
		if b {
			f |= fCF
		} else {
			f &^= fCF
		}
	}
	setOF := func(b bool) {
		if b {
			f |= fOF
		} else {
			f &^= fOF
		}
	}
	switch op {
	case 0: // rol
		k := n % bitsz
		r = (v<<k | v>>(bitsz-k)) & m
		setCF(r&1 != 0)
		setOF((r&sign != 0) != (r&1 != 0))
	case 1: // ror
		k := n % bitsz
		r = (v>>k | v<<(bitsz-k)) & m
		setCF(r&sign != 0)
		setOF((r&sign != 0) != (r&(sign>>1) != 0))
	case 2: // rcl
		k := n % (bitsz + 1)
		cf := uint64(f & fCF)
		x := uint64(v) | cf<<bitsz
		w := uint64(bitsz + 1)
		x = (x<<k | x>>(w-uint64(k))) & (1<<w - 1)
		r = uint32(x) & m
		setCF(x>>bitsz&1 != 0)
		setOF((r&sign != 0) != (x>>bitsz&1 != 0))
	case 3: // rcr
		k := n % (bitsz + 1)
		cf := uint64(f & fCF)
		x := uint64(v) | cf<<bitsz
		w := uint64(bitsz + 1)
		setOF((v&sign != 0) != (cf != 0))
		x = (x>>k | x<<(w-uint64(k))) & (1<<w - 1)
		r = uint32(x) & m
		setCF(x>>bitsz&1 != 0)
	case 4, 6: // shl/sal
		r = uint32(uint64(v)<<n) & m
		setCF(n <= bitsz && uint64(v)>>(bitsz-n)&1 != 0)
		setOF((r&sign != 0) != (f&fCF != 0))
		f = c.szp(f, r, sz) &^ fAF
	case 5: // shr
		r = uint32(uint64(v) >> n)
		setCF(uint64(v)>>(n-1)&1 != 0)
		setOF(v&sign != 0)
		f = c.szp(f, r, sz) &^ fAF
	case 7: // sar
		sv := sext(v, sz)
		r = uint32(sv>>n) & m
		setCF(sv>>(n-1)&1 != 0)
		setOF(false)
		f = c.szp(f, r, sz) &^ fAF
	}
	c.flags = f
	return r
}

// szp returns f with SF, ZF and PF set from the sz-byte result r.
func (c *CPU) szp(f, r uint32, sz int) uint32 {
	f &^= fSF | fZF | fPF
	r &= sizeMask(sz)
	if r == 0 {
		f |= fZF
	}
	if r&sizeSign(sz) != 0 {
		f |= fSF
	}
	if parityTab[uint8(r)] {
		f |= fPF
	}
	return f
}

// shld/shrd.

func opShxd(c *CPU, in *insn) {
	sz := int(in.opsz)
	var n uint32
	if in.op == 0x1A4 || in.op == 0x1AC {
		n = in.imm & 31
	} else {
		n = c.Reg[ECX] & 31
	}
	src := c.getReg(in.reg, sz)
	var off uint32
	var v uint32
	if in.mem {
		off = c.ea(in)
		v = c.rd(int(in.seg), off, sz)
	} else {
		v = c.getReg(in.rm, sz)
	}
	if n == 0 {
		return
	}
	bitsz := uint32(sz * 8)
	var r uint32
	var cf bool
	left := in.op == 0x1A4 || in.op == 0x1A5
	if sz == 2 {
		// 16-bit forms with counts above 16 are undefined; behave as a 32-bit double shift.
		x := uint64(v)<<16 | uint64(src)
		if left {
			x = uint64(v)<<32 | uint64(src)<<16 | uint64(v)
			r = uint32(x >> (32 - n) & 0xFFFF)
			cf = x>>(48-n)&1 != 0
		} else {
			x = uint64(v) | uint64(src)<<16 | uint64(v)<<32
			r = uint32(x >> n & 0xFFFF)
			cf = x>>(n-1)&1 != 0
		}
	} else if left {
		r = v<<n | src>>(bitsz-n)
		cf = v>>(bitsz-n)&1 != 0
	} else {
		r = v>>n | src<<(bitsz-n)
		cf = v>>(n-1)&1 != 0
	}
	c.materialize()
	f := c.szp(c.flags, r, sz) &^ (fCF | fOF | fAF)
	if cf {
		f |= fCF
	}
	if (r^v)&sizeSign(sz) != 0 {
		f |= fOF
	}
	c.flags = f
	if in.mem {
		c.wr(int(in.seg), off, sz, r)
	} else {
		c.setReg(in.rm, sz, r)
	}
}

// Bit tests.

func (c *CPU) setCF(b bool) {
	c.materialize()
	if b {
		c.flags |= fCF
	} else {
		c.flags &^= fCF
	}
}

// opBt handles bt/bts/btr/btc with a register bit offset (0F A3/AB/B3/BB) or an immediate
// (0F BA /4-7).
func opBt(c *CPU, in *insn) {
	sz := int(in.opsz)
	var kind uint8
	var bit uint32
	if in.op == 0x1BA {
		kind = in.reg - 4
		bit = in.imm & uint32(sz*8-1)
	} else {
		kind = uint8(in.op>>3) & 3
		bit = c.getReg(in.reg, sz)
	}
	apply := func(v, b uint32) (uint32, bool) {
		old := v>>b&1 != 0
		switch kind {
		case 1:
			v |= 1 << b
		case 2:
			v &^= 1 << b
		case 3:
			v ^= 1 << b
		}
		return v, old
	}
	if !in.mem {
		v, old := apply(c.getReg(in.rm, sz), bit&uint32(sz*8-1))
		c.setCF(old)
		if kind != 0 {
			c.setReg(in.rm, sz, v)
		}
		return
	}
	off := c.ea(in)
	if in.op != 0x1BA {
		// The register offset is signed and may reach outside the operand.
		sb := int64(sext(bit, sz))
		off += uint32(int32((sb >> 3) &^ int64(sz-1)))
		if in.adsz == 2 {
			off &= 0xFFFF
		}
		bit = uint32(sb & int64(sz*8-1))
	}
	v, old := apply(c.rd(int(in.seg), off, sz), bit)
	if kind != 0 {
		c.wr(int(in.seg), off, sz, v)
	}
	c.setCF(old)
}

func opBsf(c *CPU, in *insn) {
	sz := int(in.opsz)
	v := c.rmRead(in, sz)
	c.materialize()
	if v == 0 {
		c.flags |= fZF
		return
	}
	c.flags &^= fZF
	c.setReg(in.reg, sz, uint32(bits.TrailingZeros32(v)))
}

func opBsr(c *CPU, in *insn) {
	sz := int(in.opsz)
	v := c.rmRead(in, sz)
	c.materialize()
	if v == 0 {
		c.flags |= fZF
		return
	}
	c.flags &^= fZF
	c.setReg(in.reg, sz, uint32(31-bits.LeadingZeros32(v)))
}

// BCD adjustments.

func opDaa(c *CPU, in *insn) {
	al := c.Reg[EAX] & 0xFF
	cf, af := c.cf(), c.af()
	oldAL, oldCF := al, cf
	cf = false
	if al&0xF > 9 || af {
		al += 6
		cf = oldCF || al > 0xFF
		af = true
	} else {
		af = false
	}
	if oldAL > 0x99 || oldCF {
		al += 0x60
		cf = true
	}
	al &= 0xFF
	c.setReg8(0, al)
	c.bcdFlags(al, cf, af)
}

func opDas(c *CPU, in *insn) {
	al := c.Reg[EAX] & 0xFF
	cf, af := c.cf(), c.af()
	oldAL, oldCF := al, cf
	cf = false
	if al&0xF > 9 || af {
		cf = oldCF || al < 6
		al -= 6
		af = true
	} else {
		af = false
	}
	if oldAL > 0x99 || oldCF {
		al -= 0x60
		cf = true
	}
	al &= 0xFF
	c.setReg8(0, al)
	c.bcdFlags(al, cf, af)
}

func (c *CPU) bcdFlags(al uint32, cf, af bool) {
	f := c.szp(0, al, 1)
	if cf {
		f |= fCF
	}
	if af {
		f |= fAF
	}
	c.setArith(arithMask, f)
}

func opAaa(c *CPU, in *insn) {
	ax := c.Reg[EAX] & 0xFFFF
	af := c.af()
	var f uint32
	if ax&0xF > 9 || af {
		ax = (ax + 0x106)
		f = fAF | fCF
	}
	ax &= 0xFF0F
	c.setReg(EAX, 2, ax)
	c.setArith(arithMask, c.szp(f, ax, 1))
}

func opAas(c *CPU, in *insn) {
	ax := c.Reg[EAX] & 0xFFFF
	af := c.af()
	var f uint32
	if ax&0xF > 9 || af {
		ax = (ax - 6) & 0xFFFF // the borrow reaches AH, as on P6 and later
		ax = (ax - 0x100) & 0xFFFF
		f = fAF | fCF
	}
	ax &= 0xFF0F
	c.setReg(EAX, 2, ax)
	c.setArith(arithMask, c.szp(f, ax, 1))
}

func opAam(c *CPU, in *insn) {
	b := in.imm & 0xFF
	if b == 0 {
		c.raise(vecDE, 0)
	}
	al := c.Reg[EAX] & 0xFF
	r := (al/b)<<8 | al%b
	c.setReg(EAX, 2, r)
	c.setArith(arithMask, c.szp(0, r, 1))
}

func opAad(c *CPU, in *insn) {
	b := in.imm & 0xFF
	ax := c.Reg[EAX]
	al := (ax&0xFF + (ax>>8&0xFF)*b) & 0xFF
	c.setReg(EAX, 2, al)
	c.setArith(arithMask, c.szp(0, al, 1))
}

// xadd, cmpxchg, cmpxchg8b.

func opXadd(c *CPU, in *insn) {
	sz := osz(in)
	src := c.getReg(in.reg, sz)
	if !in.mem {
		dst := c.getReg(in.rm, sz)
		r := c.alu(0, dst, src, sz)
		c.setReg(in.reg, sz, dst)
		c.setReg(in.rm, sz, r)
		return
	}
	off := c.ea(in)
	dst := c.rd(int(in.seg), off, sz)
	c.checkWrite(int(in.seg), off, sz)
	r := c.alu(0, dst, src, sz)
	c.wr(int(in.seg), off, sz, r)
	c.setReg(in.reg, sz, dst)
}

func opCmpxchg(c *CPU, in *insn) {
	sz := osz(in)
	var off uint32
	var dst uint32
	if in.mem {
		off = c.ea(in)
		dst = c.rd(int(in.seg), off, sz)
		c.checkWrite(int(in.seg), off, sz)
	} else {
		dst = c.getReg(in.rm, sz)
	}
	acc := c.getReg(EAX, sz)
	c.alu(7, acc, dst, sz)
	if acc == dst {
		if in.mem {
			c.wr(int(in.seg), off, sz, c.getReg(in.reg, sz))
		} else {
			c.setReg(in.rm, sz, c.getReg(in.reg, sz))
		}
		return
	}
	if in.mem {
		c.wr(int(in.seg), off, sz, dst) // the processor always writes
	}
	c.setReg(EAX, sz, dst)
}

func opCmpxchg8b(c *CPU, in *insn) {
	if !in.mem {
		c.raise(vecUD, 0)
	}
	off := c.ea(in)
	lo := c.rd32(int(in.seg), off)
	hi := c.rd32(int(in.seg), off+4)
	c.checkWrite(int(in.seg), off, 4)
	c.checkWrite(int(in.seg), off+4, 4)
	c.materialize()
	if lo == c.Reg[EAX] && hi == c.Reg[EDX] {
		c.wr32(int(in.seg), off, c.Reg[EBX])
		c.wr32(int(in.seg), off+4, c.Reg[ECX])
		c.flags |= fZF
		return
	}
	c.wr32(int(in.seg), off, lo)
	c.wr32(int(in.seg), off+4, hi)
	c.Reg[EAX], c.Reg[EDX] = lo, hi
	c.flags &^= fZF
}
