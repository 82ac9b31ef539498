package x86

import (
	"unsafe"

	"gemu/x86/internal/amd64"
)

// The translator turns a hot run of decoded instructions into x86-64 code that does what
// the interpreter's handlers would, for the common forms in flat 32-bit code. A block keeps
// every guest register, EIP and the lazy flags in the CPU struct, so the state is exact at
// every instruction boundary, and it never faults: before an instruction changes anything,
// each check the interpreter would make (a TLB hit, the offset within the page, no decoded
// code under a store) is made, and if one fails the block returns with EIP at that
// instruction for the interpreter to execute it. It returns the number of instructions it
// retired, so the instruction clock stays exact. Blocks are entered only when the whole
// block fits before c.lim, so interrupts, stops and hooks come at the same boundaries.
//
// Register use: RDI holds the *CPU, R8D the EIP the block was entered at (every EIP in a
// block is relative to it, so a block serves any linear address its physical page is
// mapped at), RBX the instructions retired by the blocks chained before this one in the
// same call, R12 the most instructions the call may retire (c.lim - c.Retired), ECX a
// memory operand's offset, R10 its host address; RAX, RDX, RSI, R9 and R11 are scratch.
// RBP, RSP, R14 and R15 (the Go runtime's) are left alone.
//
// Chaining: an exit to a fixed EIP on the same page goes through a chainCell. Once the Go
// side has linked it (after the first such exit, see link), the exit jumps straight into the
// target block if the budget allows and no decoded code was dropped since the link.

// Results of a block: the retired count, shifted left once, with bit 0 set if the block
// stopped before an instruction that the interpreter must execute (a side exit).
const exitSide = 1

// jitHot is the number of times an instruction starts a dispatch before it is translated.
const jitHot = 8

// heatNever marks an instruction that cannot start a block: the interpreter runs it alone.
const heatNever = 255

// maxBlock bounds the instructions in one block.
const maxBlock = 64

// block is translated code for a run of instructions starting at its head.
type block struct {
	head  *insn
	run   func(*CPU) uint64
	chain uintptr // the entry for chained exits (after the prologue)
	n     uint32  // instructions in the block: the most one call retires
	gen   uint64  // CodeCache.gen when the instructions were last known alive
	insns []*insn
	first int // calls that stopped at the first instruction, in a row
}

// Field offsets in CPU, for the generated code.
var jo struct {
	reg, eip, flags, lop, la, lb, lres, lsign, lcin, tagBits, rtlb, wtlb int32
	left, link, side, cpl, jcache, jcKey, mvc                            int32
	tMem, tCode, tSize                                                   int32
}

func init() {
	c := new(CPU)
	off := func(p unsafe.Pointer) int32 { return int32(uintptr(p) - uintptr(unsafe.Pointer(c))) }
	jo.reg = off(unsafe.Pointer(&c.Reg))
	jo.eip = off(unsafe.Pointer(&c.EIP))
	jo.flags = off(unsafe.Pointer(&c.flags))
	jo.lop = off(unsafe.Pointer(&c.lop))
	jo.la = off(unsafe.Pointer(&c.la))
	jo.lb = off(unsafe.Pointer(&c.lb))
	jo.lres = off(unsafe.Pointer(&c.lres))
	jo.lsign = off(unsafe.Pointer(&c.lsign))
	jo.lcin = off(unsafe.Pointer(&c.lcin))
	jo.tagBits = off(unsafe.Pointer(&c.tagBits))
	jo.rtlb = off(unsafe.Pointer(&c.rtlb))
	jo.wtlb = off(unsafe.Pointer(&c.wtlb))
	jo.left = off(unsafe.Pointer(&c.jitLeft))
	jo.link = off(unsafe.Pointer(&c.jitLink))
	jo.side = off(unsafe.Pointer(&c.jitSide))
	jo.cpl = off(unsafe.Pointer(&c.cpl))
	jo.jcache = off(unsafe.Pointer(&c.jcache))
	jo.jcKey = off(unsafe.Pointer(&c.jcKey))
	jo.mvc = off(unsafe.Pointer(&c.mvc))
	if unsafe.Sizeof(mvcEntry{}) != 16 {
		panic("x86: jit MMIO value cache layout assumptions broken")
	}
	var je jcEntry
	if unsafe.Offsetof(je.code) != 8 || unsafe.Offsetof(je.n) != 16 || unsafe.Offsetof(je.gen) != 24 || unsafe.Sizeof(je) != 64 {
		panic("x86: jit jump cache layout assumptions broken")
	}
	var e tlbEntry
	jo.tMem = int32(unsafe.Offsetof(e.mem))
	jo.tCode = int32(unsafe.Offsetof(e.code))
	jo.tSize = int32(unsafe.Sizeof(e))
	if unsafe.Offsetof(e.tag) != 0 || unsafe.Sizeof(c.lop) != 1 || unsafe.Sizeof(c.cpl) != 8 {
		panic("x86: jit layout assumptions broken")
	}
}

// updateFlat recomputes whether blocks may run: 32-bit code, CS, DS, ES and SS flat 4 GB
// segments with base 0 and a 32-bit stack. Blocks compute linear addresses as offsets.
func (c *CPU) updateFlat() {
	flat := c.mode == 1 && c.spm == 0xFFFFFFFF && c.csLimit == 0xFFFFFFFF && c.sc[CS].base == 0
	for _, s := range [...]int{ES, SS, DS} {
		k := &c.sc[s]
		if k.base != 0 || k.rlo != 0 || k.rhi != 0xFFFFFFFF || k.wlo != 0 || k.whi != 0xFFFFFFFF {
			flat = false
		}
	}
	c.flat = flat
}

// Host registers and operands.
const (
	rC   = amd64.RDI // *CPU
	rEIP = amd64.R8  // EIP at entry
	rEA  = amd64.RCX
	rHA  = amd64.R10
)

func mc(off int32) amd64.Operand { return amd64.M(rC, off) }

// greg is guest register r (sz 2 or 4: the whole register's low bytes).
func greg(r uint8) amd64.Operand { return mc(jo.reg + 4*int32(r)) }

