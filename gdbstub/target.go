// Package gdbstub serves the GDB remote serial protocol over TCP for an i386 machine: each
// vCPU is a thread, memory is read through the selected CPU's page tables, breakpoints and
// watchpoints go to the CPU's debug API instead of patching guest memory.
package gdbstub

import (
	"errors"

	"gemu/x86"
)

// Register numbers in gdb's i386 order (the order of target.xml and of the g packet).
const (
	RegEAX = iota
	RegECX
	RegEDX
	RegEBX
	RegESP
	RegEBP
	RegESI
	RegEDI
	RegEIP
	RegEFLAGS
	RegCS
	RegSS
	RegDS
	RegES
	RegFS
	RegGS
	NumRegs // number of general registers a Target provides
)

// BreakKind says what a breakpoint watches.
type BreakKind int

// Breakpoint kinds, numbered as gdb's Z packets number them.
const (
	BreakSoftware BreakKind = iota // Z0: stop before executing the instruction at Addr
	BreakHardware                  // Z1: the same, as a hardware breakpoint
	WatchWrite                     // Z2: stop after a write to [Addr, Addr+Len)
	WatchRead                      // Z3: stop after a read of [Addr, Addr+Len)
	WatchAccess                    // Z4: stop after a read or a write of [Addr, Addr+Len)
)

// Breakpoint is one breakpoint or watchpoint at a linear address.
type Breakpoint struct {
	Kind BreakKind
	Addr uint32 // linear address
	Len  uint32 // bytes watched (watchpoints); gdb's kind field for breakpoints
}

// StopKind says why the machine stopped.
type StopKind int

// Reasons for a stop.
const (
	StopInterrupt  StopKind = iota // Pause was called (gdb's Ctrl-C): SIGINT
	StopBreakpoint                 // an instruction at a breakpoint is about to execute: SIGTRAP
	StopStep                       // a single step finished: SIGTRAP
	StopWatch                      // a watchpoint fired (Stop.Watch says which kind): SIGTRAP
	StopExited                     // the machine is gone (powered off, killed): no more commands run
)

// Stop is one stop event of the machine.
type Stop struct {
	Kind  StopKind
	CPU   int       // the CPU that stopped (index from 0)
	Addr  uint32    // watched address for StopWatch; the breakpoint's address for StopBreakpoint
	Watch BreakKind // WatchWrite, WatchRead or WatchAccess for StopWatch
	Code  int       // exit status for StopExited
}

// Target is the machine the stub debugs. Every method except Pause and Stops is called only
// while the machine is stopped; Resume and Step return at once and report the resulting stop
// on Stops, exactly once per Resume or Step.
type Target interface {
	// NumCPUs returns the number of vCPUs (gdb threads 1..NumCPUs).
	NumCPUs() int
	// Registers returns the general registers of a CPU in gdb's order.
	Registers(cpu int) ([NumRegs]uint32, error)
	// SetRegister writes one general register (index in gdb's order) of a CPU.
	SetRegister(cpu, reg int, v uint32) error
	// ReadMemory reads linear memory through the CPU's page tables, without side effects.
	ReadMemory(cpu int, addr uint32, buf []byte) error
	// WriteMemory writes linear memory through the CPU's page tables.
	WriteMemory(cpu int, addr uint32, data []byte) error
	// SetBreakpoint inserts (on) or removes a breakpoint or watchpoint on every CPU.
	SetBreakpoint(bp Breakpoint, on bool) error
	// Resume lets the whole machine run until a breakpoint, a watchpoint or Pause.
	Resume() error
	// Step executes one instruction of one CPU, the other CPUs standing still.
	Step(cpu int) error
	// Pause asks a running machine to stop; the stop is reported as StopInterrupt.
	// It may be called from any goroutine and does nothing if the machine is stopped.
	Pause()
	// Stops delivers the stop events.
	Stops() <-chan Stop
}

// FPUTarget is implemented by targets whose CPUs have x87 registers to show (gdb's st0-st7
// and fctrl..fop); without it they read as an FPU after fninit.
type FPUTarget interface {
	FPU(cpu int) (x86.FPURegs, error)
}

// Monitor is implemented by targets that answer gdb's `monitor` commands themselves
// (qRcmd). The stub handles `help` and passes every other command on.
type Monitor interface {
	// Monitor runs one monitor command for the selected CPU and returns its output.
	Monitor(cpu int, cmd string) (string, error)
}

// Killer is implemented by targets that can end the emulator (gdb's k packet). Targets
// without it are detached from and resumed instead.
type Killer interface {
	// Kill ends the machine.
	Kill()
}

// ErrUnsupported is returned by a Target for a request it cannot carry out (say a
// breakpoint kind it lacks); the stub answers gdb with an empty reply.
var ErrUnsupported = errors.New("gdbstub: unsupported")
