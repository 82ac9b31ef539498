// Package ioapic emulates the Intel 82093AA I/O APIC: 24 redirection entries that turn
// device interrupt lines into messages to local APICs.
package ioapic

// Base is the IOAPIC's usual physical MMIO address.
const Base = 0xFEC00000

// MMIO offsets.
const (
	IOREGSEL = 0x00 // register select
	IOWIN    = 0x10 // register data window
)

// Register indexes written to IOREGSEL.
const (
	RegID    = 0x00 // ID in bits 24-27
	RegVER   = 0x01 // version in bits 0-7, max redirection entry in bits 16-23
	RegARB   = 0x02 // arbitration ID
	RegTable = 0x10 // redirection entry n: low word at 0x10+2n, high word at 0x11+2n
)

// NumPins is the number of redirection entries.
const NumPins = 24

// Redirection entry bits (low word; destination in the high word's bits 24-31).
const (
	Vector      = 0x000000FF
	DeliveryMod = 0x00000700 // 0 fixed, 1 lowest priority, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT
	DestLogical = 0x00000800
	DelivStatus = 0x00001000 // read only
	ActiveLow   = 0x00002000
	RemoteIRR   = 0x00004000 // read only
	Level       = 0x00008000
	Masked      = 0x00010000
)

// IOAPIC is one I/O APIC.
type IOAPIC struct {
	// Deliver sends an interrupt message to the local APICs: dest is the destination
	// field (an APIC ID, or a logical mask when logical is set), mode the delivery mode,
	// level whether the entry is level-triggered. Set by the board; nil drops messages.
	Deliver func(dest uint8, logical bool, mode uint8, vector uint8, level bool)

	id     uint8
	regsel uint8
	redir  [NumPins]uint64
	line   [NumPins]bool
}

// New returns an IOAPIC with the given ID and every entry masked.
func New(id uint8) *IOAPIC {
	a := &IOAPIC{id: id}
	for i := range a.redir {
		a.redir[i] = Masked
	}
	return a
}

// Read reads size bytes at offset off from the IOAPIC's base.
func (a *IOAPIC) Read(off uint32, size int) uint32 { return 0 }

// Write writes size bytes at offset off from the IOAPIC's base.
func (a *IOAPIC) Write(off uint32, size int, v uint32) {}

// SetIRQ drives input pin irq (0-23) to level (true = asserted, after polarity).
func (a *IOAPIC) SetIRQ(irq int, level bool) {}

// EOI is a local APIC's end of interrupt for vector: it clears remote IRR of the
// level-triggered entries with that vector, re-delivering those still asserted.
func (a *IOAPIC) EOI(vector uint8) {}