// greg8 is guest byte register r (AL-BL, then AH-BH).
func greg8(r uint8) amd64.Operand { return mc(jo.reg + 4*int32(r&3) + int32(r>>2)) }

func gregSz(r uint8, sz int) amd64.Operand {
	if sz == 1 {
		return greg8(r)
	}
	return greg(r)
}

var hostHA = amd64.M(rHA, 0)

// Flag knowledge at a point in a block.
const fkUnknown = 0xFF

type jitter struct {
	a       amd64.Asm
	n       int      // instructions translated
	offs    []uint32 // EIP offset of each instruction from the entry
	sideAt  []amd64.Label
	exits   []jexit
	flagsFn uintptr // the shared routines of the code arena
	saveFn  uintptr
	known   uint8  // the lazy op the last flag writer left (fkUnknown if not known)
	pageOff uint32 // the head's offset in its page
	newCell func() (int, *chainCell)
	newSide func(*insn) int // registers the instruction of a side exit, for jitSide
	genAddr uintptr         // &CodeCache.gen
	chainAt int             // offset of the chain entry in the code
	hostOK  bool            // the host flags equal the guest's (for conditions)
}

type jexit struct {
	l     amd64.Label
	eip   uint32 // offset from the entry EIP
	count int
}

// chainCell links an exit of one block to the block at its target (jit.go: Chaining). The
// generated code reads it; only the Go side writes it.
type chainCell struct {
	code uintptr // the target's chain entry, or 0
	n    uint64  // the target's instruction count
	gen  uint64  // CodeCache.gen when linked
}

// translatable reports whether the translator handles in (its decode-time properties only).
func translatable(in *insn) bool {
	if in.mode != 1 || in.rep != 0 || in.lock || in.dead {
		return false
	}
	if in.mem && (in.adsz != 4 || in.seg == CS || in.seg > DS) {
		return false
	}
	op := in.op
	byteOp := op < 0x100 && op&1 == 0
	switch {
	case op < 0x40 && op&7 < 6 && op&0x38 != 0x10 && op&0x38 != 0x18: // ALU forms but adc/sbb
		return byteOp || in.opsz == 4
	case op == 0x80 || op == 0x81 || op == 0x83:
		return (in.reg != 2 && in.reg != 3) && (op == 0x80 || in.opsz == 4)
	case op >= 0xA0 && op <= 0xA3:
		return (byteOp || in.opsz == 4) && in.adsz == 4 && in.seg != CS && in.seg <= DS
	case op == 0x84 || op == 0x85 || op == 0xA8 || op == 0xA9, op >= 0x88 && op <= 0x8B:
		return byteOp || in.opsz == 4
	case op == 0xC6 || op == 0xC7:
		return in.reg == 0 && (byteOp || in.opsz == 4)
	case op == 0xF6 || op == 0xF7:
		return (in.reg <= 3) && (byteOp || in.opsz == 4)
	case op >= 0xB0 && op <= 0xB7:
		return true
	case op == 0x8D:
		return in.mem && in.opsz == 4
	case op >= 0x1B6 && op <= 0x1B7, op >= 0x1BE && op <= 0x1BF:
		return in.opsz == 4
	case op >= 0x40 && op <= 0x5F, op >= 0xB8 && op <= 0xBF, op == 0x68 || op == 0x6A, op == 0x99:
		return in.opsz == 4
	case op == 0xFE || op == 0xFF:
		if in.reg <= 1 {
			return op == 0xFE || in.opsz == 4
		}
		return op == 0xFF && in.reg == 6 && in.opsz == 4
	case op == 0xC9 || op == 0xC3 || op == 0xC2 || op == 0xE8 || op == 0xE9 || op == 0xEB:
		return in.opsz == 4
	case op >= 0x70 && op <= 0x7F, op >= 0x180 && op <= 0x18F:
		return in.opsz == 4
	case op == 0xC1 || op == 0xD1:
		return in.opsz == 4 && (in.reg == 4 || in.reg == 5 || in.reg == 7)
	case op == 0x1AF || op == 0x69 || op == 0x6B:
		return in.opsz == 4
	case op == 0x90 || op == 0x11F || op == 0xFA:
		return true
	case op == 0x9C:
		return in.opsz == 4
	case op >= 0x190 && op <= 0x19F:
		return true
	}
	return false
}

// blockEnds reports whether in ends a block (control does not fall through to the next).
func blockEnds(in *insn) bool {
	switch in.op {
	case 0xC2, 0xC3, 0xE8, 0xE9, 0xEB:
		return true
	}
	return false
}

// sideExit returns the label of the side exit before instruction i.
func (j *jitter) sideExit() amd64.Label {
	i := j.n
	for len(j.sideAt) <= i {
		j.sideAt = append(j.sideAt, -1)
	}
	if j.sideAt[i] < 0 {
		j.sideAt[i] = j.a.NewLabel()
	}
	return j.sideAt[i]
}

// exitTo returns a label that leaves the block with EIP at entry+eip, count retired.
func (j *jitter) exitTo(eip uint32, count int) amd64.Label {
	l := j.a.NewLabel()
	j.exits = append(j.exits, jexit{l: l, eip: eip, count: count})
	return l
}

// emitExit sets EIP to entry+eip and returns (RBX+count)<<1|side.
func (j *jitter) emitExit(eip uint32, count int, side uint32) {
	a := &j.a
	a.Lea(4, amd64.RAX, amd64.M(rEIP, int32(eip)))
	a.Mov(4, mc(jo.eip), amd64.R(amd64.RAX))
	j.ret(count, side)
}

// ret returns (RBX+count)<<1|side.
func (j *jitter) ret(count int, side uint32) {
	a := &j.a
	a.Lea(8, amd64.RAX, amd64.MI(amd64.RBX, amd64.RBX, 0, int32(count*2)+int32(side)))
	a.Ret()
}

