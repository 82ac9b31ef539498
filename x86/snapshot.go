package x86

import (
	"fmt"
	"sort"
)

// State is everything about a CPU that a snapshot must keep between two Run calls: the
// architectural registers with their hidden descriptor caches, the x87, the run state that
// outlives a Run (halted, waiting for SIPI, an interrupt shadow or single-step trap due at
// the next boundary), and the instruction clock. What the CPU derives from it (TLBs,
// decoded and translated code, segment access ranges, lazy flags) is not part of it: it
// is rebuilt on SetState. Debugger settings (breakpoints, watchpoints, hooks) are not
// machine state and are left as they are.
type State struct {
	Reg      [8]uint32
	EIP      uint32
	EFLAGS   uint32
	Seg      [6]Segment
	LDTR, TR Segment
	GDTR     DTR
	IDTR     DTR
	CR0      uint32
	CR2      uint32
	CR3      uint32
	CR4      uint32
	DR       [8]uint32

	Halted   bool   // in hlt
	WaitSIPI bool   // after INIT, until a STARTUP IPI
	Shutdown bool   // shut down (triple fault) and not restarted
	Fault    string // the triple fault's description
	Retired  uint64 // instructions retired: the CPU's clock

	ShadowAt uint64 // the Retired count at whose boundary interrupts are held back
	ShadowOn bool   // that shadow is set (sti, mov ss)
	ShadowSS bool   // it comes from mov ss / pop ss
	StepTrap bool   // a single-step trap is due at the next boundary
	Spins    int    // failed lock attempts in a row (YieldOnSpin)

	TSCOffset uint64 // the time-stamp counter minus Retired
	MSRs      []MSR  // model-specific registers written, by number

	FPU FPUState
}

// MSR is one model-specific register's value.
type MSR struct {
	N uint32
	V uint64
}

// FPUState is the x87's complete state in its physical register order.
type FPUState struct {
	Mant  [8]uint64 // physical registers R0-R7: significand ...
	SExp  [8]uint16 // ... and sign with biased exponent
	Top   uint8
	CW    uint16
	SW    uint16 // status word without TOP
	Empty uint8  // bit i: physical register i is empty
	FIP   uint32
	FCS   uint16
	FOP   uint16
	FDP   uint32
	FDS   uint16
}

// State returns the CPU's state. Call it between Run calls.
func (c *CPU) State() State {
	s := State{
		Reg: c.Reg, EIP: c.EIP, EFLAGS: c.Flags(), Seg: c.Seg, LDTR: c.LDTR, TR: c.TR,
		GDTR: c.GDTR, IDTR: c.IDTR, CR0: c.CR0, CR2: c.CR2, CR3: c.CR3, CR4: c.CR4, DR: c.DR,
		Halted: c.Halted, WaitSIPI: c.WaitSIPI, Shutdown: c.shutdown, Fault: c.Fault,
		Retired:  c.Retired,
		ShadowAt: c.shadowAt, ShadowOn: c.shadowOn, ShadowSS: c.shadowSS, StepTrap: c.stepTrap,
		Spins: c.spins, TSCOffset: c.tsc,
	}
	for n, v := range c.msrs {
		s.MSRs = append(s.MSRs, MSR{N: n, V: v})
	}
	sort.Slice(s.MSRs, func(i, j int) bool { return s.MSRs[i].N < s.MSRs[j].N })
	p := &c.fpu
	s.FPU = FPUState{Top: p.top, CW: p.cw, SW: p.sw, Empty: p.empty, FIP: p.fip, FCS: p.fcs,
		FOP: p.fop, FDP: p.fdp, FDS: p.fds}
	for i, x := range p.st {
		s.FPU.Mant[i], s.FPU.SExp[i] = x.m, x.se
	}
	return s
}

// SetState makes s the CPU's state, dropping everything derived from the old one (TLBs,
// fetch pages, translated-code lookups). Decoded instructions are kept by physical
// address in the shared CodeCache: when RAM changes behind the CPUs, the board must
// invalidate it too. Call it between Run calls.
func (c *CPU) SetState(s State) error {
	if s.FPU.Top > 7 {
		return fmt.Errorf("x86 state: FPU TOP %d out of range", s.FPU.Top)
	}
	c.Reg, c.EIP = s.Reg, s.EIP
	c.Seg, c.LDTR, c.TR, c.GDTR, c.IDTR = s.Seg, s.LDTR, s.TR, s.GDTR, s.IDTR
	c.CR0, c.CR2, c.CR3, c.CR4, c.DR = s.CR0, s.CR2, s.CR3, s.CR4, s.DR
	c.Halted, c.WaitSIPI, c.shutdown, c.Fault = s.Halted, s.WaitSIPI, s.Shutdown, s.Fault
	c.Retired = s.Retired
	c.shadowAt, c.shadowOn, c.shadowSS, c.stepTrap = s.ShadowAt, s.ShadowOn, s.ShadowSS, s.StepTrap
	c.spins, c.tsc = s.Spins, s.TSCOffset
	c.msrs = nil
	for _, r := range s.MSRs {
		if c.msrs == nil {
			c.msrs = make(map[uint32]uint64)
		}
		c.msrs[r.N] = r.V
	}
	ferr := c.fpu.ferr
	c.fpu = fpuState{top: s.FPU.Top, cw: s.FPU.CW, sw: s.FPU.SW, empty: s.FPU.Empty,
		fip: s.FPU.FIP, fcs: s.FPU.FCS, fop: s.FPU.FOP, fdp: s.FPU.FDP, fds: s.FPU.FDS, ferr: ferr}
	for i := range c.fpu.st {
		c.fpu.st[i] = f80{m: s.FPU.Mant[i], se: s.FPU.SExp[i]}
	}
	c.flags = s.EFLAGS&flagsImpl | 2
	c.lop = lNone
	c.stopReq, c.yield, c.watchHit, c.raceHit = false, false, false, false
	c.bpSkip = false
	c.Stop = StopInfo{}
	c.seenCR0, c.seenCR3, c.seenCR4 = c.CR0, c.CR3, c.CR4
	c.flushTLB()
	c.sync()
	c.intrCheck = true
	c.lim = 0
	return nil
}
