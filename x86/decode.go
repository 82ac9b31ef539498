package x86

// insn is a decoded instruction. Decoded instructions are cached by physical address and
// shared by the CPUs of a board, so nothing in here depends on anything but the bytes and
// the default operand size (mode).
type insn struct {
	fn    func(*CPU, *insn)
	next  *insn // the instruction right after this one on its page, decoded with it, or nil
	dead  bool  // dropped from the code cache (overwritten): next pointers to it are stale
	jstop bool  // the run loop leaves a run before this one: it has a block, or runs alone
	heat  uint8 // dispatches so far, toward translation (jit.go), or heatNever
	blk   *block
	len   uint8
	mode  uint8 // CS.D when decoded
	opsz  uint8 // operand size, 2 or 4
	adsz  uint8 // address size, 2 or 4
	mem   bool  // ModRM names memory
	reg   uint8 // ModRM reg field (or the register in the opcode)
	rm    uint8 // ModRM r/m register when !mem
	base  uint8 // memory operand base register, or noReg
	index uint8 // memory operand index register, or noReg
	scale uint8
	seg   uint8 // segment of the memory operand (default or override)
	rep   uint8 // 0, repNE (F2) or repE (F3)
	lock  bool
	segov bool // a segment override prefix was given
	op    uint16
	disp  uint32
	imm   uint32
	imm2  uint32
}

const (
	noReg = 8
	repNE = 2
	repE  = 3
)

// Immediate operand kinds.
const (
	immNone  = iota
	imm8     // one byte, zero-extended
	imm8s    // one byte, sign-extended
	imm16    // two bytes
	immZ     // 2 or 4 bytes by operand size
	immEnter // iw then ib (enter)
	immFar   // offset (2 or 4 bytes) then selector (far jmp/call)
	immMoffs // 2 or 4 bytes by address size
)

type opInfo struct {
	modrm bool
	imm   uint8
	fn    func(*CPU, *insn)
	grp   *[8]func(*CPU, *insn)
}

// opTable describes every opcode: 0x000-0x0FF one byte, 0x100-0x1FF after 0x0F.
var opTable [512]opInfo

// fetcher hands the decoder the bytes of one instruction, checking the CS limit and
// crossing into the next page only if the instruction really goes there.
type fetcher struct {
	c       *CPU
	lin     uint32
	eip     uint32
	page    []byte
	n       int
	crossed bool
	only    bool // the bytes in page are all there is (DecodeLength)
}

func (f *fetcher) b() uint8 {
	if f.n >= 15 {
		f.c.raise(vecGP, 0)
	}
	eip := f.eip + uint32(f.n)
	if f.c.mode == 0 && f.c.CR0&cr0PE == 0 {
		eip &= 0xFFFF
	}
	if eip > f.c.Seg[CS].Limit {
		f.c.raise(vecGP, 0)
	}
	var v uint8
	if f.n < len(f.page) {
		v = f.page[f.n]
	} else if f.only {
		f.c.raise(0xFF, 0)
	} else {
		lin := f.lin + uint32(f.n)
		if lin&0xFFF == 0 || f.page != nil {
			f.crossed = true
		}
		pa := f.c.xlate(lin, false, f.c.user)
		if mem, _ := f.c.bus.Page(pa &^ 0xFFF); mem != nil {
			v = mem[pa&0xFFF]
		} else {
			v = uint8(f.c.bus.Read(pa, 1))
		}
	}
	f.n++
	return v
}

func (f *fetcher) w() uint16 { return uint16(f.b()) | uint16(f.b())<<8 }
func (f *fetcher) d() uint32 { return uint32(f.w()) | uint32(f.w())<<16 }