// emitChainExit leaves for entry+eip, the retired count then count, jumping into the block
// there when its cell is linked and valid.
func (j *jitter) emitChainExit(eip uint32, count int) {
	a := &j.a
	t := j.pageOff + eip
	if t >= 0x1000 || j.newCell == nil { // not on this page (eip wraps to a huge value)
		a.Lea(4, amd64.RAX, amd64.M(rEIP, int32(eip)))
		j.jumpEAX(count)
		return
	}
	idx, cell := j.newCell()
	plain := a.NewLabel()
	a.MovImm64(amd64.RDX, uint64(uintptr(unsafe.Pointer(cell))))
	a.Mov(8, amd64.R(amd64.RAX), amd64.M(amd64.RDX, 0))
	a.Test(8, amd64.R(amd64.RAX), amd64.R(amd64.RAX))
	a.Jcc(amd64.CondE, plain)
	j.enterChecks(16, 8, count, plain)
	a.Lea(4, rEIP, amd64.M(rEIP, int32(eip)))
	a.JmpReg(amd64.RAX)
	a.Bind(plain)
	a.MovImm(4, mc(jo.link), uint32(idx+1))
	j.emitExit(eip, count, 0)
}

// enterChecks emits what must hold before jumping into the block a chain cell or jump cache
// entry at RDX names (its generation and instruction count at genOff and nOff): no decoded
// code dropped since it was made, and room in the budget; else it goes to plain. Passing,
// RBX becomes the count retired so far in this call.
func (j *jitter) enterChecks(genOff, nOff int32, count int, plain amd64.Label) {
	a := &j.a
	a.MovImm64(amd64.RCX, uint64(j.genAddr))
	a.Mov(8, amd64.R(amd64.RSI), amd64.M(amd64.RDX, genOff))
	a.Alu(amd64.Cmp, 8, amd64.R(amd64.RSI), amd64.M(amd64.RCX, 0))
	a.Jcc(amd64.CondNE, plain)
	a.Lea(8, amd64.RSI, amd64.M(amd64.RBX, int32(count)))
	a.Mov(8, amd64.R(amd64.RCX), amd64.M(amd64.RDX, nOff))
	a.Alu(amd64.Add, 8, amd64.R(amd64.RCX), amd64.R(amd64.RSI))
	a.Alu(amd64.Cmp, 8, amd64.R(amd64.RCX), amd64.R(amd64.R12))
	a.Jcc(amd64.CondA, plain)
	a.Mov(8, amd64.R(amd64.RBX), amd64.R(amd64.RSI))
}

// jumpEAX leaves for the EIP in EAX, the retired count then count: into the block the
// CPU's jump cache has for it if there is a valid one and the budget allows, else back to
// the Go side.
func (j *jitter) jumpEAX(count int) {
	a := &j.a
	plain := a.NewLabel()
	a.Mov(4, mc(jo.eip), amd64.R(amd64.RAX))
	a.Mov(4, amd64.R(amd64.RDX), amd64.R(amd64.RAX))
	a.ShiftImm(amd64.Shr, 4, amd64.R(amd64.RDX), 10)
	a.Alu(amd64.Xor, 4, amd64.R(amd64.RDX), amd64.R(amd64.RAX))
	a.AluImm(amd64.And, 4, amd64.R(amd64.RDX), jcacheSize-1)
	a.ShiftImm(amd64.Shl, 4, amd64.R(amd64.RDX), 6)
	a.Lea(8, amd64.RDX, amd64.MI(rC, amd64.RDX, 0, jo.jcache))
	a.Mov(8, amd64.R(amd64.RSI), mc(jo.jcKey))
	a.Alu(amd64.Or, 8, amd64.R(amd64.RSI), amd64.R(amd64.RAX))
	a.Alu(amd64.Cmp, 8, amd64.R(amd64.RSI), amd64.M(amd64.RDX, 0))
	a.Jcc(amd64.CondNE, plain)
	j.enterChecks(24, 16, count, plain)
	a.Mov(4, amd64.R(rEIP), amd64.R(amd64.RAX))
	a.Mov(8, amd64.R(amd64.RAX), amd64.M(amd64.RDX, 8))
	a.JmpReg(amd64.RAX)
	a.Bind(plain)
	j.ret(count, 0)
}

// ea computes the offset of in's memory operand into ECX.
func (j *jitter) ea(in *insn) {
	a := &j.a
	switch {
	case in.base != noReg:
		a.Mov(4, amd64.R(rEA), greg(in.base))
	case in.index != noReg:
		a.MovImm(4, amd64.R(rEA), 0)
	default:
		a.MovImm(4, amd64.R(rEA), in.disp)
		return
	}
	if in.index != noReg {
		a.Mov(4, amd64.R(amd64.RAX), greg(in.index))
		a.Lea(4, rEA, amd64.MI(rEA, amd64.RAX, in.scale, int32(in.disp)))
	} else if in.disp != 0 {
		a.Lea(4, rEA, amd64.M(rEA, int32(in.disp)))
	}
}

// xlate translates the offset in ECX for an sz-byte access into a host address in R10,
// leaving the block through a side exit where the interpreter would take its slow path.
// It keeps ECX and R11; RAX, RDX, RSI and R9 are lost.
func (j *jitter) xlate(write bool, sz int) { j.xlateMiss(write, sz, j.sideExit()) }

