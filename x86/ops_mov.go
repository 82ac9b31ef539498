package x86

// mov.

func opMovEG(c *CPU, in *insn) { // 88, 89
	sz := osz(in)
	c.rmWrite(in, sz, c.getReg(in.reg, sz))
}

func opMovGE(c *CPU, in *insn) { // 8A, 8B
	sz := osz(in)
	c.setReg(in.reg, sz, c.rmRead(in, sz))
}

func opMovRR32(c *CPU, in *insn) { c.Reg[in.rm] = c.Reg[in.reg] } // 89 /r, mod 3

func opMovMR32(c *CPU, in *insn) { c.wr32(int(in.seg), c.ea(in), c.Reg[in.reg]) } // 89 to memory

func opMovRM32(c *CPU, in *insn) { c.Reg[in.reg] = c.rd32(int(in.seg), c.ea(in)) } // 8B from memory

// opMovRMBase32 is mov r32, [base+disp] (no index), the commonest load.
func opMovRMBase32(c *CPU, in *insn) {
	c.Reg[in.reg] = c.rd32(int(in.seg), c.Reg[in.base]+in.disp)
}

func opMovMRBase32(c *CPU, in *insn) {
	c.wr32(int(in.seg), c.Reg[in.base]+in.disp, c.Reg[in.reg])
}

func opMovEI(c *CPU, in *insn) { // C6, C7
	c.rmWrite(in, osz(in), in.imm)
}

func opMovMI32(c *CPU, in *insn) { c.wr32(int(in.seg), c.ea(in), in.imm) } // C7 to memory

func opMovzxB32(c *CPU, in *insn) { // 0F B6 from memory, 32-bit destination
	c.Reg[in.reg] = uint32(c.rd8(int(in.seg), c.ea(in)))
}

func opMovRI(c *CPU, in *insn) { // B0-BF
	if in.op < 0xB8 {
		c.setReg8(uint8(in.op&7), in.imm)
		return
	}
	c.setReg(uint8(in.op&7), int(in.opsz), in.imm)
}

func opMovRI32(c *CPU, in *insn) { c.Reg[in.op&7] = in.imm }

func opMovMoffs(c *CPU, in *insn) { // A0-A3
	sz := osz(in)
	if in.op < 0xA2 {
		c.setReg(EAX, sz, c.rd(int(in.seg), in.disp, sz))
	} else {
		c.wr(int(in.seg), in.disp, sz, c.getReg(EAX, sz))
	}
}

func opLea(c *CPU, in *insn) {
	if !in.mem {
		c.raise(vecUD, 0)
	}
	c.setReg(in.reg, int(in.opsz), c.ea(in))
}

func opLea32(c *CPU, in *insn) { // 32-bit lea, 32-bit addressing
	a := in.disp
	if in.base != noReg {
		a += c.Reg[in.base]
	}
	if in.index != noReg {
		a += c.Reg[in.index] << in.scale
	}
	c.Reg[in.reg] = a
}

func opMovzx(c *CPU, in *insn) { // 0F B6, B7
	sz := 1
	if in.op == 0x1B7 {
		sz = 2
	}
	c.setReg(in.reg, int(in.opsz), c.rmRead(in, sz))
}

func opMovsx(c *CPU, in *insn) { // 0F BE, BF
	sz := 1
	if in.op == 0x1BF {
		sz = 2
	}
	c.setReg(in.reg, int(in.opsz), uint32(sext(c.rmRead(in, sz), sz)))
}

func opXchgEG(c *CPU, in *insn) { // 86, 87
	sz := osz(in)
	r := c.getReg(in.reg, sz)
	if !in.mem {
		c.setReg(in.reg, sz, c.getReg(in.rm, sz))
		c.setReg(in.rm, sz, r)
		return
	}
	off := c.ea(in)
	v := c.rd(int(in.seg), off, sz)
	c.wr(int(in.seg), off, sz, r)
	c.setReg(in.reg, sz, v)
	c.spin(v != 0 && v == r)
}

// spinYield is how many failed lock attempts in a row count as spinning.
const spinYield = 16

// spin counts test-and-set attempts: failed says the lock was held (xchg stored the value
// that was already there). After spinYield failures in a row a CPU with YieldOnSpin ends
// its Run: the lock holder cannot let go while this CPU has the board's turn.
func (c *CPU) spin(failed bool) {
	if !failed {
		c.spins = 0
		return
	}
	if c.spins++; c.spins >= spinYield && c.YieldOnSpin {
		c.spins = 0
		c.yield = true
		c.lim = 0
	}
}

