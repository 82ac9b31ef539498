// Package ide emulates the primary ATA (IDE) channel with a master and a slave disk,
// programmed I/O only, LBA28 and CHS addressing. Every command completes at once.
package ide

import "io"

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
}

// New returns a channel with no disks attached.
func New() *IDE { return &IDE{} }

// Attach puts d on unit 0 (master) or 1 (slave).
func (c *IDE) Attach(unit int, d Disk) error { return nil }

// In reads a channel port.
func (c *IDE) In(port uint16, size int) uint32 { return 0 }

// Out writes a channel port.
func (c *IDE) Out(port uint16, size int, v uint32) {}

// Activity returns the number of sectors read and written so far.
func (c *IDE) Activity() (reads, writes uint64) { return 0, 0 }
