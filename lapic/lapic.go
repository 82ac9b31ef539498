// Package lapic emulates a local APIC (one per CPU): identification, task priority,
// interrupt request/in-service bookkeeping, EOI, inter-processor interrupts and the
// APIC timer, counting virtual time.
package lapic

import "math/bits"

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
	// while AcceptsPIC is true.
	PIC IntSource

	id  uint8
	now func() int64

	idReg uint32
	tpr   uint32
	ldr   uint32
	dfr   uint32
	svr   uint32
	isr   [8]uint32
	tmr   [8]uint32
	irr   [8]uint32
	esr   uint32 // visible error status, latched by the last ESR write
	errs  uint32 // errors collected since the last ESR write
	icrlo uint32
	icrhi uint32
	lvt   [numLVT]uint32
	ticr  uint32
	tdcr  uint32
	armed bool  // the timer is counting down
	start int64 // virtual time the current count was loaded
	next  int64 // virtual time of the next expiry while armed
}

// The local vector table, in register order from TIMER.
const (
	lvtTimer = iota
	lvtThermal
	lvtPCINT
	lvtLINT0
	lvtLINT1
	lvtError
	numLVT
)

// lvtWritable holds the writable bits of each LVT entry.
var lvtWritable = [numLVT]uint32{
	lvtTimer:   0x000600FF | LVTPeriodic | LVTMasked, // vector, mask, periodic, TSC-deadline
	lvtThermal: 0x000107FF,
	lvtPCINT:   0x000107FF,
	lvtLINT0:   0x0001A7FF,
	lvtLINT1:   0x0001A7FF,
	lvtError:   0x000100FF,
}

// Version is the VER register: version 0x14, max LVT entry 5.
const Version = 0x00050014

// ESR bits this APIC reports.
const (
	ESRSendIllegal = 0x20 // an ICR write named a vector below 16
	ESRRecvIllegal = 0x40 // a fixed interrupt with a vector below 16 arrived
)

// New returns a local APIC with the given ID in its reset state; now gives virtual
// nanoseconds.
func New(id uint8, now func() int64) *LAPIC {
	l := &LAPIC{id: id, now: now}
	l.Reset()
	return l
}

// Reset puts the APIC back in its power-on state, keeping its ID (an INIT IPI).
func (l *LAPIC) Reset() {
	*l = LAPIC{SendIPI: l.SendIPI, OnEOI: l.OnEOI, PIC: l.PIC, id: l.id, now: l.now}
	l.idReg = uint32(l.id) << 24
	l.dfr = 0xFFFFFFFF
	l.svr = 0xFF
	for i := range l.lvt {
		l.lvt[i] = LVTMasked
	}
}

// APICID returns this APIC's ID as set at New (the ID register may be rewritten).
func (l *LAPIC) APICID() uint8 { return l.id }

// enabled reports the SVR software-enable bit.
func (l *LAPIC) enabled() bool { return l.svr&SVREnable != 0 }

// Read reads size bytes at offset off from the APIC's base.
func (l *LAPIC) Read(off uint32, size int) uint32 {
	v := l.reg(off &^ 3)
	v >>= 8 * (off & 3)
	switch size {
	case 1:
		v &= 0xFF
	case 2:
		v &= 0xFFFF
	}
	return v
}

// reg returns the 32-bit register at the aligned offset off.
func (l *LAPIC) reg(off uint32) uint32 {
	switch {
	case off >= ISR && off < ISR+0x80:
		return l.isr[(off-ISR)>>4]
	case off >= TMR && off < TMR+0x80:
		return l.tmr[(off-TMR)>>4]
	case off >= IRR && off < IRR+0x80:
		return l.irr[(off-IRR)>>4]
	case off >= TIMER && off <= ERROR:
		return l.lvt[(off-TIMER)>>4]
	}
	switch off {
	case ID:
		return l.idReg
	case VER:
		return Version
	case TPR:
		return l.tpr
	case PPR:
		return uint32(l.ppr())
	case LDR:
		return l.ldr
	case DFR:
		return l.dfr
	case SVR:
		return l.svr
	case ESR:
		return l.esr
	case ICRLO:
		return l.icrlo &^ ICRPending
	case ICRHI:
		return l.icrhi
	case TICR:
		return l.ticr
	case TCCR:
		return l.count(l.now())
	case TDCR:
		return l.tdcr
	}
	return 0 // APR, RRD, reserved
}