func opXchgAR(c *CPU, in *insn) { // 91-97
	sz := int(in.opsz)
	r := uint8(in.op & 7)
	a := c.getReg(EAX, sz)
	c.setReg(EAX, sz, c.getReg(r, sz))
	c.setReg(r, sz, a)
}

func opNop(c *CPU, in *insn) {}

func opCmov(c *CPU, in *insn) {
	sz := int(in.opsz)
	v := c.rmRead(in, sz) // the source is read (and may fault) whatever the condition
	if c.cond(uint8(in.op & 0xF)) {
		c.setReg(in.reg, sz, v)
	}
}

func opSetcc(c *CPU, in *insn) {
	v := uint32(0)
	if c.cond(uint8(in.op & 0xF)) {
		v = 1
	}
	c.rmWrite(in, 1, v)
}

func opBswap(c *CPU, in *insn) {
	r := in.op & 7
	v := c.Reg[r]
	if in.opsz == 2 {
		c.Reg[r] &^= 0xFFFF // undefined; a P6 clears the low word
		return
	}
	c.Reg[r] = v>>24 | v>>8&0xFF00 | v<<8&0xFF0000 | v<<24
}

func opCbw(c *CPU, in *insn) { // 98
	if in.opsz == 2 {
		c.setReg(EAX, 2, uint32(int8(c.Reg[EAX])))
	} else {
		c.Reg[EAX] = uint32(int16(c.Reg[EAX]))
	}
}

func opCwd(c *CPU, in *insn) { // 99
	if in.opsz == 2 {
		c.setReg(EDX, 2, uint32(int16(c.Reg[EAX])>>15))
	} else {
		c.Reg[EDX] = uint32(int32(c.Reg[EAX]) >> 31)
	}
}

func opLahf(c *CPU, in *insn) {
	c.setReg8(4, c.Flags()&0xD7|2)
}

func opSahf(c *CPU, in *insn) {
	c.setArith(fSF|fZF|fAF|fPF|fCF, c.reg8(4))
}

func opXlat(c *CPU, in *insn) {
	off := c.Reg[EBX] + c.Reg[EAX]&0xFF
	if in.adsz == 2 {
		off &= 0xFFFF
	}
	c.setReg8(0, uint32(c.rd8(int(in.seg), off)))
}

func opSalc(c *CPU, in *insn) {
	if c.cf() {
		c.setReg8(0, 0xFF)
	} else {
		c.setReg8(0, 0)
	}
}

// Stack.

func opPushR(c *CPU, in *insn) { c.push(c.Reg[in.op&7], in.opsz) }

func opPushR32(c *CPU, in *insn) {
	sp := c.Reg[ESP] - 4
	if c.spm == 0xFFFFFFFF {
		c.wr32(SS, sp, c.Reg[in.op&7])
		c.Reg[ESP] = sp
		return
	}
	c.push(c.Reg[in.op&7], 4)
}

func opPopR(c *CPU, in *insn) {
	v := c.pop(in.opsz)
	c.setReg(uint8(in.op&7), int(in.opsz), v)
}

func opPopR32(c *CPU, in *insn) {
	if c.spm == 0xFFFFFFFF {
		sp := c.Reg[ESP]
		v := c.rd32(SS, sp)
		c.Reg[ESP] = sp + 4
		c.Reg[in.op&7] = v
		return
	}
	v := c.pop(4)
	c.Reg[in.op&7] = v
}

func opPushI(c *CPU, in *insn) { c.push(in.imm, in.opsz) } // 68, 6A

func opPushE(c *CPU, in *insn) { c.push(c.rmRead(in, int(in.opsz)), in.opsz) } // FF /6

func opPopE(c *CPU, in *insn) { // 8F /0
	v := c.popPeek(0, in.opsz)
	old := c.Reg[ESP]
	c.spInc(uint32(in.opsz)) // the address is computed with the incremented ESP
	if in.mem {
		defer func() {
			if x := recover(); x != nil {
				c.Reg[ESP] = old
				panic(x)
			}
		}()
	}
	c.rmWrite(in, int(in.opsz), v)
}

func opPushSeg(c *CPU, in *insn) {
	var s int
	switch in.op {
	case 0x06:
		s = ES
	case 0x0E:
		s = CS
	case 0x16:
		s = SS
	case 0x1E:
		s = DS
	case 0x1A0:
		s = FS
	default:
		s = GS
	}
	if in.opsz == 4 {
		// A P6 writes only the low 16 bits of the slot.
		sp := (c.Reg[ESP] - 4) & c.spm
		c.wr16(SS, sp, c.Seg[s].Sel)
		c.Reg[ESP] = c.Reg[ESP]&^c.spm | sp
		return
	}
	c.push(uint32(c.Seg[s].Sel), 2)
}

