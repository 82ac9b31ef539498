package gdbstub

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync/atomic"

	"gemu/qemulog"
	"gemu/x86"
)

// Board is the machine a MachineTarget drives; cmd/gemu adapts pc.Machine to it.
type Board interface {
	// CPUs returns the processors (touched only while the machine does not run).
	CPUs() []*x86.CPU
	// Run runs the machine for up to d ns of virtual time, or until Pause. brk is the CPU
	// that stopped at a breakpoint or watchpoint (its Stop field says which), or -1; done
	// reports that the machine has ended for good.
	Run(ctx context.Context, d int64) (brk int, done bool, err error)
	// Pause makes a Run in progress return soon (any goroutine may call it).
	Pause()
	// Step executes one instruction of CPU i, the other CPUs and the clock standing still;
	// x86.StopBreak means a watchpoint fired (the CPU's Stop field says which).
	Step(i int) (x86.StopReason, error)
	// Reset resets the machine (monitor system_reset).
	Reset()
	// RAM returns guest physical memory from address 0 (monitor info mem walks page tables in it).
	RAM() []byte
}

// command is a request from the stub to the machine's goroutine.
type command struct {
	step bool
	cpu  int
	kill bool
}

// MachineTarget is a Target for x86 CPUs on a Board. Its Loop runs the machine on the
// caller's goroutine, as the stub commands.
type MachineTarget struct {
	b       Board
	cpus    []*x86.CPU
	stops   chan Stop
	cmds    chan command
	pause   atomic.Bool
	watches []Breakpoint
	killed  atomic.Bool
	done    chan struct{} // closed when Loop returns: commands then go nowhere
}

// NewMachineTarget returns a Target for b.
func NewMachineTarget(b Board) *MachineTarget {
	return &MachineTarget{b: b, cpus: b.CPUs(), stops: make(chan Stop, 1), cmds: make(chan command, 1),
		done: make(chan struct{})}
}

// Killed reports whether gdb killed the machine (k packet).
func (t *MachineTarget) Killed() bool { return t.killed.Load() }