// Write writes size bytes at offset off from the APIC's base.
func (l *LAPIC) Write(off uint32, size int, v uint32) {
	if size != 4 || off&3 != 0 {
		// Narrow writes are undefined on hardware; merge them into the register.
		shift := 8 * (off & 3)
		mask := uint32(0xFF)
		if size == 2 {
			mask = 0xFFFF
		}
		off &^= 3
		v = l.reg(off)&^(mask<<shift) | (v&mask)<<shift
	}
	switch {
	case off >= TIMER && off <= ERROR:
		l.writeLVT(int(off-TIMER)>>4, v)
		return
	}
	switch off {
	case ID:
		l.idReg = v & 0xFF000000
	case TPR:
		l.tpr = v & 0xFF
	case EOI:
		l.eoi()
	case LDR:
		l.ldr = v & 0xFF000000
	case DFR:
		l.dfr = v | 0x0FFFFFFF
	case SVR:
		l.svr = v & 0x13FF
		if !l.enabled() {
			for i := range l.lvt {
				l.lvt[i] |= LVTMasked
			}
		}
	case ESR:
		l.esr, l.errs = l.errs, 0
	case ICRLO:
		l.icrlo = v &^ ICRPending
		l.sendIPI()
	case ICRHI:
		l.icrhi = v & 0xFF000000
	case TICR:
		l.ticr = v
		l.load(l.now())
	case TDCR:
		l.setDivide(v & 0xB)
	}
}

// writeLVT stores LVT entry i, keeping it masked while the APIC is software-disabled.
func (l *LAPIC) writeLVT(i int, v uint32) {
	if i == lvtTimer {
		l.catchUp(l.now()) // expiries while masked are lost, not delivered late
	}
	v &= lvtWritable[i]
	if !l.enabled() {
		v |= LVTMasked
	}
	l.lvt[i] = v
}

// sendIPI decodes ICRLO/ICRHI and hands the IPI to the board.
func (l *LAPIC) sendIPI() {
	v := l.icrlo
	ipi := IPI{
		Dest:      uint8(l.icrhi >> 24),
		Shorthand: uint8(v>>18) & 3,
		Mode:      uint8(v>>8) & 7,
		Level:     v&ICRLevel != 0,
		Trigger:   v&ICRTrigger != 0,
		Logical:   v&ICRLogical != 0,
		Vector:    uint8(v),
		From:      uint8(l.idReg >> 24),
	}
	if (ipi.Mode == 0 || ipi.Mode == 1) && ipi.Vector < 16 {
		l.error(ESRSendIllegal)
		return
	}
	if l.SendIPI != nil {
		l.SendIPI(ipi)
	}
}

// error records an error in the pending ESR and raises the ERROR LVT interrupt.
func (l *LAPIC) error(bit uint32) {
	l.errs |= bit
	if e := l.lvt[lvtError]; e&LVTMasked == 0 {
		l.setIRR(uint8(e))
	}
}

// Accept takes a fixed-mode interrupt message: it sets vector's IRR bit.
func (l *LAPIC) Accept(vector uint8) {
	if vector < 16 {
		l.error(ESRRecvIllegal)
		return
	}
	l.setIRR(vector)
}

func (l *LAPIC) setIRR(vector uint8) {
	l.irr[vector>>5] |= 1 << (vector & 31)
}

// highest returns the highest vector set in a 256-bit register, or -1.
func highest(r *[8]uint32) int {
	for i := 7; i >= 0; i-- {
		if r[i] != 0 {
			return i*32 + bits.Len32(r[i]) - 1
		}
	}
	return -1
}

// ppr computes the processor priority from TPR and the highest in-service vector.
func (l *LAPIC) ppr() uint8 {
	isrv := highest(&l.isr)
	if isrv < 0 {
		isrv = 0
	}
	if l.tpr>>4 >= uint32(isrv)>>4 {
		return uint8(l.tpr)
	}
	return uint8(isrv) & 0xF0
}

// deliverable returns the vector the APIC would present to the CPU, or -1.
func (l *LAPIC) deliverable() int {
	if !l.enabled() {
		return -1
	}
	v := highest(&l.irr)
	if v < 0 || uint8(v)>>4 <= l.ppr()>>4 {
		return -1
	}
	return v
}

// AcceptsPIC reports whether LINT0 passes the 8259's INTR through: LINT0 unmasked in
// ExtINT mode (virtual wire), or the APIC software-disabled (as after reset, so a guest
// that never touches the APIC can use the 8259 alone).
func (l *LAPIC) AcceptsPIC() bool {
	if !l.enabled() {
		return true
	}
	e := l.lvt[lvtLINT0]
	return e&LVTMasked == 0 && (e>>8)&7 == ModeExtINT
}