func opPopSeg(c *CPU, in *insn) {
	var s int
	switch in.op {
	case 0x07:
		s = ES
	case 0x17:
		s = SS
	case 0x1F:
		s = DS
	case 0x1A1:
		s = FS
	default:
		s = GS
	}
	v := c.popPeek(0, in.opsz)
	// SP moves by the stack segment in force when the pop reads it: pop ss from a 16-bit
	// stack changes only SP (wrapping at 64 KB) even when the new SS is 32-bit.
	m := c.spm
	esp := c.Reg[ESP]&^m | (c.Reg[ESP]+uint32(in.opsz))&m
	c.loadSeg(s, uint16(v))
	c.Reg[ESP] = esp
}

func opPusha(c *CPU, in *insn) {
	sp := c.Reg[ESP]
	if in.opsz == 2 {
		sp &= 0xFFFF
	}
	c.pushN([]uint32{c.Reg[EAX], c.Reg[ECX], c.Reg[EDX], c.Reg[EBX], sp, c.Reg[EBP], c.Reg[ESI], c.Reg[EDI]}, in.opsz)
}

func opPopa(c *CPU, in *insn) {
	sz := uint32(in.opsz)
	var v [8]uint32
	for i := 0; i < 8; i++ {
		v[i] = c.popPeek(uint32(i)*sz, in.opsz)
	}
	for i, r := range []uint8{EDI, ESI, EBP, ESP, EBX, EDX, ECX, EAX} {
		if r != ESP {
			c.setReg(r, int(sz), v[i])
		}
	}
	c.spInc(8 * sz)
}

func opEnter(c *CPU, in *insn) {
	sz := uint32(in.opsz)
	size := in.imm
	level := in.imm2 & 31
	m := c.spm
	sp := c.Reg[ESP]
	bp := c.Reg[EBP]
	sp = (sp - sz) & m
	c.wr(SS, sp, int(sz), bp)
	frame := sp
	if level > 0 {
		for i := uint32(1); i < level; i++ {
			// The frame pointers are read at EBP-k*size, wrapped by the stack's size.
			bp = bp&^m | (bp-sz)&m
			v := c.rd(SS, bp&m, int(sz))
			sp = (sp - sz) & m
			c.wr(SS, sp, int(sz), v)
		}
		sp = (sp - sz) & m
		c.wr(SS, sp, int(sz), frame)
	}
	sp = (sp - size) & m
	c.checkWrite(SS, sp, 1)
	c.setReg(EBP, int(sz), frame)
	c.Reg[ESP] = c.Reg[ESP]&^m | sp
}

func opLeave(c *CPU, in *insn) {
	m := c.spm
	sp := c.Reg[EBP] & m
	var v uint32
	if in.opsz == 4 {
		v = c.rd32(SS, sp)
	} else {
		v = uint32(c.rd16(SS, sp))
	}
	c.Reg[ESP] = c.Reg[ESP]&^m | (sp+uint32(in.opsz))&m
	c.setReg(EBP, int(in.opsz), v)
}

func opLeave32(c *CPU, in *insn) {
	if c.spm != 0xFFFFFFFF {
		opLeave(c, in)
		return
	}
	sp := c.Reg[EBP]
	v := c.rd32(SS, sp)
	c.Reg[ESP] = sp + 4
	c.Reg[EBP] = v
}

// Segment loads through memory: lds/les/lss/lfs/lgs and mov sreg.

func opMovES(c *CPU, in *insn) { // 8C
	if in.reg > 5 {
		c.raise(vecUD, 0)
	}
	v := uint32(c.Seg[in.reg].Sel)
	if in.mem {
		c.wr16(int(in.seg), c.ea(in), uint16(v))
		return
	}
	c.setReg(in.rm, int(in.opsz), v) // register destination: zero-extended on a P6
}

func opMovSE(c *CPU, in *insn) { // 8E
	if in.reg == CS || in.reg > 5 {
		c.raise(vecUD, 0)
	}
	c.loadSeg(int(in.reg), uint16(c.rmRead(in, 2)))
}