// xlateMiss is xlate, going to miss if the TLB has no entry for the page.
func (j *jitter) xlateMiss(write bool, sz int, miss amd64.Label) {
	a := &j.a
	j.hostOK = false
	exit := j.sideExit()
	tlb := jo.rtlb
	if write {
		tlb = jo.wtlb
	}
	a.Mov(4, amd64.R(amd64.RDX), amd64.R(rEA))
	a.ShiftImm(amd64.Shr, 4, amd64.R(amd64.RDX), 12)
	a.AluImm(amd64.And, 4, amd64.R(amd64.RDX), tlbMask)
	a.Lea(8, amd64.RDX, amd64.MI(amd64.RDX, amd64.RDX, 1, 0))
	a.Lea(8, amd64.RDX, amd64.MI(rC, amd64.RDX, 3, tlb))
	a.Mov(4, amd64.R(amd64.RAX), amd64.R(rEA))
	a.AluImm(amd64.And, 4, amd64.R(amd64.RAX), -0x1000)
	a.Alu(amd64.Or, 4, amd64.R(amd64.RAX), mc(jo.tagBits))
	a.Alu(amd64.Cmp, 4, amd64.R(amd64.RAX), amd64.M(amd64.RDX, 0))
	a.Jcc(amd64.CondNE, miss)
	a.Mov(4, amd64.R(amd64.RAX), amd64.R(rEA))
	a.AluImm(amd64.And, 4, amd64.R(amd64.RAX), 0xFFF)
	if sz > 1 {
		a.AluImm(amd64.Cmp, 4, amd64.R(amd64.RAX), int32(0x1000-sz))
		a.Jcc(amd64.CondA, exit)
	}
	if write {
		// Decoded code on the lines written: the interpreter drops it.
		ok := a.NewLabel()
		a.Mov(8, amd64.R(amd64.RSI), amd64.M(amd64.RDX, jo.tCode))
		a.Mov(8, amd64.R(amd64.RSI), amd64.M(amd64.RSI, 0))
		a.Test(8, amd64.R(amd64.RSI), amd64.R(amd64.RSI))
		a.Jcc(amd64.CondE, ok)
		a.Mov(4, amd64.R(amd64.R9), amd64.R(amd64.RAX))
		a.ShiftImm(amd64.Shr, 4, amd64.R(amd64.R9), lineShift)
		a.Bt(amd64.RSI, amd64.R9)
		a.Jcc(amd64.CondB, exit)
		if sz > 1 {
			a.Lea(4, amd64.R9, amd64.M(amd64.RAX, int32(sz-1)))
			a.ShiftImm(amd64.Shr, 4, amd64.R(amd64.R9), lineShift)
			a.Bt(amd64.RSI, amd64.R9)
			a.Jcc(amd64.CondB, exit)
		}
		a.Bind(ok)
	}
	a.Mov(8, amd64.R(rHA), amd64.M(amd64.RDX, jo.tMem))
	a.Alu(amd64.Add, 8, amd64.R(rHA), amd64.R(amd64.RAX))
}

// load32 puts the 32-bit value at the offset in ECX into EAX: from RAM through the TLB, or
// from the MMIO value cache (mem.go) for a device read the bus called stable.
func (j *jitter) load32() {
	a := &j.a
	miss, done := a.NewLabel(), a.NewLabel()
	j.xlateMiss(false, 4, miss)
	a.Mov(4, amd64.R(amd64.RAX), hostHA)
	a.Jmp(done)
	a.Bind(miss)
	a.Mov(4, amd64.R(amd64.RDX), amd64.R(rEA))
	a.ShiftImm(amd64.Shr, 4, amd64.R(amd64.RDX), 2)
	a.AluImm(amd64.And, 4, amd64.R(amd64.RDX), mvcSize-1)
	a.ShiftImm(amd64.Shl, 4, amd64.R(amd64.RDX), 4)
	a.Lea(8, amd64.RDX, amd64.MI(rC, amd64.RDX, 0, jo.mvc))
	a.Mov(8, amd64.R(amd64.RSI), mc(jo.jcKey))
	a.Alu(amd64.Or, 8, amd64.R(amd64.RSI), amd64.R(rEA))
	a.Alu(amd64.Cmp, 8, amd64.R(amd64.RSI), amd64.M(amd64.RDX, 0))
	a.Jcc(amd64.CondNE, j.sideExit())
	a.Mov(4, amd64.R(amd64.RAX), amd64.M(amd64.RDX, 8))
	a.Bind(done)
}

// load puts the sz-byte value of operand o, zero-extended, into host register r.
func (j *jitter) load(r amd64.Reg, sz int, o amd64.Operand) {
	if sz == 4 {
		j.a.Mov(4, amd64.R(r), o)
	} else {
		j.a.Movzx(r, sz, o)
	}
}

// rmOp returns in's r/m operand: the guest register, or [R10] after ea and xlate.
func rmOp(in *insn, sz int) amd64.Operand {
	if in.mem {
		return hostHA
	}
	return gregSz(in.rm, sz)
}

// lazyArg is la or lb for setLazy: a host register, or an immediate.
type lazyArg struct {
	r     amd64.Reg
	imm   uint32
	isImm bool
}

func lreg(r amd64.Reg) lazyArg { return lazyArg{r: r} }
func limm(v uint32) lazyArg    { return lazyArg{imm: v, isImm: true} }

// setLazy stores the lazy flag state the interpreter's handler leaves: op, la, lb, the
// result (in RSI) and the sign bit of size sz.
func (j *jitter) setLazy(op uint8, la, lb lazyArg, sz int) {
	a := &j.a
	a.MovImm(1, mc(jo.lop), uint32(op))
	for _, x := range [...]struct {
		off int32
		v   lazyArg
	}{{jo.la, la}, {jo.lb, lb}} {
		if x.v.isImm {
			a.MovImm(4, mc(x.off), x.v.imm)
		} else {
			a.Mov(4, mc(x.off), amd64.R(x.v.r))
		}
	}
	a.Mov(4, mc(jo.lres), amd64.R(amd64.RSI))
	a.MovImm(4, mc(jo.lsign), sizeSign(sz))
	j.known = op
}

var lazyOp = [8]uint8{lAdd, lLogic, lAdc, lSbb, lLogic, lSub, lLogic, lSub}

// alu emits ALU operation op on a (the destination, dst) and b: b is a host register
// (bImm false) or the immediate imm.
func (j *jitter) alu(op uint8, sz int, dst amd64.Operand, b amd64.Reg, bImm bool, imm uint32) {
	a := &j.a
	j.load(amd64.RAX, sz, dst)
	a.Mov(4, amd64.R(amd64.RSI), amd64.R(amd64.RAX))
	hop := int(op)
	if op == 7 {
		hop = amd64.Sub // cmp's flags, and the difference for lres
	}
	if bImm {
		a.AluImm(hop, sz, amd64.R(amd64.RSI), int32(imm))
	} else {
		a.Alu(hop, sz, amd64.R(amd64.RSI), amd64.R(b))
	}
	if op != 7 {
		a.Mov(sz, dst, amd64.R(amd64.RSI))
	}
	switch lop := lazyOp[op]; {
	case lop == lLogic:
		j.setLazy(lLogic, limm(0), limm(0), sz)
	case bImm:
		j.setLazy(lop, lreg(amd64.RAX), limm(imm), sz)
	default:
		j.setLazy(lop, lreg(amd64.RAX), lreg(b), sz)
	}
	j.hostOK = true
}

