package kbd

// State is the 8042's and the keyboard's state for a snapshot, with the bytes queued
// for the guest.
type State struct {
	CmdByte  uint8
	OutPort  uint8
	RAM      [32]uint8
	Status   uint8
	OBuf     uint8
	OBF      bool
	Replies  []uint8 // controller and keyboard replies, ahead of scan codes
	Keys     []uint8 // scan codes not yet in the output buffer
	CtrlCmd  uint8
	KbdCmd   uint8
	Scanning bool
	LastSent uint8
	IRQLine  bool // the level last driven on IRQ 1
}

// Save returns the controller's state.
func (c *Controller) Save() State {
	return State{CmdByte: c.cmdByte, OutPort: c.outPort, RAM: c.ram, Status: c.status,
		OBuf: c.obuf, OBF: c.obf, Replies: append([]uint8(nil), c.replies...),
		Keys: append([]uint8(nil), c.keys...), CtrlCmd: c.ctrlCmd, KbdCmd: c.kbdCmd,
		Scanning: c.scanning, LastSent: c.lastSent, IRQLine: c.irqLine}
}

// Restore makes s the controller's state. Neither IRQ 1 nor the A20 hook is called: the
// board restores the interrupt controllers with their own state.
func (c *Controller) Restore(s State) error {
	c.cmdByte, c.outPort, c.ram, c.status, c.obuf, c.obf = s.CmdByte, s.OutPort, s.RAM, s.Status, s.OBuf, s.OBF
	c.replies = append(c.replies[:0:0], s.Replies...)
	c.keys = append(c.keys[:0:0], s.Keys...)
	c.ctrlCmd, c.kbdCmd, c.scanning, c.lastSent, c.irqLine = s.CtrlCmd, s.KbdCmd, s.Scanning, s.LastSent, s.IRQLine
	return nil
}
