package x86

import "fmt"

// Exception vectors.
const (
	vecDE = 0
	vecDB = 1
	vecBP = 3
	vecOF = 4
	vecBR = 5
	vecUD = 6
	vecNM = 7
	vecDF = 8
	vecTS = 10
	vecNP = 11
	vecSS = 12
	vecGP = 13
	vecPF = 14
	vecMF = 16
	vecAC = 17
)

// cpuSignature is the family/model/stepping in EDX after reset and in CPUID leaf 1 (a P6).
const cpuSignature = 0x0633

// segCache is what the access paths need from a segment register: base and the range of
// offsets reads and writes may touch (an unusable segment has lo > hi).
type segCache struct {
	base     uint32
	rlo, rhi uint32
	wlo, whi uint32
}

// watch is a debugger watchpoint on linear addresses, or a race watch (race.go): a
// physical range (phys) or every RAM access (all).
type watch struct {
	lin, n      uint32
	write, read bool
	phys, all   bool
}

type excToken struct{}

// cpu holds the private state of a CPU.
type cpu struct {
	// Lazy flags (see flags.go).
	flags uint32
	lop   uint8
	la    uint32
	lb    uint32
	lres  uint32
	lsign uint32
	lcin  uint32

	cpl     int
	user    bool
	tagBits uint32
	sc      [6]segCache
	spm     uint32 // stack pointer mask: 0xFFFF or 0xFFFFFFFF by SS.B
	flat    bool   // 32-bit code with flat CS, DS, ES, SS: translated blocks may run (jit.go)
	jitLeft uint64 // for a block: the most instructions it may retire (chaining)
	jitLink uint32 // set by a block: 1 + the index of the chain cell its exit would take
	jitSide uint32 // set by a block's side exit: 1 + the index of its instruction (jitCache.sides)
	jcKey   uint64 // the high bits of jcache keys now: epoch<<34 | tagBits<<32
	jcEpoch uint64 // bumped when the mapping from linear EIPs to code may have changed
	jcache  [jcacheSize]jcEntry
	stable  StableReader // the bus, if it says which device reads stay the same
	mvc     [mvcSize]mvcEntry

	// Instruction fetch: the code page of the last fetch, by linear page, and the pages
	// fetched from before (kernel code calls across many pages: acquire, mycpu, lapicid).
	fetchLin  uint32 // linear page address, or 1 if none
	fetchPage *codePage
	fetchMRU  [fetchWays]fetchEntry
	mode      uint8  // 1 if CS.D (32-bit code), the default sizes decoded instructions depend on
	csLimit   uint32 // CS's limit when the fetch pages were checked
	scratch   insn

	rtlb, wtlb [tlbSize]tlbEntry
	mrtlb      [mtlbSize]mmioEntry // MMIO and ROM-write translations (mem.go)
	mwtlb      [mtlbSize]mmioEntry
	ptTag      [ptCacheSize]uint32 // physical page number + 1 of the cached page-table pages
	ptMem      [ptCacheSize]*[4096]byte
	ptW        [ptCacheSize]bool

	// What sync last saw, to spot changes made from outside between Run calls.
	seenCR0, seenCR3, seenCR4 uint32

	// Run state.
	end       uint64
	lim       uint64 // Retired count at which the loop looks at the boundary work (0: now)
	persist   bool   // hooks, breakpoints or TF: slow at every boundary
	intrCheck bool
	stopReq   bool
	shadowAt  uint64 // Retired count at whose boundary interrupts are inhibited (sti, mov ss)
	shadowOn  bool
	shadowSS  bool // the shadow comes from mov ss / pop ss (it holds back debug traps too)
	stepTrap  bool
	first     bool
	shutdown  bool
	curEIP    uint32
	tok       *excToken
	excVec    uint8
	excErr    uint32

	noIRQ    bool
	bpSkip   bool // the last Run stopped at the breakpoint at bpSkipAt
	bpSkipAt uint32
	excLeft  int // exceptions this Run may still deliver (a guest stuck in a fault loop retires nothing)
	bps      map[uint32]bool
	watches  []watch
	watchHit bool
	raceHit  bool // a race watch saw an access of this instruction (c.Watched)
	spins    int  // failed lock attempts in a row (spin)
	yield    bool // spun long enough: end Run with StopYield

	tsc     uint64
	msrs    map[uint32]uint64
	apicBSP bool

	fpu fpuState // the x87 (fpu.go)
}

