// Package ide emulates the primary ATA (IDE) channel with a master and a slave disk,
// programmed I/O only, LBA28 and CHS addressing. Every command completes at once.
package ide

import (
	"errors"
	"io"
)

// Port addresses of the primary channel.
const (
	Data      = 0x1F0 // data (16- or 32-bit)
	Error     = 0x1F1 // read: error; write: features
	SecCount  = 0x1F2
	LBALow    = 0x1F3 // sector number
	LBAMid    = 0x1F4 // cylinder low
	LBAHigh   = 0x1F5 // cylinder high
	DriveHead = 0x1F6 // bit 6 LBA, bit 4 DEV, bits 0-3 LBA 27:24 or head
	Status    = 0x1F7 // read: status; write: command
	Control   = 0x3F6 // read: alternate status; write: device control
)

// Status register bits.
const (
	BSY  = 0x80
	DRDY = 0x40
	DF   = 0x20
	DSC  = 0x10
	DRQ  = 0x08
	ERR  = 0x01
)

// Error register bits.
const (
	ABRT = 0x04 // command aborted
	IDNF = 0x10 // sector not found
	UNC  = 0x40 // uncorrectable data error (host I/O failed)
)

// Device control bits.
const (
	NIEN = 0x02 // interrupts disabled
	SRST = 0x04 // software reset
)

// Drive/head register bits.
const (
	DHLBA = 0x40 // LBA addressing
	DHDEV = 0x10 // slave selected
)

// SectorSize is the size of one sector in bytes.
const SectorSize = 512

// MaxMultiple is the largest block size SET MULTIPLE MODE accepts.
const MaxMultiple = 16

// Disk is the storage behind one unit.
type Disk interface {
	io.ReaderAt
	io.WriterAt
	// Size returns the size in bytes (a positive multiple of 512).
	Size() int64
}

// IDE is the primary channel.
type IDE struct {
	// IRQ drives interrupt line 14. Set by the board; nil-safe.
	IRQ func(level bool)

	// HostError, if set, hears of every failed host read or write of a disk image (after
	// the drive's policy decided what the guest sees). Set by the board.
	HostError func(e HostError)

	drive [2]drive

	// The task file: written to both devices, read from the selected one.
	features, count, lbaLow, lbaMid, lbaHigh, dh uint8
	control                                      uint8

	irqPending bool // INTRQ asserted by a completed command, cleared by a status read
	irqLine    bool // the level last given to IRQ

	reads, writes uint64
}

// New returns a channel with no disks attached.
func New() *IDE { return &IDE{} }

// Attach puts d on unit 0 (master) or 1 (slave).
func (c *IDE) Attach(unit int, d Disk) error {
	if unit != 0 && unit != 1 {
		return errors.New("ide: unit must be 0 (master) or 1 (slave)")
	}
	if d == nil {
		return errors.New("ide: nil disk")
	}
	if s := d.Size(); s <= 0 || s%SectorSize != 0 {
		return errors.New("ide: disk size is not a positive multiple of 512")
	}
	c.drive[unit] = newDrive(d)
	return nil
}

// Activity returns the number of sectors read and written so far.
func (c *IDE) Activity() (reads, writes uint64) { return c.reads, c.writes }

// sel returns the selected drive, or nil when no disk is attached there.
func (c *IDE) sel() *drive {
	d := &c.drive[(c.dh>>4)&1]
	if d.disk == nil {
		return nil
	}
	return d
}

// In reads a channel port.
func (c *IDE) In(port uint16, size int) uint32 {
	d := c.sel()
	switch port {
	case Data:
		if d == nil {
			return 0
		}
		return c.readData(d, size)
	case Status, Control:
		if d == nil {
			return 0 // nothing drives the bus: the slave probe sees 0
		}
		if port == Status {
			c.irqPending = false
			c.updateIRQ()
		}
		return uint32(d.status)
	case Error:
		if d == nil {
			return 0
		}
		return uint32(d.err)
	case SecCount:
		return uint32(c.count)
	case LBALow:
		return uint32(c.lbaLow)
	case LBAMid:
		return uint32(c.lbaMid)
	case LBAHigh:
		return uint32(c.lbaHigh)
	case DriveHead:
		return uint32(c.dh | 0xA0)
	}
	return 0xFF
}

// Out writes a channel port.
func (c *IDE) Out(port uint16, size int, v uint32) {
	b := uint8(v)
	switch port {
	case Data:
		if d := c.sel(); d != nil {
			c.writeData(d, size, v)
		}
	case Error:
		c.features = b
	case SecCount:
		c.count = b
	case LBALow:
		c.lbaLow = b
	case LBAMid:
		c.lbaMid = b
	case LBAHigh:
		c.lbaHigh = b
	case DriveHead:
		c.dh = b
	case Status:
		if d := c.sel(); d != nil && d.status&BSY == 0 {
			c.command(d, b)
		}
	case Control:
		c.writeControl(b)
	}
}

// writeControl handles the device control register: nIEN and software reset.
func (c *IDE) writeControl(b uint8) {
	was := c.control
	c.control = b
	if b&SRST != 0 {
		for i := range c.drive {
			c.drive[i].status = BSY
			c.drive[i].endTransfer()
		}
		c.irqPending = false
	} else if was&SRST != 0 {
		c.reset()
	}
	c.updateIRQ()
}

// reset finishes a software reset: devices ready with the ATA signature in the task file.
func (c *IDE) reset() {
	for i := range c.drive {
		d := &c.drive[i]
		d.status = DRDY | DSC
		d.err = 0x01 // diagnostic: no error
		d.multiple = MaxMultiple
	}
	c.count, c.lbaLow, c.lbaMid, c.lbaHigh, c.dh = 1, 1, 0, 0, 0
}

// interrupt asserts INTRQ for a completed command or data block.
func (c *IDE) interrupt() {
	c.irqPending = true
	c.updateIRQ()
}

// updateIRQ drives the IRQ line from INTRQ and nIEN, calling IRQ only on a change.
func (c *IDE) updateIRQ() {
	level := c.irqPending && c.control&NIEN == 0
	if level == c.irqLine {
		return
	}
	c.irqLine = level
	if c.IRQ != nil {
		c.IRQ(level)
	}
}

// readData reads size bytes of the current data block.
func (c *IDE) readData(d *drive, size int) uint32 {
	if size < 1 || size > 4 {
		size = 4
	}
	if d.status&DRQ == 0 || d.writing {
		return 0xFFFFFFFF >> (32 - 8*size)
	}
	var v uint32
	for i := 0; i < size && d.pos < len(d.buf); i++ {
		v |= uint32(d.buf[d.pos]) << (8 * i)
		d.pos++
	}
	if d.pos == len(d.buf) {
		c.blockRead(d)
	}
	return v
}

// writeData stores size bytes into the current data block.
func (c *IDE) writeData(d *drive, size int, v uint32) {
	if d.status&DRQ == 0 || !d.writing {
		return
	}
	for i := 0; i < size && d.pos < len(d.buf); i++ {
		d.buf[d.pos] = uint8(v >> (8 * i))
		d.pos++
	}
	if d.pos == len(d.buf) {
		c.blockWritten(d)
	}
}
