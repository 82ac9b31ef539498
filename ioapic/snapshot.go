package ioapic

// State is the I/O APIC's state for a snapshot.
type State struct {
	ID     uint8
	RegSel uint8
	Redir  [NumPins]uint64 // redirection entries, with the delivery status and remote IRR bits
	Line   [NumPins]bool   // input levels
}

// Save returns the I/O APIC's state.
func (a *IOAPIC) Save() State {
	return State{ID: a.id, RegSel: a.regsel, Redir: a.redir, Line: a.line}
}

// Restore makes s the I/O APIC's state.
func (a *IOAPIC) Restore(s State) error {
	a.id, a.regsel, a.redir, a.line = s.ID, s.RegSel, s.Redir, s.Line
	return nil
}