func (c *CPU) initPrivate() {
	c.tok = new(excToken)
	c.stable, _ = c.bus.(StableReader)
	c.forgetFetch()
	c.code.cpus = append(c.code.cpus, c)
}

// fetchWays is the number of recent fetch pages a CPU remembers, by linear page number.
const fetchWays = 16

// fetchEntry is a remembered fetch page: valid for the fast path until forgetFetch.
type fetchEntry struct {
	tag uint32 // linear page address | the TLB's tagBits (user or supervisor), or 0 if none
	cp  *codePage
}

// forgetFetch drops the remembered fetch pages (TLB flush, CS or CPL change).
func (c *CPU) forgetFetch() {
	c.lim = 0 // leave a run of linked instructions (runLoop): they were found by the old mapping
	c.fetchLin, c.fetchPage = 1, nil
	c.jcEpoch++
	c.jcKey = c.jcEpoch<<34 | uint64(c.tagBits)<<32
	c.fetchMRU = [fetchWays]fetchEntry{}
}

// fetchesFrom reports whether cp is one of c's remembered fetch pages.
func (c *CPU) fetchesFrom(cp *codePage) bool {
	if c.fetchPage == cp {
		return true
	}
	for i := range c.fetchMRU {
		if c.fetchMRU[i].cp == cp {
			return true
		}
	}
	return false
}

// Reset puts the CPU in its power-on state: real mode, CS=0xF000 with base 0xFFFF0000,
// EIP=0xFFF0, EDX=the CPU signature. Retired is kept (it is the board's clock).
func (c *CPU) Reset() {
	c.Reg = [8]uint32{}
	c.Reg[EDX] = cpuSignature
	c.EIP = 0xFFF0
	for i := range c.Seg {
		c.Seg[i] = Segment{Sel: 0, Base: 0, Limit: 0xFFFF, Attr: 0x93}
	}
	c.Seg[CS] = Segment{Sel: 0xF000, Base: 0xFFFF0000, Limit: 0xFFFF, Attr: 0x9B}
	c.LDTR = Segment{Limit: 0xFFFF, Attr: 0x82}
	c.TR = Segment{Limit: 0xFFFF, Attr: 0x8B}
	c.GDTR = DTR{Limit: 0xFFFF}
	c.IDTR = DTR{Limit: 0xFFFF}
	c.CR0 = cr0ET | cr0CD | cr0NW
	c.CR2, c.CR3, c.CR4 = 0, 0, 0
	c.DR = [8]uint32{}
	c.DR[6] = 0xFFFF0FF0
	c.DR[7] = 0x400
	c.flags = 2
	c.lop = lNone
	c.Halted = false
	c.WaitSIPI = false
	c.Fault = ""
	c.shutdown = false
	c.stepTrap = false
	c.shadowOn = false
	c.msrs = nil
	c.fpuReset()
	c.sync()
	c.flushTLB()
}

// Init handles an INIT IPI: the CPU resets and waits for a STARTUP IPI.
func (c *CPU) Init() {
	fpu := c.fpu // INIT keeps the x87 state (SDM Vol. 3, table 9-1)
	c.Reset()
	c.fpu = fpu
	c.WaitSIPI = true
	c.Halted = true
}

// Startup handles a STARTUP IPI: a CPU waiting for one starts in real mode at vector<<8:0000.
// Otherwise it is ignored.
func (c *CPU) Startup(vector uint8) {
	if !c.WaitSIPI {
		return
	}
	c.WaitSIPI = false
	c.Halted = false
	c.SetRealSeg(CS, uint16(vector)<<8)
	c.EIP = 0
}

// SetRealSeg loads a segment register the real-mode way (base=sel<<4, limit 0xFFFF).
func (c *CPU) SetRealSeg(seg int, sel uint16) {
	attr := uint16(0x93)
	if seg == CS {
		attr = 0x9B
	}
	c.Seg[seg] = Segment{Sel: sel, Base: uint32(sel) << 4, Limit: 0xFFFF, Attr: attr}
	c.segChanged(seg)
}