// fetchSlow finds or decodes the instruction at CS:EIP (linear address lin) and makes its
// page the current fetch page.
func (c *CPU) fetchSlow(lin uint32) *insn {
	if e := &c.fetchMRU[(lin>>12)%fetchWays]; e.tag == lin&^0xFFF|c.tagBits {
		// A page fetched from before: it was checked when it became current.
		c.fetchLin, c.fetchPage = lin&^0xFFF, e.cp
		if in := e.cp.insn[lin&0xFFF]; in != nil {
			return in
		}
	}
	if c.EIP > c.Seg[CS].Limit {
		c.raise(vecGP, 0)
	}
	// Instruction fetches translate like reads: through the read TLB, filling it on a miss.
	var pa uint32
	var mem []byte
	if e := &c.rtlb[(lin>>12)&tlbMask]; e.tag == lin&^0xFFF|c.tagBits {
		pa = e.ppn<<12 | lin&0xFFF
		mem = e.mem[:]
	} else {
		pa = c.xlate(lin, false, c.user)
		mem, _ = c.bus.Page(pa &^ 0xFFF)
		if mem != nil && (len(c.watches) == 0 || c.cacheable(lin, pa)) {
			e.tag = lin&^0xFFF | c.tagBits
			e.ppn = pa >> 12
			e.mem = (*[4096]byte)(mem)
			e.code = c.code.lineWord(pa >> 12)
		}
	}
	off := pa & 0xFFF
	var cp *codePage
	if mem != nil {
		cp = c.code.page(pa >> 12)
		if cp.mode != c.mode {
			c.code.setMode(cp, c.mode)
		}
		c.fetchLin = 1
		// The fast path may use this page only if no instruction in it can cross the CS limit.
		if end := (lin | 0xFFF) - c.sc[CS].base; end >= c.EIP && end+15 > end && end+15 <= c.Seg[CS].Limit {
			c.fetchLin = lin &^ 0xFFF
			c.fetchPage = cp
			c.fetchMRU[(lin>>12)%fetchWays] = fetchEntry{tag: c.fetchLin | c.tagBits, cp: cp}
		}
		if in := cp.insn[off]; in != nil {
			if c.EIP+uint32(in.len)-1 > c.Seg[CS].Limit {
				c.raise(vecGP, 0)
			}
			return in
		}
	} else {
		c.fetchLin = 1
	}
	f := fetcher{c: c, lin: lin, eip: c.EIP}
	if mem != nil {
		f.page = mem[off:]
	}
	in := &c.scratch
	*in = insn{}
	c.decodeInto(in, &f)
	if mem != nil && !f.crossed {
		return c.decodeRun(cp, pa>>12, off, mem, in)
	}
	return in
}

// maxRun bounds the instructions decoded ahead in one go.
const maxRun = 32

// decodeRun caches first, decoded at offset off of physical page ppn, and decodes the
// instructions after it on the page until one that cannot fall through, an offset
// already decoded, or maxRun. They go in consecutive memory, each linked to the next
// (insn.next), so that the run loop finds the next instruction without a lookup while
// the current one executes. Only pages whose every instruction lies within the CS limit
// are decoded ahead (the fast path's condition), so a decode ahead cannot fault but for
// an instruction that runs off the page or past 15 bytes; that one is left for later.
func (c *CPU) decodeRun(cp *codePage, ppn, off uint32, mem []byte, first *insn) *insn {
	k := c.code
	k.reserve(maxRun)
	head := k.newInsn()
	*head = *first
	k.add(cp, ppn, off, head)
	if c.fetchLin == 1 || c.fetchPage != cp {
		return head
	}
	prev, eip := head, c.EIP
	for n := 1; n < maxRun && !endsRun(prev); n++ {
		off += uint32(prev.len)
		eip += uint32(prev.len)
		if off >= 0x1000 {
			break
		}
		if in := cp.insn[off]; in != nil {
			prev.next = in
			break
		}
		in := &c.scratch
		*in = insn{}
		if !c.decodeAhead(in, mem[off:], eip) {
			break
		}
		next := k.newInsn()
		*next = *in
		k.add(cp, ppn, off, next)
		prev.next = next
		prev = next
	}
	return head
}

