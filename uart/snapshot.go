package uart

import "fmt"

// State is the UART's state for a snapshot, with the bytes waiting in its receiver.
type State struct {
	Base     uint16
	RX       []byte // received bytes not yet read; RX[0] is in RBR
	Held     []byte // host bytes received during loopback, delivered after it
	IER, LCR uint8
	MCR, SCR uint8
	FCR      uint8
	DLL, DLM uint8
	MSR      uint8
	THREPend bool
	LastRBR  uint8
	IRQLine  bool // the level last driven on the interrupt line
}

// Save returns the UART's state.
func (u *UART) Save() State {
	return State{Base: u.base, RX: append([]byte(nil), u.rx...), Held: append([]byte(nil), u.held...),
		IER: u.ier, LCR: u.lcr, MCR: u.mcr, SCR: u.scr, FCR: u.fcr, DLL: u.dll, DLM: u.dlm,
		MSR: u.msr, THREPend: u.threPend, LastRBR: u.lastRBR, IRQLine: u.irqLine}
}

// Restore makes s the UART's state. The interrupt line is not driven: the board restores
// the interrupt controllers' view of it with their own state.
func (u *UART) Restore(s State) error {
	if s.Base != u.base {
		return fmt.Errorf("uart state: base port %#x, this UART is at %#x", s.Base, u.base)
	}
	u.rx = append(u.rx[:0:0], s.RX...)
	u.held = append(u.held[:0:0], s.Held...)
	u.ier, u.lcr, u.mcr, u.scr, u.fcr = s.IER, s.LCR, s.MCR, s.SCR, s.FCR
	u.dll, u.dlm, u.msr, u.threPend, u.lastRBR, u.irqLine = s.DLL, s.DLM, s.MSR, s.THREPend, s.LastRBR, s.IRQLine
	return nil
}