// CPL returns the current privilege level (0 in real mode).
func (c *CPU) CPL() int { return c.cpl }

// sync re-derives the private caches from the visible state (which the board or a debugger
// may have changed since the last Run).
func (c *CPU) sync() {
	if c.CR0 != c.seenCR0 || c.CR3 != c.seenCR3 || c.CR4 != c.seenCR4 {
		c.flushTLB()
		c.seenCR0, c.seenCR3, c.seenCR4 = c.CR0, c.CR3, c.CR4
	}
	c.flags = c.flags&^(arithMask) | c.arith()
	c.lop = lNone
	c.flags = c.flags&flagsImpl | 2
	cpl := 0
	if c.CR0&cr0PE != 0 {
		cpl = int(c.Seg[CS].Sel & 3)
	}
	c.setCPL(cpl)
	for i := range c.Seg {
		c.segChanged(i)
	}
}

func (c *CPU) setCPL(cpl int) {
	c.cpl = cpl
	c.user = cpl == 3
	c.tagBits = 1
	if c.user {
		c.tagBits = 3
	}
	c.jcKey = c.jcEpoch<<34 | uint64(c.tagBits)<<32
	// The remembered fetch pages carry the privilege they were checked at (fetchEntry):
	// only the current one goes.
	c.fetchLin, c.fetchPage = 1, nil
	c.lim = 0
}

// segChanged recomputes the access ranges of segment register i.
func (c *CPU) segChanged(i int) {
	c.segRanges(i)
	c.updateFlat()
}

func (c *CPU) segRanges(i int) {
	s := &c.Seg[i]
	k := &c.sc[i]
	if i == CS {
		mode := uint8(s.Attr >> 14 & 1)
		if c.CR0&cr0PE == 0 {
			mode = 0
		}
		// The fetch pages were checked against CS's base and limit and decoded in its
		// mode; a far transfer or interrupt that keeps all three keeps them.
		if k.base != s.Base || c.csLimit != s.Limit || c.mode != mode {
			c.forgetFetch()
		}
		c.mode, c.csLimit = mode, s.Limit
	}
	k.base = s.Base
	if i == SS {
		c.spm = 0xFFFF
		// The B bit counts in real mode too: a 32-bit SS still cached after leaving
		// protected mode gives a 32-bit stack (real-mode loads keep the attributes).
		if s.Attr&0x4000 != 0 {
			c.spm = 0xFFFFFFFF
		}
	}
	if c.CR0&cr0PE == 0 {
		k.rlo, k.rhi, k.wlo, k.whi = 0, s.Limit, 0, s.Limit
		return
	}
	k.rlo, k.rhi, k.wlo, k.whi = 0xFFFFFFFF, 0, 0xFFFFFFFF, 0
	if s.Attr&0x80 == 0 || s.Attr&0x10 == 0 {
		return // null or not a code/data segment: every access faults
	}
	typ := s.Attr & 0xF
	lo, hi := uint32(0), s.Limit
	if typ&8 == 0 && typ&4 != 0 {
		lo = s.Limit + 1
		hi = 0xFFFF
		if s.Attr&0x4000 != 0 {
			hi = 0xFFFFFFFF
		}
	}
	if typ&8 == 0 || typ&2 != 0 {
		k.rlo, k.rhi = lo, hi
	}
	if typ&8 == 0 && typ&2 != 0 {
		k.wlo, k.whi = lo, hi
	}
}

// raise aborts the current instruction with exception vec (error code errc where the
// vector has one). The Run loop catches it and delivers the exception.
func (c *CPU) raise(vec uint8, errc uint32) {
	c.excVec = vec
	c.excErr = errc
	panic(c.tok)
}

func hasErrCode(vec uint8) bool {
	switch vec {
	case vecDF, vecTS, vecNP, vecSS, vecGP, vecPF, vecAC:
		return true
	}
	return false
}

// RequestStop makes Run return StopRequested after the current instruction.
func (c *CPU) RequestStop() {
	c.stopReq = true
	c.lim = 0
}

// PollInterrupts tells the CPU that INTR may have changed: it looks at the next boundary.
func (c *CPU) PollInterrupts() {
	c.intrCheck = true
	c.lim = 0
}