// hostFlags makes the host's arithmetic flags equal the guest's.
func (j *jitter) hostFlags() {
	if j.hostOK {
		return
	}
	a := &j.a
	if j.known == lNone {
		a.Mov(4, amd64.R(amd64.RAX), mc(jo.flags))
		a.AluImm(amd64.And, 4, amd64.R(amd64.RAX), arithMask)
		a.Push(amd64.RAX)
		a.Popfq()
	} else {
		a.CallAddr(j.flagsFn)
	}
	j.hostOK = true
}

// insn translates one instruction; it reports false (emitting nothing that matters) if it
// cannot.
func (j *jitter) insn(in *insn) bool {
	a := &j.a
	i := j.n
	next := j.offs[i] + uint32(in.len)
	op := in.op
	sz := 4
	if op < 0x100 && op&1 == 0 {
		sz = 1
	}
	hostOK := false
	if in.mem && op != 0x8D && op != 0x11F && !(op >= 0xA0 && op <= 0xA3) {
		j.ea(in)
	}
	switch {
	case op < 0x40 && op&7 < 6: // ALU
		k := uint8(op >> 3 & 7)
		switch op & 7 {
		case 0, 1: // r/m, reg
			if in.mem {
				j.xlate(k != 7, sz)
			}
			j.load(amd64.RDX, sz, gregSz(in.reg, sz))
			j.alu(k, sz, rmOp(in, sz), amd64.RDX, false, 0)
		case 2, 3: // reg, r/m
			if in.mem {
				j.xlate(false, sz)
			}
			j.load(amd64.RDX, sz, rmOp(in, sz))
			j.alu(k, sz, gregSz(in.reg, sz), amd64.RDX, false, 0)
		default: // al/eax, imm
			j.alu(k, sz, gregSz(EAX, sz), 0, true, in.imm&sizeMask(sz))
		}
		hostOK = true
	case op == 0x80 || op == 0x81 || op == 0x83:
		if op != 0x80 {
			sz = 4
		}
		if in.mem {
			j.xlate(in.reg != 7, sz)
		}
		j.alu(in.reg, sz, rmOp(in, sz), 0, true, in.imm&sizeMask(sz))
		hostOK = true
	case op == 0x84 || op == 0x85 || op == 0xA8 || op == 0xA9 || (op == 0xF6 || op == 0xF7) && in.reg <= 1:
		var dst amd64.Operand
		if op == 0xA8 || op == 0xA9 {
			dst = gregSz(EAX, sz)
		} else {
			if in.mem {
				j.xlate(false, sz)
			}
			dst = rmOp(in, sz)
		}
		j.load(amd64.RAX, sz, dst)
		a.Mov(4, amd64.R(amd64.RSI), amd64.R(amd64.RAX))
		if op == 0x84 || op == 0x85 {
			j.load(amd64.RDX, sz, gregSz(in.reg, sz))
			a.Alu(amd64.And, sz, amd64.R(amd64.RSI), amd64.R(amd64.RDX))
		} else {
			a.AluImm(amd64.And, sz, amd64.R(amd64.RSI), int32(in.imm&sizeMask(sz)))
		}
		j.setLazy(lLogic, limm(0), limm(0), sz)
		hostOK = true
	case op == 0xF6 || op == 0xF7: // not, neg
		if in.mem {
			j.xlate(true, sz)
		}
		dst := rmOp(in, sz)
		if in.reg == 2 {
			j.load(amd64.RAX, sz, dst)
			a.Unary(amd64.Not, 4, amd64.R(amd64.RAX))
			a.Mov(sz, dst, amd64.R(amd64.RAX))
			break
		}
		j.load(amd64.RDX, sz, dst)
		a.MovImm(4, amd64.R(amd64.RSI), 0)
		a.Alu(amd64.Sub, sz, amd64.R(amd64.RSI), amd64.R(amd64.RDX))
		a.Mov(sz, dst, amd64.R(amd64.RSI))
		j.setLazy(lSub, limm(0), lreg(amd64.RDX), sz)
		hostOK = true
	case op == 0x8B && in.mem || op == 0xA1: // loads, which may read a device
		if op == 0xA1 {
			a.MovImm(4, amd64.R(rEA), in.disp)
		}
		j.load32()
		dst := in.reg
		if op == 0xA1 {
			dst = EAX
		}
		a.Mov(4, greg(dst), amd64.R(amd64.RAX))
	case op >= 0x88 && op <= 0x8B:
		if in.mem {
			j.xlate(op <= 0x89, sz)
		}
		// specialize (table.go) turns 8B between registers into 89 with reg and rm swapped.
		if op <= 0x89 || op == 0x8B && !in.mem {
			j.load(amd64.RAX, sz, gregSz(in.reg, sz))
			a.Mov(sz, rmOp(in, sz), amd64.R(amd64.RAX))
		} else {
			j.load(amd64.RAX, sz, rmOp(in, sz))
			a.Mov(sz, gregSz(in.reg, sz), amd64.R(amd64.RAX))
		}
	case op >= 0xA0 && op <= 0xA3:
		a.MovImm(4, amd64.R(rEA), in.disp)
		j.xlate(op >= 0xA2, sz)
		if op >= 0xA2 {
			j.load(amd64.RAX, sz, gregSz(EAX, sz))
			a.Mov(sz, hostHA, amd64.R(amd64.RAX))
		} else {
			j.load(amd64.RAX, sz, hostHA)
			a.Mov(sz, gregSz(EAX, sz), amd64.R(amd64.RAX))
		}
	case op == 0xC6 || op == 0xC7:
		if in.mem {
			j.xlate(true, sz)
		}
		a.MovImm(sz, rmOp(in, sz), in.imm&sizeMask(sz))
	case op >= 0xB0 && op <= 0xB7:
		a.MovImm(1, greg8(uint8(op&7)), in.imm&0xFF)
	case op >= 0xB8 && op <= 0xBF:
		a.MovImm(4, greg(uint8(op&7)), in.imm)
	case op == 0x8D:
		j.ea(in)
		a.Mov(4, greg(in.reg), amd64.R(rEA))
		hostOK = j.hostOK
	case op == 0x1B6 || op == 0x1B7 || op == 0x1BE || op == 0x1BF:
		ssz := 1 + int(op&1)
		if in.mem {
			j.xlate(false, ssz)
		}
		var src amd64.Operand
		if in.mem {
			src = hostHA
		} else {
			src = gregSz(in.rm, ssz)
		}
		if op <= 0x1B7 {
			a.Movzx(amd64.RAX, ssz, src)
		} else {
			a.Movsx(amd64.RAX, ssz, src)
		}
		a.Mov(4, greg(in.reg), amd64.R(amd64.RAX))
	case op >= 0x40 && op <= 0x4F, (op == 0xFE || op == 0xFF) && in.reg <= 1:
		dec := op >= 0x48 && op <= 0x4F || op >= 0xFE && in.reg == 1
		var dst amd64.Operand
		if op <= 0x4F {
			sz = 4
			dst = greg(uint8(op & 7))
		} else {
			if op == 0xFF {
				sz = 4
			}
			if in.mem {
				j.xlate(true, sz)
			}
			dst = rmOp(in, sz)
		}
		if j.known != lNone && j.known != lInc && j.known != lDec {
			a.CallAddr(j.saveFn)
		}
		j.load(amd64.RAX, sz, dst)
		a.Mov(4, amd64.R(amd64.RSI), amd64.R(amd64.RAX))
		a.BtImm(mc(jo.flags), 0) // CF, which inc and dec keep
		a.IncDec(dec, sz, amd64.R(amd64.RSI))
		a.Mov(sz, dst, amd64.R(amd64.RSI))
		kind := uint8(lInc)
		if dec {
			kind = lDec
		}
		j.setLazy(kind, lreg(amd64.RAX), limm(1), sz)
		hostOK = true
	case op >= 0x50 && op <= 0x57, op == 0x68 || op == 0x6A, op == 0xFF && in.reg == 6:
		if op == 0xFF {
			if in.mem {
				j.xlate(false, 4)
			}
			a.Mov(4, amd64.R(amd64.R11), rmOp(in, 4))
		}
		a.Mov(4, amd64.R(rEA), greg(ESP))
		a.Lea(4, rEA, amd64.M(rEA, -4))
		j.xlate(true, 4)
		switch {
		case op <= 0x57:
			a.Mov(4, amd64.R(amd64.RAX), greg(uint8(op&7)))
			a.Mov(4, hostHA, amd64.R(amd64.RAX))
		case op == 0xFF:
			a.Mov(4, hostHA, amd64.R(amd64.R11))
		default:
			a.MovImm(4, hostHA, in.imm)
		}
		a.Mov(4, greg(ESP), amd64.R(rEA))
	case op >= 0x58 && op <= 0x5F, op == 0xC9:
		base := uint8(ESP)
		dst := uint8(op & 7)
		if op == 0xC9 {
			base, dst = EBP, EBP
		}
		a.Mov(4, amd64.R(rEA), greg(base))
		j.xlate(false, 4)
		a.Mov(4, amd64.R(amd64.RAX), hostHA)
		a.Lea(4, amd64.RSI, amd64.M(rEA, 4))
		a.Mov(4, greg(ESP), amd64.R(amd64.RSI))
		a.Mov(4, greg(dst), amd64.R(amd64.RAX))
	case op == 0x99:
		a.Mov(4, amd64.R(amd64.RAX), greg(EAX))
		a.ShiftImm(amd64.Sar, 4, amd64.R(amd64.RAX), 31)
		a.Mov(4, greg(EDX), amd64.R(amd64.RAX))
	case op == 0x90 || op == 0x11F:
		hostOK = j.hostOK
	case op == 0x9C: // pushf
		a.Mov(4, amd64.R(rEA), greg(ESP))
		a.Lea(4, rEA, amd64.M(rEA, -4))
		j.xlate(true, 4)
		j.eflags(amd64.R11)
		a.Mov(4, hostHA, amd64.R(amd64.R11))
		a.Mov(4, greg(ESP), amd64.R(rEA))
	case op == 0xFA: // cli: #GP (left to the interpreter) if CPL > IOPL
		a.Mov(4, amd64.R(amd64.RAX), mc(jo.flags))
		a.ShiftImm(amd64.Shr, 4, amd64.R(amd64.RAX), 12)
		a.AluImm(amd64.And, 4, amd64.R(amd64.RAX), 3)
		a.Alu(amd64.Cmp, 8, mc(jo.cpl), amd64.R(amd64.RAX))
		a.Jcc(amd64.CondG, j.sideExit())
		a.AluImm(amd64.And, 4, mc(jo.flags), ^int32(fIF))
	case op == 0xC1 || op == 0xD1:
		j.shift(in)
	case op == 0x1AF || op == 0x69 || op == 0x6B:
		j.imul(in)
	case op >= 0x190 && op <= 0x19F:
		if in.mem {
			j.xlate(true, 1)
		}
		j.hostFlags()
		a.Setcc(amd64.Cond(op&0xF), amd64.R(amd64.RAX))
		a.Mov(1, rmOp(in, 1), amd64.R(amd64.RAX))
		hostOK = true
	case op >= 0x70 && op <= 0x7F, op >= 0x180 && op <= 0x18F:
		j.hostFlags()
		a.Jcc(amd64.Cond(op&0xF), j.exitTo(next+in.imm, i+1))
		hostOK = true
	case op == 0xE9 || op == 0xEB:
		j.emitChainExit(next+in.imm, i+1)
	case op == 0xE8:
		a.Mov(4, amd64.R(rEA), greg(ESP))
		a.Lea(4, rEA, amd64.M(rEA, -4))
		j.xlate(true, 4)
		a.Lea(4, amd64.RAX, amd64.M(rEIP, int32(next)))
		a.Mov(4, hostHA, amd64.R(amd64.RAX))
		a.Mov(4, greg(ESP), amd64.R(rEA))
		j.emitChainExit(next+in.imm, i+1)
	case op == 0xC3 || op == 0xC2:
		a.Mov(4, amd64.R(rEA), greg(ESP))
		j.xlate(false, 4)
		a.Mov(4, amd64.R(amd64.RAX), hostHA)
		n := int32(4)
		if op == 0xC2 {
			n += int32(in.imm & 0xFFFF)
		}
		a.Lea(4, amd64.RSI, amd64.M(rEA, n))
		a.Mov(4, greg(ESP), amd64.R(amd64.RSI))
		j.jumpEAX(i + 1)
	default:
		return false
	}
	j.hostOK = hostOK
	return true
}