// decodeAhead decodes the instruction at the start of page (the rest of a code page) at
// offset eip in CS, reporting false instead of faulting.
func (c *CPU) decodeAhead(in *insn, page []byte, eip uint32) (ok bool) {
	vec, errc := c.excVec, c.excErr
	defer func() {
		if x := recover(); x != nil {
			if x != any(c.tok) {
				panic(x)
			}
			c.excVec, c.excErr = vec, errc
			ok = false
		}
	}()
	f := fetcher{c: c, eip: eip, page: page, only: true}
	c.decodeInto(in, &f)
	return true
}

// endsRun reports whether the instruction never falls through to the next one (jumps,
// returns, interrupts, hlt, #UD): decoding past it would decode data.
func endsRun(in *insn) bool {
	switch in.op {
	case 0xE9, 0xEA, 0xEB, 0xC2, 0xC3, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF, 0xF4, 0x10B:
		return true
	case 0xFF:
		return in.reg == 4 || in.reg == 5
	}
	return false
}

// decodeInto decodes one instruction. Undefined opcodes decode to an instruction that
// raises #UD when executed.
func (c *CPU) decodeInto(in *insn, f *fetcher) {
	defSz := uint8(2)
	if c.mode == 1 {
		defSz = 4
	}
	in.mode = c.mode
	in.opsz, in.adsz = defSz, defSz
	seg := uint8(0xFF)
	var op uint16
prefixes:
	for {
		b := f.b()
		switch b {
		case 0x26:
			seg = ES
		case 0x2E:
			seg = CS
		case 0x36:
			seg = SS
		case 0x3E:
			seg = DS
		case 0x64:
			seg = FS
		case 0x65:
			seg = GS
		case 0x66:
			in.opsz = 6 - defSz
		case 0x67:
			in.adsz = 6 - defSz
		case 0xF0:
			in.lock = true
		case 0xF2:
			in.rep = repNE
		case 0xF3:
			in.rep = repE
		default:
			op = uint16(b)
			break prefixes
		}
	}
	if op == 0x0F {
		op = 0x100 | uint16(f.b())
	}
	in.op = op
	info := &opTable[op]
	defSeg := uint8(DS)
	in.base, in.index = noReg, noReg
	if info.modrm {
		m := f.b()
		mod := m >> 6
		if op >= 0x120 && op <= 0x123 {
			mod = 3 // mov to/from control and debug registers ignores mod
		}
		in.reg = m >> 3 & 7
		in.rm = m & 7
		if op >= 0xD8 && op <= 0xDF {
			in.imm = uint32(m) // the FPU's last opcode (fpu.go) keeps the ModRM byte
		}
		if mod != 3 {
			in.mem = true
			rm := m & 7
			if in.adsz == 2 {
				switch rm {
				case 0:
					in.base, in.index = EBX, ESI
				case 1:
					in.base, in.index = EBX, EDI
				case 2:
					in.base, in.index = EBP, ESI
					defSeg = SS
				case 3:
					in.base, in.index = EBP, EDI
					defSeg = SS
				case 4:
					in.base = ESI
				case 5:
					in.base = EDI
				case 6:
					if mod == 0 {
						in.disp = uint32(f.w())
					} else {
						in.base = EBP
						defSeg = SS
					}
				case 7:
					in.base = EBX
				}
				switch mod {
				case 1:
					in.disp = uint32(int32(int8(f.b())))
				case 2:
					in.disp = uint32(f.w())
				}
			} else {
				if rm == 4 {
					sib := f.b()
					in.scale = sib >> 6
					if idx := sib >> 3 & 7; idx != 4 {
						in.index = idx
					}
					in.base = sib & 7
					if in.base == 5 && mod == 0 {
						in.base = noReg
						in.disp = f.d()
					}
				} else if rm == 5 && mod == 0 {
					in.disp = f.d()
				} else {
					in.base = rm
				}
				if in.base == ESP || in.base == EBP {
					defSeg = SS
				}
				switch mod {
				case 1:
					in.disp = uint32(int32(int8(f.b())))
				case 2:
					in.disp = f.d()
				}
			}
		}
	}
	if seg != 0xFF {
		in.seg = seg
		in.segov = true
	} else {
		in.seg = defSeg
	}
	immKind := info.imm
	if (op == 0xF6 || op == 0xF7) && in.reg < 2 {
		immKind = imm8
		if op == 0xF7 {
			immKind = immZ
		}
	}
	switch immKind {
	case imm8:
		in.imm = uint32(f.b())
	case imm8s:
		in.imm = uint32(int32(int8(f.b())))
	case imm16:
		in.imm = uint32(f.w())
	case immZ:
		if in.opsz == 4 {
			in.imm = f.d()
		} else {
			in.imm = uint32(f.w())
		}
	case immEnter:
		in.imm = uint32(f.w())
		in.imm2 = uint32(f.b())
	case immFar:
		if in.opsz == 4 {
			in.imm = f.d()
		} else {
			in.imm = uint32(f.w())
		}
		in.imm2 = uint32(f.w())
	case immMoffs:
		if in.adsz == 4 {
			in.disp = f.d()
		} else {
			in.disp = uint32(f.w())
		}
	}
	in.fn = info.fn
	if info.grp != nil {
		in.fn = info.grp[in.reg]
	}
	if in.fn == nil {
		in.fn = opUD
	}
	if in.lock && !lockable(in) {
		in.fn = opUD
	} else if in.fn != nil && !in.lock {
		specialize(in)
	}
	if op == 0x90 && in.rep == repE {
		in.fn = opNop // pause
	}
	in.len = uint8(f.n)
}