// Loop runs the machine while the debugger lets it and returns when the machine ends (or
// gdb kills it, or ctx ends). running says whether it starts running (no -S).
func (t *MachineTarget) Loop(ctx context.Context, running bool) error {
	defer close(t.done)
	for {
		if !running {
			select {
			case <-ctx.Done():
				return nil
			case cmd := <-t.cmds:
				if cmd.kill {
					return nil
				}
				if cmd.step {
					why, err := t.b.Step(cmd.cpu)
					if err != nil {
						t.report(ctx, Stop{Kind: StopExited, CPU: cmd.cpu})
						return err
					}
					st := Stop{Kind: StopStep, CPU: cmd.cpu}
					if why == x86.StopBreak {
						st = t.stopOf(cmd.cpu, StopStep)
					}
					t.report(ctx, st)
					continue
				}
				running = true
			}
		}
		if t.pause.Load() {
			t.pause.Store(false)
			running = false
			t.report(ctx, Stop{Kind: StopInterrupt, CPU: 0})
			continue
		}
		brk, done, err := t.b.Run(ctx, math.MaxInt64)
		if err != nil || done {
			t.report(ctx, Stop{Kind: StopExited})
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		if brk >= 0 {
			running = false
			t.report(ctx, t.stopOf(brk, StopBreakpoint))
		}
	}
}

// report hands a stop to the stub, unless the run is over and nobody will take it.
func (t *MachineTarget) report(ctx context.Context, st Stop) {
	select {
	case t.stops <- st:
	case <-ctx.Done():
	}
}

// send hands a command to Loop, unless Loop has returned.
func (t *MachineTarget) send(cmd command) {
	select {
	case t.cmds <- cmd:
	case <-t.done:
	}
}

// stopOf describes why CPU i stopped, from its Stop field.
func (t *MachineTarget) stopOf(i int, def StopKind) Stop {
	st := t.cpus[i].Stop
	switch st.Kind {
	case x86.StopKindBreakpoint:
		return Stop{Kind: StopBreakpoint, CPU: i, Addr: st.Addr}
	case x86.StopKindWatchWrite, x86.StopKindWatchRead:
		kind := WatchWrite
		if st.Kind == x86.StopKindWatchRead {
			kind = WatchRead
		}
		for _, w := range t.watches {
			if w.Kind == WatchAccess && st.Addr >= w.Addr && st.Addr-w.Addr < w.Len {
				kind = WatchAccess
			}
		}
		return Stop{Kind: StopWatch, CPU: i, Addr: st.Addr, Watch: kind}
	}
	return Stop{Kind: def, CPU: i}
}

// NumCPUs implements Target.
func (t *MachineTarget) NumCPUs() int { return len(t.cpus) }

// Registers implements Target.
func (t *MachineTarget) Registers(i int) ([NumRegs]uint32, error) {
	var r [NumRegs]uint32
	c := t.cpus[i]
	copy(r[:8], c.Reg[:])
	r[RegEIP] = c.EIP
	r[RegEFLAGS] = c.Flags()
	for n, seg := range gdbSegs {
		r[RegCS+n] = uint32(c.Seg[seg].Sel)
	}
	return r, nil
}

// FPU implements FPUTarget.
func (t *MachineTarget) FPU(i int) (x86.FPURegs, error) { return t.cpus[i].FPU(), nil }

// gdbSegs lists the segment registers in gdb's order (cs ss ds es fs gs).
var gdbSegs = [6]int{x86.CS, x86.SS, x86.DS, x86.ES, x86.FS, x86.GS}

// SetRegister implements Target. A segment register is loaded with its descriptor, as
// a mov to it would (without the protection checks).
func (t *MachineTarget) SetRegister(i, reg int, v uint32) error {
	c := t.cpus[i]
	switch {
	case reg < 8:
		c.Reg[reg] = v
	case reg == RegEIP:
		c.EIP = v
	case reg == RegEFLAGS:
		c.SetFlags(v)
	case reg < NumRegs:
		return loadSeg(c, gdbSegs[reg-RegCS], uint16(v))
	default:
		return fmt.Errorf("gdbstub: no register %d", reg)
	}
	return nil
}

// loadSeg loads a segment register from a selector: the real-mode way, or from the GDT
// or LDT in protected mode.
func loadSeg(c *x86.CPU, seg int, sel uint16) error {
	if c.CR0&1 == 0 {
		c.SetRealSeg(seg, sel)
		return nil
	}
	if sel&^3 == 0 {
		c.Seg[seg] = x86.Segment{Sel: sel}
		return nil
	}
	base, limit := c.GDTR.Base, uint32(c.GDTR.Limit)
	if sel&4 != 0 {
		base, limit = c.LDTR.Base, c.LDTR.Limit
	}
	off := uint32(sel &^ 7)
	if off+7 > limit {
		return fmt.Errorf("gdbstub: selector %#x beyond its descriptor table", sel)
	}
	var d [8]byte
	if err := c.ReadLinear(base+off, d[:]); err != nil {
		return fmt.Errorf("gdbstub: reading descriptor %#x: %w", sel, err)
	}
	lo, hi := binary.LittleEndian.Uint32(d[:4]), binary.LittleEndian.Uint32(d[4:])
	s := x86.Segment{
		Sel:   sel,
		Base:  lo>>16 | (hi&0xff)<<16 | hi&0xff000000,
		Limit: lo&0xffff | hi&0xf0000,
		Attr:  uint16(hi>>8&0xff) | uint16(hi>>20&0xf)<<12,
	}
	if s.Attr&(1<<15) != 0 {
		s.Limit = s.Limit<<12 | 0xfff
	}
	c.Seg[seg] = s
	return nil
}

// ReadMemory implements Target.
func (t *MachineTarget) ReadMemory(i int, addr uint32, buf []byte) error {
	return t.cpus[i].ReadLinear(addr, buf)
}

// WriteMemory implements Target.
func (t *MachineTarget) WriteMemory(i int, addr uint32, data []byte) error {
	return t.cpus[i].WriteLinear(addr, data)
}

// SetBreakpoint implements Target: every CPU gets the breakpoint or watchpoint.
func (t *MachineTarget) SetBreakpoint(bp Breakpoint, on bool) error {
	for _, c := range t.cpus {
		switch bp.Kind {
		case BreakSoftware, BreakHardware:
			c.SetBreakpoint(bp.Addr, on)
		case WatchWrite, WatchRead, WatchAccess:
			c.SetWatchpoint(bp.Addr, bp.Len, bp.Kind != WatchRead, bp.Kind != WatchWrite, on)
		default:
			return ErrUnsupported
		}
	}
	if bp.Kind >= WatchWrite {
		for n, w := range t.watches {
			if w == bp {
				t.watches = append(t.watches[:n], t.watches[n+1:]...)
				break
			}
		}
		if on {
			t.watches = append(t.watches, bp)
		}
	}
	return nil
}

// Resume implements Target.
func (t *MachineTarget) Resume() error {
	t.pause.Store(false) // a Ctrl-C that raced with the last stop must not stop this run
	t.send(command{})
	return nil
}

// Step implements Target.
func (t *MachineTarget) Step(i int) error {
	t.send(command{step: true, cpu: i})
	return nil
}

// Pause implements Target.
func (t *MachineTarget) Pause() {
	t.pause.Store(true)
	t.b.Pause()
}

// Stops implements Target.
func (t *MachineTarget) Stops() <-chan Stop { return t.stops }

// Kill implements Killer: Loop returns and the emulator exits.
func (t *MachineTarget) Kill() {
	t.killed.Store(true)
	t.send(command{kill: true})
}

// Monitor implements Monitor: info registers (qemu's format), info cpus, info mem (the
// selected CPU's mappings, as qemu lists them) and system_reset.
func (t *MachineTarget) Monitor(i int, cmd string) (string, error) {
	switch strings.Join(strings.Fields(cmd), " ") {
	case "info registers", "info reg", "i r":
		var b strings.Builder
		fmt.Fprintf(&b, "CPU#%d\n", i)
		qemulog.DumpCPU(&b, t.cpus[i])
		return b.String(), nil
	case "info cpus":
		return infoCPUs(t.cpus, i), nil
	case "info mem":
		return infoMem(t.b.RAM(), t.cpus[i]), nil
	case "system_reset":
		t.b.Reset()
		return "", nil
	}
	return "", errors.New("unknown command: '" + cmd + "' (try help)")
}