// Pending reports whether an interrupt may be presented to the CPU now.
func (l *LAPIC) Pending() bool {
	if l.deliverable() >= 0 {
		return true
	}
	return l.PIC != nil && l.AcceptsPIC() && l.PIC.Pending()
}

// Ack moves the highest-priority pending vector from IRR to ISR and returns it. With
// nothing deliverable it returns the 8259's vector (through LINT0) or the spurious vector.
func (l *LAPIC) Ack() uint8 {
	if v := l.deliverable(); v >= 0 {
		l.irr[v>>5] &^= 1 << (v & 31)
		l.isr[v>>5] |= 1 << (v & 31)
		return uint8(v)
	}
	if l.PIC != nil && l.AcceptsPIC() && l.PIC.Pending() {
		return l.PIC.Ack()
	}
	return uint8(l.svr)
}

// eoi retires the highest in-service vector.
func (l *LAPIC) eoi() {
	v := highest(&l.isr)
	if v < 0 {
		return
	}
	l.isr[v>>5] &^= 1 << (v & 31)
	l.tmr[v>>5] &^= 1 << (v & 31)
	if l.OnEOI != nil {
		l.OnEOI(uint8(v))
	}
}

// shift returns log2 of the timer's divide value (TDCR bits 0, 1 and 3).
func (l *LAPIC) shift() uint {
	return uint((l.tdcr&3|(l.tdcr>>1)&4)+1) & 7
}

// period returns the virtual nanoseconds one full count takes.
func (l *LAPIC) period() int64 {
	return int64(l.ticr) << l.shift()
}

// load starts a new count from TICR at time t (a TICR write).
func (l *LAPIC) load(t int64) {
	l.armed = l.ticr != 0
	l.start = t
	l.next = t + l.period()
}

// periodic reports whether the timer reloads itself.
func (l *LAPIC) periodic() bool { return l.lvt[lvtTimer]&LVTPeriodic != 0 }

// count returns TCCR at time t.
func (l *LAPIC) count(t int64) uint32 {
	if !l.armed {
		return 0
	}
	ticks := (t - l.start) >> l.shift()
	if l.periodic() {
		return l.ticr - uint32(ticks%int64(l.ticr))
	}
	if ticks >= int64(l.ticr) {
		return 0
	}
	return l.ticr - uint32(ticks)
}

// setDivide changes TDCR, keeping the current count where it is.
func (l *LAPIC) setDivide(v uint32) {
	t := l.now()
	l.catchUp(t)
	if !l.armed {
		l.tdcr = v
		return
	}
	cur := int64(l.count(t))
	l.tdcr = v
	l.start = t - (int64(l.ticr)-cur)<<l.shift()
	l.next = t + cur<<l.shift()
}

// NextEvent returns the virtual time of the next timer interrupt, if one will come.
func (l *LAPIC) NextEvent() (at int64, ok bool) {
	if !l.armed || l.lvt[lvtTimer]&LVTMasked != 0 {
		return 0, false
	}
	return l.next, true
}

// Update fires every timer expiry whose time has come: it sets the IRR bit of the
// TIMER vector unless masked. A periodic count reloads from its last expiry (no drift).
func (l *LAPIC) Update() {
	t := l.now()
	if !l.armed || t < l.next {
		return
	}
	if l.lvt[lvtTimer]&LVTMasked == 0 {
		l.setIRR(uint8(l.lvt[lvtTimer]))
	}
	l.catchUp(t)
}

// catchUp moves the timer past every expiry at or before t without interrupting.
func (l *LAPIC) catchUp(t int64) {
	if !l.armed || t < l.next {
		return
	}
	if !l.periodic() {
		l.armed = false
		return
	}
	p := l.period()
	n := (t-l.next)/p + 1
	l.start += n * p
	l.next += n * p
}

// Matches reports whether an interrupt message with destination dest is for this APIC:
// physical mode compares the ID register (0xFF is broadcast); logical mode uses LDR under
// DFR's flat model (a bit per APIC) or cluster model (cluster in the high nibble).
func (l *LAPIC) Matches(dest uint8, logical bool) bool {
	if !logical {
		return dest == 0xFF || dest == uint8(l.idReg>>24)
	}
	ldr := uint8(l.ldr >> 24)
	if l.dfr>>28 == 0xF { // flat
		return dest&ldr != 0
	}
	if dest>>4 == 0xF { // cluster broadcast
		return dest&ldr&0x0F != 0
	}
	return dest>>4 == ldr>>4 && dest&ldr&0x0F != 0
}
