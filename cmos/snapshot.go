package cmos

import "time"

// State is the RTC's and NVRAM's state for a snapshot. The clock is kept as the time it
// read at virtual time 0 plus the guest's settings, so it goes on from where it was when
// the board's virtual clock is restored too.
type State struct {
	BaseUnixNano int64         // the clock at virtual time 0, ns since the Unix epoch (UTC)
	Offset       time.Duration // guest clock settings relative to it
	Index        uint8
	NMIOff       bool
	RAM          [128]byte
}

// Save returns the RTC's state.
func (c *CMOS) Save() State {
	return State{BaseUnixNano: c.base.UnixNano(), Offset: c.offset, Index: c.index, NMIOff: c.nmiOff, RAM: c.ram}
}

// Restore makes s the RTC's state.
func (c *CMOS) Restore(s State) error {
	c.base = time.Unix(0, s.BaseUnixNano).UTC()
	c.offset, c.index, c.nmiOff, c.ram = s.Offset, s.Index&0x7F, s.NMIOff, s.RAM
	return nil
}
