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
	RemoteIRR   = 0x00004000 // read only: a level interrupt awaits EOI
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

// Version is the VER register: version 0x11 (82093AA), max redirection entry 23.
const Version = (NumPins-1)<<16 | 0x11

// writable holds the guest-writable bits of a redirection entry's low word.
const writable = Vector | DeliveryMod | DestLogical | ActiveLow | Level | Masked

// New returns an IOAPIC with the given ID and every entry masked.
func New(id uint8) *IOAPIC {
	a := &IOAPIC{id: id & 0xF}
	for i := range a.redir {
		a.redir[i] = Masked
	}
	return a
}

// Read reads size bytes at offset off from the IOAPIC's base.
func (a *IOAPIC) Read(off uint32, size int) uint32 {
	var v uint32
	switch off &^ 3 {
	case IOREGSEL:
		v = uint32(a.regsel)
	case IOWIN:
		v = a.reg(a.regsel)
	}
	v >>= 8 * (off & 3)
	switch size {
	case 1:
		v &= 0xFF
	case 2:
		v &= 0xFFFF
	}
	return v
}

// reg returns register r as read through IOWIN.
func (a *IOAPIC) reg(r uint8) uint32 {
	switch {
	case r == RegID, r == RegARB:
		return uint32(a.id) << 24
	case r == RegVER:
		return Version
	case r >= RegTable && r < RegTable+2*NumPins:
		e := a.redir[(r-RegTable)/2]
		if r&1 == 1 {
			return uint32(e >> 32)
		}
		return uint32(e)
	}
	return 0
}

// Write writes size bytes at offset off from the IOAPIC's base.
func (a *IOAPIC) Write(off uint32, size int, v uint32) {
	switch off {
	case IOREGSEL:
		a.regsel = uint8(v)
	case IOWIN:
		a.setReg(a.regsel, v)
	}
}

// setReg writes register r through IOWIN.
func (a *IOAPIC) setReg(r uint8, v uint32) {
	switch {
	case r == RegID:
		a.id = uint8(v>>24) & 0xF
	case r >= RegTable && r < RegTable+2*NumPins:
		pin := int(r-RegTable) / 2
		e := a.redir[pin]
		if r&1 == 1 {
			e = e&0xFFFFFFFF | uint64(v&0xFF000000)<<32
		} else {
			e = e&^writable | uint64(v&writable)
			if e&Level == 0 {
				e &^= RemoteIRR // remote IRR means nothing for edge entries
			}
		}
		a.redir[pin] = e
		a.service(pin) // an unmasked level entry still asserted delivers now
	}
}

// SetIRQ drives input pin irq (0-23): level true means asserted. As in qemu, the
// board's level is taken as already polarity-adjusted; ActiveLow is stored, not applied.
func (a *IOAPIC) SetIRQ(irq int, level bool) {
	if irq < 0 || irq >= NumPins {
		return
	}
	was := a.line[irq]
	a.line[irq] = level
	e := a.redir[irq]
	if e&Level == 0 {
		if level && !was && e&Masked == 0 {
			a.send(irq)
		}
		return
	}
	a.service(irq)
}

// service delivers a level-triggered pin that is asserted, unmasked and not awaiting EOI.
func (a *IOAPIC) service(pin int) {
	e := a.redir[pin]
	if e&Level == 0 || e&Masked != 0 || e&RemoteIRR != 0 || !a.line[pin] {
		return
	}
	a.redir[pin] |= RemoteIRR
	a.send(pin)
}

// send delivers pin's interrupt message.
func (a *IOAPIC) send(pin int) {
	if a.Deliver == nil {
		return
	}
	e := a.redir[pin]
	a.Deliver(uint8(e>>56), e&DestLogical != 0, uint8(e>>8)&7, uint8(e), e&Level != 0)
}

// EOI is a local APIC's end of interrupt for vector: it clears remote IRR of the
// level-triggered entries with that vector, re-delivering those still asserted.
func (a *IOAPIC) EOI(vector uint8) {
	for pin, e := range a.redir {
		if uint8(e) != vector || e&RemoteIRR == 0 {
			continue
		}
		a.redir[pin] &^= RemoteIRR
		a.service(pin)
	}
}

// Entry returns redirection entry pin (for a monitor or tests).
func (a *IOAPIC) Entry(pin int) uint64 {
	if pin < 0 || pin >= NumPins {
		return 0
	}
	return a.redir[pin]
}