// eflags puts EFLAGS as pushf pushes it (Flags() without VM and RF) in r (not RAX, RDX).
func (j *jitter) eflags(r amd64.Reg) {
	a := &j.a
	a.CallAddr(j.flagsFn)
	a.Pushfq()
	a.Pop(r)
	a.AluImm(amd64.And, 4, amd64.R(r), arithMask)
	// The host leaves AF undefined after test/and/or/xor; the interpreter clears it.
	notLogic := a.NewLabel()
	a.AluImm(amd64.Cmp, 1, mc(jo.lop), lLogic)
	a.Jcc(amd64.CondNE, notLogic)
	a.AluImm(amd64.And, 4, amd64.R(r), ^int32(fAF))
	a.Bind(notLogic)
	a.Mov(4, amd64.R(amd64.RAX), mc(jo.flags))
	a.AluImm(amd64.And, 4, amd64.R(amd64.RAX), ^int32(arithMask|fVM|fRF))
	a.Alu(amd64.Or, 4, amd64.R(r), amd64.R(amd64.RAX))
	a.AluImm(amd64.Or, 4, amd64.R(r), 2)
}

// shift emits shl/shr/sar of a 32-bit operand by an immediate count, with the flags as the
// interpreter's shift leaves them (in c.flags, OF and AF by its rules).
func (j *jitter) shift(in *insn) {
	a := &j.a
	n := uint8(1)
	if in.op == 0xC1 {
		n = uint8(in.imm & 31)
	}
	if in.mem {
		j.xlate(true, 4)
	}
	dst := rmOp(in, 4)
	if n == 0 {
		return // no change, flags included
	}
	a.Mov(4, amd64.R(amd64.RDX), dst)
	a.Mov(4, amd64.R(amd64.RSI), amd64.R(amd64.RDX))
	a.ShiftImm(int(in.reg), 4, amd64.R(amd64.RSI), n)
	a.Pushfq()
	a.Pop(amd64.RAX)
	a.AluImm(amd64.And, 4, amd64.R(amd64.RAX), fCF|fPF|fZF|fSF)
	switch in.reg {
	case 4: // OF = top bit of the result != CF
		a.Mov(4, amd64.R(amd64.R9), amd64.R(amd64.RSI))
		a.ShiftImm(amd64.Shr, 4, amd64.R(amd64.R9), 31)
		a.Mov(4, amd64.R(amd64.R11), amd64.R(amd64.RAX))
		a.AluImm(amd64.And, 4, amd64.R(amd64.R11), fCF)
		a.Alu(amd64.Xor, 4, amd64.R(amd64.R9), amd64.R(amd64.R11))
		a.ShiftImm(amd64.Shl, 4, amd64.R(amd64.R9), 11)
		a.Alu(amd64.Or, 4, amd64.R(amd64.RAX), amd64.R(amd64.R9))
	case 5: // OF = top bit of the operand
		a.Mov(4, amd64.R(amd64.R9), amd64.R(amd64.RDX))
		a.ShiftImm(amd64.Shr, 4, amd64.R(amd64.R9), 31)
		a.ShiftImm(amd64.Shl, 4, amd64.R(amd64.R9), 11)
		a.Alu(amd64.Or, 4, amd64.R(amd64.RAX), amd64.R(amd64.R9))
	}
	a.Mov(4, dst, amd64.R(amd64.RSI))
	j.setFlags()
}

