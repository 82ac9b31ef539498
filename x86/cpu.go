package x86

// Event describes one interrupt or exception as the CPU delivers it (for qemu -d int style logs).
type Event struct {
	Vector   uint8  // IDT vector
	ErrCode  uint32 // error code, if HasErr
	HasErr   bool   // the exception pushes an error code
	External bool   // an external interrupt (INTR)
	Soft     bool   // int n, int3 or into
	EIP      uint32 // EIP of the interrupted or faulting instruction (or of the next one, for traps)
	CS       uint16 // CS selector at that point
	CPL      int    // privilege level at that point
	CR2      uint32 // CR2 (meaningful for #PF)
}

// StopInfo says what made Run return StopBreak.
type StopInfo struct {
	Kind int    // one of the Stop* kinds below
	Addr uint32 // linear address of the breakpoint or of the watched access
}

// Kinds of StopInfo.
const (
	StopKindNone       = iota // nothing
	StopKindBreakpoint        // an instruction at a breakpoint address is about to execute
	StopKindWatchWrite        // an instruction wrote a watched range
	StopKindWatchRead         // an instruction read a watched range
	StopKindStep              // single step (TF with a debugger attached)
)

// CPU is one x86 processor.
type CPU struct {
	Reg  [8]uint32  // general registers, indexed by EAX..EDI
	EIP  uint32     // instruction pointer
	Seg  [6]Segment // segment registers, indexed by ES..GS
	LDTR Segment    // local descriptor table register
	TR   Segment    // task register
	GDTR DTR        // global descriptor table register
	IDTR DTR        // interrupt descriptor table register
	CR0  uint32     // control register 0
	CR2  uint32     // page-fault linear address
	CR3  uint32     // page directory base
	CR4  uint32     // control register 4
	DR   [8]uint32  // debug registers (stored only)

	Halted   bool   // in hlt (or waiting for SIPI, see WaitSIPI)
	WaitSIPI bool   // after INIT: stopped until a STARTUP IPI
	Retired  uint64 // instructions retired, exactly
	Fault    string // after StopTripleFault: one line describing the state
	Stop     StopInfo
	Watched  Access // after StopWatch: the access that hit a race watch (race.go)

	// YieldOnSpin makes Run return StopYield early when the CPU spins on a lock (see
	// spin in ops_mov.go): on a board that runs CPUs in turn, the holder is not running.
	YieldOnSpin bool

	// NoJIT makes the CPU interpret every instruction instead of translating hot code to
	// host code (for comparing the two; results are the same).
	NoJIT bool

	// OnInsn, if non-nil, is called before every instruction (read at the start of Run).
	OnInsn func(c *CPU)
	// OnEvent, if non-nil, is called for every interrupt or exception delivered.
	OnEvent func(c *CPU, e Event)

	bus  Bus
	intr IntLine
	code *CodeCache

	cpu
}

// New returns a CPU in its power-on state, wired to bus and intr. CPUs that share RAM
// should share one CodeCache; nil gives the CPU a private one.
func New(bus Bus, intr IntLine, code *CodeCache) *CPU {
	if code == nil {
		code = NewCodeCache()
	}
	c := &CPU{bus: bus, intr: intr, code: code}
	c.initPrivate()
	c.Reset()
	return c
}