// SetBreakpoint sets or clears a breakpoint at a linear address.
func (c *CPU) SetBreakpoint(linear uint32, on bool) {
	if on {
		if c.bps == nil {
			c.bps = make(map[uint32]bool)
		}
		c.bps[linear] = true
	} else {
		delete(c.bps, linear)
	}
}

// SetWatchpoint sets or clears a watchpoint on [linear, linear+length) for writes and/or
// reads. Run returns StopBreak after an instruction that accessed it.
func (c *CPU) SetWatchpoint(linear, length uint32, write, read bool, on bool) {
	if length == 0 {
		length = 1
	}
	for i, w := range c.watches {
		if w.lin == linear && w.n == length {
			c.watches = append(c.watches[:i], c.watches[i+1:]...)
			break
		}
	}
	if on {
		c.watches = append(c.watches, watch{lin: linear, n: length, write: write, read: read})
	}
	c.flushTLB()
}

// Run executes up to budget instructions and says why it stopped (see StopReason).
func (c *CPU) Run(budget int) StopReason {
	if c.shutdown {
		if c.Halted {
			return StopTripleFault
		}
		c.shutdown = false // the caller cleared Halted: it has set up a new state
	}
	if c.WaitSIPI || budget <= 0 {
		if c.WaitSIPI {
			return StopHalt
		}
		return StopBudget
	}
	c.sync()
	c.mvc = [mvcSize]mvcEntry{}
	c.end = c.Retired + uint64(budget)
	c.excLeft = budget
	c.stopReq = false
	c.watchHit = false
	c.raceHit = false
	c.yield = false
	c.first = true
	c.intrCheck = true
	c.persist = c.OnInsn != nil || len(c.bps) > 0
	c.lim = 0
	if c.Halted {
		if !c.interruptible() || !c.intr.Pending() {
			return StopHalt
		}
	}
	for {
		if r, done := c.runLoop(); done {
			return r
		}
	}
}

// Step executes exactly one instruction without accepting a maskable interrupt before it
// (as a debugger's single step does); exceptions it raises are delivered. A halted CPU stays
// halted and Step returns StopHalt.
func (c *CPU) Step() StopReason {
	c.noIRQ = true
	defer func() { c.noIRQ = false }()
	if c.Halted && !c.WaitSIPI && !c.shutdown {
		return StopHalt
	}
	return c.Run(1)
}

func (c *CPU) interruptible() bool {
	return c.flags&fIF != 0 && !(c.shadowOn && c.shadowAt == c.Retired)
}

func (c *CPU) runLoop() (r StopReason, done bool) {
	defer func() {
		if x := recover(); x != nil {
			r, done = c.recovered(x)
		}
	}()
	single := false // after a block's side exit: the next instruction is interpreted
	for {
		if c.Retired >= c.lim {
			if c.Retired >= c.end {
				break
			}
			if r, stop := c.boundary(); stop {
				return r, true
			}
			if c.Retired >= c.end {
				break
			}
		}
		c.curEIP = c.EIP
		var in *insn
		lin := c.sc[CS].base + c.EIP
		if lin&^0xFFF == c.fetchLin {
			in = c.fetchPage.insn[lin&0xFFF]
			if in == nil {
				in = c.fetchSlow(lin)
			}
		} else {
			in = c.fetchSlow(lin)
			if c.fetchLin == 1 { // not a fast page: no runs
				c.EIP += uint32(in.len)
				in.fn(c, in)
				c.Retired++
				continue
			}
		}
		if jitSupported && c.flat && !c.NoJIT {
			// Translated code (jit.go): a block runs whole; an instruction without one
			// runs alone; others are counted toward translation.
			if b := in.blk; b != nil && !single {
				ran, side := c.runBlock(in, b)
				if ran {
					single = side
					continue
				}
			} else if single || in.heat == heatNever {
				single = false
				c.EIP += uint32(in.len)
				in.fn(c, in)
				c.Retired++
				continue
			} else if in.heat++; in.heat >= jitHot {
				c.compile(in)
				if in.blk != nil {
					continue
				}
			}
		}
		// Follow the run of instructions decoded together while control falls through,
		// nothing asked for the boundary (c.lim: interrupts, stores to code, a new
		// mapping) and the next one is still valid (and has no block of its own).
		eip := c.EIP
		for {
			eip += uint32(in.len)
			c.EIP = eip
			next := in.next
			in.fn(c, in)
			c.Retired++
			if c.Retired >= c.lim || c.EIP != eip || next == nil || next.dead || next.jstop {
				break
			}
			in = next
			c.curEIP = eip
		}
	}
	if c.Halted {
		return StopHalt, true
	}
	return StopBudget, true
}