func opLfp(c *CPU, in *insn) { // C4 les, C5 lds, 0F B2 lss, 0F B4 lfs, 0F B5 lgs
	if !in.mem {
		c.raise(vecUD, 0)
	}
	var s int
	switch in.op {
	case 0xC4:
		s = ES
	case 0xC5:
		s = DS
	case 0x1B2:
		s = SS
	case 0x1B4:
		s = FS
	default:
		s = GS
	}
	off := c.ea(in)
	v := c.rd(int(in.seg), off, int(in.opsz))
	sel := c.rd16(int(in.seg), off+uint32(in.opsz))
	c.loadSeg(s, sel)
	c.setReg(in.reg, int(in.opsz), v)
}

// String instructions.

// repChunk is the most iterations a rep-prefixed instruction does in one go: a longer one
// leaves EIP on itself and continues in the next instruction slot (counting as one more
// instruction retired, as qemu counts iterations), so no guest rep can stall the board.
const repChunk = 16384

func (c *CPU) strDelta(sz int) uint32 {
	if c.flags&fDF != 0 {
		return uint32(-sz)
	}
	return uint32(sz)
}

// siDi helpers for the address size.
func addIdx(in *insn, c *CPU, r uint8, d uint32) {
	if in.adsz == 2 {
		c.Reg[r] = c.Reg[r]&^0xFFFF | (c.Reg[r]+d)&0xFFFF
	} else {
		c.Reg[r] += d
	}
}

func idx(in *insn, c *CPU, r uint8) uint32 {
	if in.adsz == 2 {
		return c.Reg[r] & 0xFFFF
	}
	return c.Reg[r]
}

func count(in *insn, c *CPU) uint32 {
	if in.adsz == 2 {
		return c.Reg[ECX] & 0xFFFF
	}
	return c.Reg[ECX]
}

func decCount(in *insn, c *CPU) uint32 {
	if in.adsz == 2 {
		n := (c.Reg[ECX] - 1) & 0xFFFF
		c.Reg[ECX] = c.Reg[ECX]&^0xFFFF | n
		return n
	}
	c.Reg[ECX]--
	return c.Reg[ECX]
}

func opMovs(c *CPU, in *insn) {
	sz := osz(in)
	d := c.strDelta(sz)
	if in.rep == 0 {
		c.wr(ES, idx(in, c, EDI), sz, c.rd(int(in.seg), idx(in, c, ESI), sz))
		addIdx(in, c, ESI, d)
		addIdx(in, c, EDI, d)
		return
	}
	if count(in, c) == 0 {
		return
	}
	left := uint32(repChunk)
	if in.adsz == 4 && d < 8 {
		left -= c.fastMovs(in, sz, left)
	}
	for count(in, c) != 0 {
		if left == 0 {
			c.EIP = c.curEIP // continue in the next instruction slot
			return
		}
		left--
		c.wr(ES, idx(in, c, EDI), sz, c.rd(int(in.seg), idx(in, c, ESI), sz))
		addIdx(in, c, ESI, d)
		addIdx(in, c, EDI, d)
		decCount(in, c)
	}
}

func opStos(c *CPU, in *insn) {
	sz := osz(in)
	d := c.strDelta(sz)
	v := c.getReg(EAX, sz)
	if in.rep == 0 {
		c.wr(ES, idx(in, c, EDI), sz, v)
		addIdx(in, c, EDI, d)
		return
	}
	if count(in, c) == 0 {
		return
	}
	left := uint32(repChunk)
	if in.adsz == 4 && d < 8 {
		left -= c.fastStos(in, sz, v, left)
	}
	for count(in, c) != 0 {
		if left == 0 {
			c.EIP = c.curEIP
			return
		}
		left--
		c.wr(ES, idx(in, c, EDI), sz, v)
		addIdx(in, c, EDI, d)
		decCount(in, c)
	}
}

