// Package lapic emulates a local APIC (one per CPU): identification, task priority,
// interrupt request/in-service bookkeeping, EOI, inter-processor interrupts and the
// APIC timer, counting virtual time.
package lapic

// Base is the local APIC's default physical MMIO address.
const Base = 0xFEE00000

// Register offsets from Base.
const (
	ID      = 0x020
	VER     = 0x030
	TPR     = 0x080
	APR     = 0x090
	PPR     = 0x0A0
	EOI     = 0x0B0
	RRD     = 0x0C0
	LDR     = 0x0D0
	DFR     = 0x0E0
	SVR     = 0x0F0
	ISR     = 0x100 // 8 registers, 0x100-0x170
	TMR     = 0x180 // 8 registers, 0x180-0x1F0
	IRR     = 0x200 // 8 registers, 0x200-0x270
	ESR     = 0x280
	ICRLO   = 0x300
	ICRHI   = 0x310
	TIMER   = 0x320
	THERMAL = 0x330
	PCINT   = 0x340
	LINT0   = 0x350
	LINT1   = 0x360
	ERROR   = 0x370
	TICR    = 0x380
	TCCR    = 0x390
	TDCR    = 0x3E0
)

// Bits of SVR, the LVT entries and ICRLO.
const (
	SVREnable   = 0x100   // SVR: APIC software enable
	LVTMasked   = 0x10000 // LVT: interrupt masked
	LVTPeriodic = 0x20000 // LVT TIMER: periodic mode
	ICRPending  = 0x1000  // ICRLO: delivery status (always 0 here)
	ICRLevel    = 0x4000  // ICRLO: level assert
	ICRTrigger  = 0x8000  // ICRLO: level triggered
	ICRLogical  = 0x800   // ICRLO: logical destination
	ModeExtINT  = 7       // LVT delivery mode ExtINT (bits 8-10)
)

// IPI is an inter-processor interrupt written to ICRLO, for the board to deliver.
type IPI struct {
	Dest      uint8 // destination field (ICRHI bits 24-31)
	Shorthand uint8 // 0 none, 1 self, 2 all including self, 3 all excluding self
	Mode      uint8 // 0 fixed, 1 lowest priority, 2 SMI, 4 NMI, 5 INIT, 6 STARTUP
	Level     bool  // level assert (false with Trigger set: INIT de-assert)
	Trigger   bool  // level-triggered
	Logical   bool  // logical destination mode
	Vector    uint8 // vector (STARTUP: start page number)
	From      uint8 // sender's APIC ID
}

// IntSource is an interrupt controller wired to LINT0 in ExtINT mode (the 8259 pair).
type IntSource interface {
	Pending() bool
	Ack() uint8
}

// LAPIC is one CPU's local APIC.
type LAPIC struct {
	// SendIPI delivers an IPI written to ICRLO. Set by the board; nil drops it.
	SendIPI func(ipi IPI)
	// OnEOI is called with the vector an EOI retires (the board forwards it to the IOAPIC).
	OnEOI func(vector uint8)
	// PIC, when set, is the 8259 on LINT0: Pending and Ack pass its requests through
	// while LINT0 is unmasked in ExtINT mode or the APIC is software-disabled.
	PIC IntSource

	id  uint8
	now func() int64
}

// New returns a local APIC with the given ID in its reset state; now gives virtual
// nanoseconds.
func New(id uint8, now func() int64) *LAPIC {
	return &LAPIC{id: id, now: now}
}

// Read reads size bytes at offset off from the APIC's base.
func (l *LAPIC) Read(off uint32, size int) uint32 { return 0 }

// Write writes size bytes at offset off from the APIC's base.
func (l *LAPIC) Write(off uint32, size int, v uint32) {}

// Accept takes a fixed-mode interrupt message: it sets vector's IRR bit.
func (l *LAPIC) Accept(vector uint8) {}

// Pending reports whether an interrupt may be presented to the CPU now.
func (l *LAPIC) Pending() bool { return false }

// Ack moves the highest-priority pending vector from IRR to ISR and returns it.
func (l *LAPIC) Ack() uint8 { return 0 }

// NextEvent returns the virtual time of the next timer expiry, if the timer runs.
func (l *LAPIC) NextEvent() (at int64, ok bool) { return 0, false }

// Update fires every timer expiry whose time has come.
func (l *LAPIC) Update() {}

// AcceptsPIC reports whether LINT0 passes the 8259's INTR through (ExtINT, unmasked,
// or the APIC software-disabled).
func (l *LAPIC) AcceptsPIC() bool { return false }

// Reset puts the APIC back in its power-on state, keeping its ID (an INIT IPI).
func (l *LAPIC) Reset() {}

// APICID returns this APIC's ID as set at New (the ID register may be rewritten).
func (l *LAPIC) APICID() uint8 { return l.id }