// setFlags replaces the arithmetic flags in c.flags by those in EAX and forgets the lazy op.
func (j *jitter) setFlags() {
	a := &j.a
	a.Mov(4, amd64.R(amd64.R9), mc(jo.flags))
	a.AluImm(amd64.And, 4, amd64.R(amd64.R9), ^int32(arithMask))
	a.Alu(amd64.Or, 4, amd64.R(amd64.R9), amd64.R(amd64.RAX))
	a.Mov(4, mc(jo.flags), amd64.R(amd64.R9))
	a.MovImm(1, mc(jo.lop), lNone)
	j.known = lNone
}

// imul emits the two- and three-operand 32-bit imul with mulFlags' flags.
func (j *jitter) imul(in *insn) {
	a := &j.a
	if in.mem {
		j.xlate(false, 4)
	}
	src := rmOp(in, 4)
	if in.op == 0x1AF {
		a.Mov(4, amd64.R(amd64.RSI), greg(in.reg))
		a.Imul(4, amd64.RSI, src)
	} else {
		a.Mov(4, amd64.R(amd64.RSI), src)
		a.MovImm(4, amd64.R(amd64.RDX), in.imm)
		a.Imul(4, amd64.RSI, amd64.R(amd64.RDX))
	}
	a.Setcc(amd64.CondO, amd64.R(amd64.RDX))
	a.Movzx(amd64.RDX, 1, amd64.R(amd64.RDX))
	a.Test(4, amd64.R(amd64.RSI), amd64.R(amd64.RSI))
	a.Pushfq()
	a.Pop(amd64.RAX)
	a.AluImm(amd64.And, 4, amd64.R(amd64.RAX), fPF|fZF|fSF)
	a.Unary(amd64.Neg, 4, amd64.R(amd64.RDX))
	a.AluImm(amd64.And, 4, amd64.R(amd64.RDX), fCF|fOF)
	a.Alu(amd64.Or, 4, amd64.R(amd64.RAX), amd64.R(amd64.RDX))
	a.Mov(4, greg(in.reg), amd64.R(amd64.RSI))
	j.setFlags()
}