func opLods(c *CPU, in *insn) {
	sz := osz(in)
	d := c.strDelta(sz)
	if in.rep != 0 && count(in, c) == 0 {
		return
	}
	for left := repChunk; ; left-- {
		c.setReg(EAX, sz, c.rd(int(in.seg), idx(in, c, ESI), sz))
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

func opCmps(c *CPU, in *insn) {
	sz := osz(in)
	d := c.strDelta(sz)
	if in.rep != 0 && count(in, c) == 0 {
		return
	}
	left := repChunk
	for {
		a := c.rd(int(in.seg), idx(in, c, ESI), sz)
		b := c.rd(ES, idx(in, c, EDI), sz)
		c.alu(7, a, b, sz)
		addIdx(in, c, ESI, d)
		addIdx(in, c, EDI, d)
		if in.rep == 0 || decCount(in, c) == 0 {
			return
		}
		if (in.rep == repE) != c.zf() {
			return
		}
		if left--; left == 0 {
			c.EIP = c.curEIP
			return
		}
	}
}

func opScas(c *CPU, in *insn) {
	sz := osz(in)
	d := c.strDelta(sz)
	if in.rep != 0 && count(in, c) == 0 {
		return
	}
	a := c.getReg(EAX, sz)
	left := repChunk
	for {
		b := c.rd(ES, idx(in, c, EDI), sz)
		c.alu(7, a, b, sz)
		addIdx(in, c, EDI, d)
		if in.rep == 0 || decCount(in, c) == 0 {
			return
		}
		if (in.rep == repE) != c.zf() {
			return
		}
		if left--; left == 0 {
			c.EIP = c.curEIP
			return
		}
	}
}

// tlbPage returns the RAM page behind lin for a bulk access at the current privilege
// (faulting as a single access would), or nil if the page must go the slow way.
func (c *CPU) tlbPage(lin uint32, write bool) *tlbEntry {
	t := &c.rtlb
	if write {
		t = &c.wtlb
	}
	e := &t[(lin>>12)&tlbMask]
	if e.tag == lin&^0xFFF|c.tagBits {
		return e
	}
	if len(c.watches) > 0 {
		return nil
	}
	// One slow access fills the entry (or faults); for a write, a read-back keeps memory intact.
	if write {
		pa := c.xlate(lin, true, c.user)
		mem, w := c.bus.Page(pa &^ 0xFFF)
		if mem == nil || !w {
			return nil
		}
		e.tag = lin&^0xFFF | c.tagBits
		e.ppn = pa >> 12
		e.mem = (*[4096]byte)(mem)
		e.code = c.code.lineWord(pa >> 12)
		return e
	}
	c.accessSlow(lin, 1, false, 0, c.user)
	if e.tag == lin&^0xFFF|c.tagBits {
		return e
	}
	return nil
}

// fastStos does whole-page chunks of rep stos with DF=0 and 32-bit addressing; it leaves
// whatever it cannot do (segment ends, MMIO, partial elements) to the caller's loop.
func (c *CPU) fastStos(in *insn, sz int, v uint32, max uint32) (done uint32) {
	s := &c.sc[ES]
	for c.Reg[ECX] != 0 && done < max {
		di := c.Reg[EDI]
		n := c.Reg[ECX]
		if n > max-done {
			n = max - done
		}
		lin := s.base + di
		room := (0x1000 - lin&0xFFF) / uint32(sz)
		if room == 0 {
			return
		}
		if n > room {
			n = room
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
		fillPattern(e.mem[o:o+bytes], sz, v)
		c.Reg[EDI] += bytes
		c.Reg[ECX] -= n
		done += n
	}
	return done
}

// fastMovs does page-sized chunks of rep movs with DF=0 and 32-bit addressing.
func (c *CPU) fastMovs(in *insn, sz int, max uint32) (done uint32) {
	ss := &c.sc[in.seg]
	ds := &c.sc[ES]
	for c.Reg[ECX] != 0 && done < max {
		si, di := c.Reg[ESI], c.Reg[EDI]
		slin, dlin := ss.base+si, ds.base+di
		room := 0x1000 - slin&0xFFF
		if r := 0x1000 - dlin&0xFFF; r < room {
			room = r
		}
		n := room / uint32(sz)
		if n == 0 {
			return
		}
		if n > c.Reg[ECX] {
			n = c.Reg[ECX]
		}
		if n > max-done {
			n = max - done
		}
		bytes := n * uint32(sz)
		if si < ss.rlo || si+bytes-1 > ss.rhi || si+bytes-1 < si || di < ds.wlo || di+bytes-1 > ds.whi || di+bytes-1 < di {
			return
		}
		se := c.tlbPage(slin, false)
		if se == nil {
			return
		}
		src := se.mem
		de := c.tlbPage(dlin, true)
		if de == nil {
			return
		}
		so, do := slin&0xFFF, dlin&0xFFF
		if *de.code != 0 {
			c.code.written(de.ppn, do, bytes)
		}
		if src == de.mem && so < do && so+bytes > do {
			return // overlapping forward copy: element by element in the caller's loop
		}
		copy(de.mem[do:do+bytes], src[so:so+bytes])
		c.Reg[ESI] += bytes
		c.Reg[EDI] += bytes
		c.Reg[ECX] -= n
		done += n
	}
	return done
}
