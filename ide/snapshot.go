package ide

import "fmt"

// DriveState is one unit's registers and the PIO transfer in progress. The disk behind
// it is not part of it: the board saves disks its own way.
type DriveState struct {
	Present     bool  // a disk is attached
	Sectors     int64 // its size in sectors
	Status, Err uint8
	Multiple    int
	Heads, SPT  int
	Buf         []byte // the current block of the transfer in progress
	Pos         int    // bytes of Buf already transferred
	Writing     bool
	LBA         int64
	Left        int
	Block       int
}

// State is the channel's state for a snapshot.
type State struct {
	Drive                                        [2]DriveState
	Features, Count, LBALow, LBAMid, LBAHigh, DH uint8
	Control                                      uint8
	IRQPending                                   bool
	IRQLine                                      bool
	Reads, Writes                                uint64 // sectors transferred (statistics)
}

// Save returns the channel's state.
func (c *IDE) Save() State {
	s := State{Features: c.features, Count: c.count, LBALow: c.lbaLow, LBAMid: c.lbaMid,
		LBAHigh: c.lbaHigh, DH: c.dh, Control: c.control, IRQPending: c.irqPending,
		IRQLine: c.irqLine, Reads: c.reads, Writes: c.writes}
	for i := range c.drive {
		d := &c.drive[i]
		s.Drive[i] = DriveState{Present: d.disk != nil, Sectors: d.sectors, Status: d.status,
			Err: d.err, Multiple: d.multiple, Heads: d.heads, SPT: d.spt,
			Buf: append([]byte(nil), d.buf...), Pos: d.pos, Writing: d.writing, LBA: d.lba,
			Left: d.left, Block: d.block}
	}
	return s
}

// Restore makes s the channel's state. The same units must have disks of the same
// sizes as when s was saved.
func (c *IDE) Restore(s State) error {
	for i := range c.drive {
		d, ds := &c.drive[i], &s.Drive[i]
		if (d.disk != nil) != ds.Present {
			return fmt.Errorf("ide state: unit %d: disk present %v, here %v", i, ds.Present, d.disk != nil)
		}
		if ds.Present && ds.Sectors != d.sectors {
			return fmt.Errorf("ide state: unit %d: %d sectors, the disk here has %d", i, ds.Sectors, d.sectors)
		}
		if len(ds.Buf) > MaxMultiple*SectorSize || ds.Pos < 0 || ds.Pos > len(ds.Buf) ||
			ds.Multiple < 0 || ds.Multiple > MaxMultiple || ds.Left < 0 || ds.Block < 0 ||
			ds.Heads < 0 || ds.SPT < 0 || ds.LBA < 0 {
			return fmt.Errorf("ide state: unit %d: transfer state out of range", i)
		}
	}
	for i := range c.drive {
		d, ds := &c.drive[i], &s.Drive[i]
		d.status, d.err, d.multiple, d.heads, d.spt = ds.Status, ds.Err, ds.Multiple, ds.Heads, ds.SPT
		d.buf = append(d.buf[:0], ds.Buf...)
		d.pos, d.writing, d.lba, d.left, d.block = ds.Pos, ds.Writing, ds.LBA, ds.Left, ds.Block
	}
	c.features, c.count, c.lbaLow, c.lbaMid, c.lbaHigh, c.dh = s.Features, s.Count, s.LBALow, s.LBAMid, s.LBAHigh, s.DH
	c.control, c.irqPending, c.irqLine, c.reads, c.writes = s.Control, s.IRQPending, s.IRQLine, s.Reads, s.Writes
	return nil
}