// recovered handles a panic out of an instruction: a guest exception is delivered, anything
// else is an emulator bug, reported as a shutdown so that the host process survives.
func (c *CPU) recovered(x any) (StopReason, bool) {
	if x != any(c.tok) {
		c.shutdown = true
		c.Fault = fmt.Sprintf("x86 internal error at EIP=%08x CS=%04x: %v", c.curEIP, c.Seg[CS].Sel, x)
		return StopTripleFault, true
	}
	c.EIP = c.curEIP
	c.stepTrap = false
	c.Halted = false
	if c.deliver(c.excVec, c.excErr, hasErrCode(c.excVec), kindFault) {
		return StopTripleFault, true
	}
	if c.excLeft--; c.excLeft <= 0 {
		return StopBudget, true
	}
	return 0, false
}

// boundary does the work due between two instructions: traps, stop requests, interrupts,
// breakpoints and hooks. It reports whether Run must return.
func (c *CPU) boundary() (StopReason, bool) {
	c.lim = c.end
	if c.persist {
		c.lim = 0
	}
	if c.stepTrap {
		c.stepTrap = false
		// mov ss / pop ss hold back the single-step trap until after the next instruction
		// (whose own TF trap then comes).
		if !(c.shadowOn && c.shadowSS && c.shadowAt == c.Retired) {
			c.DR[6] |= 1 << 14
			if c.deliver(vecDB, 0, false, kindTrap) {
				return StopTripleFault, true
			}
		}
	}
	if c.watchHit {
		c.watchHit = false
		c.raceHit = false
		return StopBreak, true
	}
	if c.raceHit {
		c.raceHit = false
		return StopWatch, true
	}
	if c.stopReq {
		c.stopReq = false
		return StopRequested, true
	}
	if c.yield {
		c.yield = false
		return StopYield, true
	}
	if c.intrCheck || c.Halted {
		if c.noIRQ {
			c.lim = 0
			if c.Halted {
				return StopHalt, true
			}
		} else if c.shadowOn && c.shadowAt == c.Retired {
			c.lim = 0
		} else {
			c.intrCheck = false
			c.shadowOn = false
			if c.flags&fIF != 0 && c.intr.Pending() {
				c.Halted = false
				vec := c.intr.Ack()
				if c.deliver(vec, 0, false, kindExt) {
					return StopTripleFault, true
				}
			}
		}
		if c.Halted {
			c.lim = 0
			return StopHalt, true
		}
	}
	if len(c.bps) > 0 {
		lin := c.sc[CS].base + c.EIP
		// The first instruction of a Run after a breakpoint stop at this very address runs:
		// that is how a debugger continues past it.
		skip := c.first && c.bpSkip && lin == c.bpSkipAt
		c.bpSkip = false
		if c.bps[lin] && !skip {
			c.Stop = StopInfo{Kind: StopKindBreakpoint, Addr: lin}
			c.bpSkip, c.bpSkipAt = true, lin
			c.lim = 0
			return StopBreak, true
		}
	}
	c.first = false
	if c.OnInsn != nil {
		c.OnInsn(c)
	}
	if c.flags&fTF != 0 {
		c.stepTrap = true
		c.lim = 0
	}
	return 0, false
}

// faultLine describes the CPU state in one line, for a triple fault.
func (c *CPU) faultLine(vec uint8, errc uint32) string {
	return fmt.Sprintf("triple fault: EIP=%08x CS=%04x CR0=%08x CR2=%08x CR3=%08x last exception %d error %#x",
		c.EIP, c.Seg[CS].Sel, c.CR0, c.CR2, c.CR3, vec, errc)
}
