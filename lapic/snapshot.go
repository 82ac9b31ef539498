package lapic

import "fmt"

// State is a local APIC's state for a snapshot. The timer's times are on the board's
// virtual clock, which a snapshot restores too.
type State struct {
	ID    uint8 // the APIC ID given at New
	IDReg uint32
	TPR   uint32
	LDR   uint32
	DFR   uint32
	SVR   uint32
	ISR   [8]uint32
	TMR   [8]uint32
	IRR   [8]uint32
	ESR   uint32 // visible error status
	Errs  uint32 // errors collected since the last ESR write
	ICRLO uint32
	ICRHI uint32
	LVT   [numLVT]uint32
	TICR  uint32
	TDCR  uint32
	Armed bool  // the timer is counting down
	Start int64 // virtual ns at which the current count was loaded
	Next  int64 // virtual ns of the next expiry while armed
}

// Save returns the APIC's state.
func (l *LAPIC) Save() State {
	return State{ID: l.id, IDReg: l.idReg, TPR: l.tpr, LDR: l.ldr, DFR: l.dfr, SVR: l.svr,
		ISR: l.isr, TMR: l.tmr, IRR: l.irr, ESR: l.esr, Errs: l.errs, ICRLO: l.icrlo,
		ICRHI: l.icrhi, LVT: l.lvt, TICR: l.ticr, TDCR: l.tdcr, Armed: l.armed, Start: l.start,
		Next: l.next}
}

// Restore makes s the APIC's state. The APIC ID must be the one this APIC was made with:
// the board wires CPUs and APICs by it.
func (l *LAPIC) Restore(s State) error {
	if s.ID != l.id {
		return fmt.Errorf("lapic state: APIC ID %d, this APIC is %d", s.ID, l.id)
	}
	l.idReg, l.tpr, l.ldr, l.dfr, l.svr = s.IDReg, s.TPR, s.LDR, s.DFR, s.SVR
	l.isr, l.tmr, l.irr, l.esr, l.errs = s.ISR, s.TMR, s.IRR, s.ESR, s.Errs
	l.icrlo, l.icrhi, l.lvt, l.ticr, l.tdcr = s.ICRLO, s.ICRHI, s.LVT, s.TICR, s.TDCR
	l.armed, l.start, l.next = s.Armed, s.Start, s.Next
	return nil
}
