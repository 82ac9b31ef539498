// Package x86 interprets the 32-bit Intel x86 (the 386 integer instruction set plus the
// i486/P6 additions gcc emits). The CPU knows nothing about chips: it talks to a Bus for
// memory and I/O ports and to an IntLine for maskable interrupts.
package x86

// Bus is the CPU's view of the board: physical memory and I/O space.
type Bus interface {
	// Page returns the 4 KB of RAM at the page-aligned physical address pa for direct
	// access, and whether the CPU may also write it directly. A nil slice sends every
	// access to that page through Read and Write (MMIO, ROM, unmapped space).
	Page(pa uint32) (mem []byte, writable bool)
	// Read reads size (1, 2 or 4) bytes at physical address pa, which lies in a page that
	// Page did not map for this kind of access.
	Read(pa uint32, size int) uint32
	// Write writes size (1, 2 or 4) bytes at physical address pa, as Read.
	Write(pa uint32, size int, v uint32)
	// In reads size (1, 2 or 4) bytes from an I/O port.
	In(port uint16, size int) uint32
	// Out writes size (1, 2 or 4) bytes to an I/O port.
	Out(port uint16, size int, v uint32)
}

// StableReader is an optional method of a Bus: Stable reports whether a size-byte read of
// the device at physical address pa returns the same value, with no side effect, until this
// CPU next writes to a device or Run returns. The CPU may then reuse the value it read (xv6
// reads its LAPIC ID on every lock).
type StableReader interface {
	Stable(pa uint32, size int) bool
}

// IntLine is the CPU's maskable interrupt input (INTR) and its acknowledge cycle.
type IntLine interface {
	// Pending reports whether a maskable interrupt is waiting to be accepted.
	Pending() bool
	// Ack accepts the highest-priority pending interrupt and returns its vector.
	Ack() uint8
}

// General-purpose register numbers, in the encoding's order (index into CPU.Reg).
const (
	EAX = iota
	ECX
	EDX
	EBX
	ESP
	EBP
	ESI
	EDI
)

// Segment register numbers, in the encoding's order (index into CPU.Seg).
const (
	ES = iota
	CS
	SS
	DS
	FS
	GS
)

// Segment is a segment register: the visible selector and its hidden descriptor cache.
type Segment struct {
	Sel   uint16 // visible selector
	Base  uint32 // linear base address
	Limit uint32 // limit in bytes (granularity already applied)
	Attr  uint16 // access byte (bits 0-7: type, S, DPL, P) and flags (bits 12-15: AVL, L, D/B, G)
}

// DTR is a descriptor-table register (GDTR or IDTR).
type DTR struct {
	Base  uint32
	Limit uint16
}

// StopReason says why Run returned.
type StopReason int

// Reasons for Run to return.
const (
	StopBudget      StopReason = iota // the instruction budget is used up
	StopHalt                          // the CPU is halted (hlt) and no interrupt can wake it now
	StopBreak                         // a debugger breakpoint or watchpoint, or single-step (#DB not delivered to the guest)
	StopRequested                     // RequestStop was called (by a device during an access, say)
	StopTripleFault                   // shutdown: a fault while delivering a double fault; see CPU.Fault
	StopYield                         // spinning on a lock another CPU holds (CPU.YieldOnSpin)
	StopWatch                         // an instruction hit a race watch (SetProbe, SetPhysWatch); see CPU.Watched
)