// emitShared emits the routines blocks call, at the start of a code chunk whose first
// byte will be at org: flags (make the host flags the guest's) and saveCF (move CF into
// c.flags, as inc and dec need). It returns their addresses.
func emitShared(a *amd64.Asm, org uintptr) (flagsFn, saveFn uintptr) {
	a.Reset()
	a.Org = org
	flagsFn = org
	type kind struct {
		op uint8
		l  amd64.Label
	}
	kinds := []kind{{lSub, a.NewLabel()}, {lLogic, a.NewLabel()}, {lAdd, a.NewLabel()},
		{lInc, a.NewLabel()}, {lDec, a.NewLabel()}, {lAdc, a.NewLabel()}, {lSbb, a.NewLabel()}}
	a.Movzx(amd64.RAX, 1, mc(jo.lop))
	for _, k := range kinds {
		a.AluImm(amd64.Cmp, 4, amd64.R(amd64.RAX), int32(k.op))
		a.Jcc(amd64.CondE, k.l)
	}
	// lNone: the flags are in c.flags.
	a.Mov(4, amd64.R(amd64.RAX), mc(jo.flags))
	a.AluImm(amd64.And, 4, amd64.R(amd64.RAX), arithMask)
	a.Push(amd64.RAX)
	a.Popfq()
	a.Ret()
	for _, k := range kinds {
		a.Bind(k.l)
		if k.op == lLogic {
			a.Mov(4, amd64.R(amd64.RAX), mc(jo.lres))
		} else {
			a.Mov(4, amd64.R(amd64.RAX), mc(jo.la))
			a.Mov(4, amd64.R(amd64.RDX), mc(jo.lb))
		}
		l8, l16 := a.NewLabel(), a.NewLabel()
		a.AluImm(amd64.Cmp, 4, mc(jo.lsign), 0x80)
		a.Jcc(amd64.CondE, l8)
		a.AluImm(amd64.Cmp, 4, mc(jo.lsign), 0x8000)
		a.Jcc(amd64.CondE, l16)
		for _, sz := range []int{4, 1, 2} {
			switch sz {
			case 1:
				a.Bind(l8)
			case 2:
				a.Bind(l16)
			}
			switch k.op {
			case lSub:
				a.Alu(amd64.Cmp, sz, amd64.R(amd64.RAX), amd64.R(amd64.RDX))
			case lAdd:
				a.Alu(amd64.Add, sz, amd64.R(amd64.RAX), amd64.R(amd64.RDX))
			case lLogic:
				a.Test(sz, amd64.R(amd64.RAX), amd64.R(amd64.RAX))
			case lInc, lDec:
				a.BtImm(mc(jo.flags), 0)
				a.IncDec(k.op == lDec, sz, amd64.R(amd64.RAX))
			case lAdc, lSbb:
				a.BtImm(mc(jo.lcin), 0)
				op := amd64.Adc
				if k.op == lSbb {
					op = amd64.Sbb
				}
				a.Alu(op, sz, amd64.R(amd64.RAX), amd64.R(amd64.RDX))
			}
			a.Ret()
		}
	}
	saveFn = org + uintptr(len(a.B))
	done := a.NewLabel()
	a.Movzx(amd64.RAX, 1, mc(jo.lop))
	for _, op := range []uint8{lNone, lInc, lDec} {
		a.AluImm(amd64.Cmp, 4, amd64.R(amd64.RAX), int32(op))
		a.Jcc(amd64.CondE, done)
	}
	a.CallAddr(flagsFn)
	a.Setcc(amd64.CondB, amd64.R(amd64.RAX))
	a.Movzx(amd64.RAX, 1, amd64.R(amd64.RAX))
	a.AluImm(amd64.And, 4, mc(jo.flags), ^int32(fCF))
	a.Alu(amd64.Or, 4, mc(jo.flags), amd64.R(amd64.RAX))
	a.Bind(done)
	a.Ret()
	a.Finish()
	return flagsFn, saveFn
}

// translate builds the code of a block starting at head into j.a, to be placed at org. It
// returns the instructions covered (none if head cannot start a block).
func (j *jitter) translate(head *insn, org uintptr) []*insn {
	a := &j.a
	a.Reset()
	a.Org = org
	j.n = 0
	j.offs = append(j.offs[:0], 0)
	j.sideAt = j.sideAt[:0]
	j.exits = j.exits[:0]
	j.known = fkUnknown
	j.hostOK = false
	a.Mov(8, amd64.R(rC), amd64.R(amd64.RAX))
	a.Mov(4, amd64.R(rEIP), mc(jo.eip))
	a.Alu(amd64.Xor, 4, amd64.R(amd64.RBX), amd64.R(amd64.RBX))
	a.Mov(8, amd64.R(amd64.R12), mc(jo.left))
	j.chainAt = len(a.B)
	var ins []*insn
	ended := false
	for in := head; in != nil && !in.dead && len(ins) < maxBlock && len(a.B) < 16<<10; in = in.next {
		if !translatable(in) {
			break
		}
		if !j.insn(in) {
			return nil // translatable and insn disagree: a bug, but only a slower one
		}
		ins = append(ins, in)
		j.n++
		j.offs = append(j.offs, j.offs[j.n-1]+uint32(in.len))
		if blockEnds(in) {
			ended = true
			break
		}
	}
	if len(ins) == 0 {
		return nil
	}
	if !ended {
		j.emitChainExit(j.offs[j.n], j.n)
	}
	for i, l := range j.sideAt {
		if l >= 0 {
			a.Bind(l)
			a.MovImm(4, mc(jo.side), uint32(j.newSide(ins[i])))
			j.emitExit(j.offs[i], i, exitSide)
		}
	}
	for _, e := range j.exits {
		a.Bind(e.l)
		j.emitChainExit(e.eip, e.count)
	}
	if !a.Finish() {
		return nil
	}
	return ins
}
