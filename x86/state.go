package x86

// cpu holds the private state of a CPU.
type cpu struct {
}

func (c *CPU) initPrivate() {}

// Reset puts the CPU in its 386 power-on state: real mode, CS=0xF000 with base 0xFFFF0000,
// EIP=0xFFF0, EDX=the CPU signature.
func (c *CPU) Reset() {}

// Init handles an INIT IPI: reset, then wait for a STARTUP IPI.
func (c *CPU) Init() { c.Reset(); c.WaitSIPI = true }

// Startup handles a STARTUP IPI: a CPU waiting for one starts in real mode at vector<<8:0000.
func (c *CPU) Startup(vector uint8) {}

// SetRealSeg loads a segment register the real-mode way (base=sel<<4, limit 0xFFFF).
func (c *CPU) SetRealSeg(seg int, sel uint16) {}

// Flags returns EFLAGS.
func (c *CPU) Flags() uint32 { return 0 }

// SetFlags sets EFLAGS.
func (c *CPU) SetFlags(v uint32) {}

// CPL returns the current privilege level.
func (c *CPU) CPL() int { return 0 }

// Run executes up to budget instructions and says why it stopped.
func (c *CPU) Run(budget int) StopReason { return StopHalt }

// RequestStop makes Run return StopRequested after the current instruction.
func (c *CPU) RequestStop() {}

// PollInterrupts tells the CPU that INTR may have changed.
func (c *CPU) PollInterrupts() {}

// SetBreakpoint sets or clears a breakpoint at a linear address.
func (c *CPU) SetBreakpoint(linear uint32, on bool) {}

// SetWatchpoint sets or clears a watchpoint on [linear, linear+length).
func (c *CPU) SetWatchpoint(linear, length uint32, write, read bool, on bool) {}

// Translate maps a linear address to a physical one without faults or A/D updates.
func (c *CPU) Translate(linear uint32, write bool) (pa uint32, ok bool) { return linear, true }

// ReadLinear reads guest memory through paging with no side effects.
func (c *CPU) ReadLinear(linear uint32, buf []byte) error { return nil }

// WriteLinear writes guest memory through paging, invalidating decoded code it overwrites.
func (c *CPU) WriteLinear(linear uint32, buf []byte) error { return nil }

// CodeCache holds decoded instructions by physical address, shared by CPUs that share RAM.
type CodeCache struct{}

// NewCodeCache returns an empty CodeCache.
func NewCodeCache() *CodeCache { return &CodeCache{} }

// Invalidate drops decoded instructions in [pa, pa+n): RAM written behind the CPUs' backs.
func (k *CodeCache) Invalidate(pa, n uint32) {}