// lockable says whether a lock prefix is allowed on in.
func lockable(in *insn) bool {
	if !in.mem {
		return false
	}
	op := in.op
	switch {
	case op < 0x40 && op&7 < 2 && op&0x38 != 0x38:
		return true
	case op >= 0x80 && op <= 0x83:
		return in.reg != 7
	case op == 0x86 || op == 0x87:
		return true
	case op == 0xF6 || op == 0xF7:
		return in.reg == 2 || in.reg == 3
	case op == 0xFE || op == 0xFF:
		return in.reg < 2
	case op == 0x1AB || op == 0x1B3 || op == 0x1BB || op == 0x1B0 || op == 0x1B1 || op == 0x1C0 || op == 0x1C1:
		return true
	case op == 0x1BA:
		return in.reg >= 5
	case op == 0x1C7:
		return in.reg == 1
	}
	return false
}

func opUD(c *CPU, in *insn) { c.raise(vecUD, 0) }

// DecodeError says why DecodeLength failed.
type DecodeError struct{ Msg string }

// Error returns the message with the package prefix.
func (e *DecodeError) Error() string { return "x86 decode: " + e.Msg }

// DecodeLength returns the length in bytes of the instruction at the start of code, decoded
// with 32-bit (mode32) or 16-bit default operand and address size. Undefined opcodes still
// have a length (they raise #UD when executed).
func DecodeLength(code []byte, mode32 bool) (n int, err error) {
	c := &CPU{}
	c.tok = new(excToken)
	c.CR0 = cr0PE
	c.Seg[CS].Limit = 0xFFFFFFFF
	if mode32 {
		c.mode = 1
	}
	f := fetcher{c: c, page: code, only: true}
	defer func() {
		if x := recover(); x != nil {
			if x != any(c.tok) {
				panic(x)
			}
			n = 0
			if c.excVec == 0xFF {
				err = &DecodeError{Msg: "instruction runs past the end of the bytes"}
			} else {
				err = &DecodeError{Msg: "instruction longer than 15 bytes"}
			}
		}
	}()
	var in insn
	c.decodeInto(&in, &f)
	return int(in.len), nil
}
