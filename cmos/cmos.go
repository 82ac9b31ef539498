// Package cmos emulates the Motorola MC146818 real-time clock and its 128 bytes of
// battery-backed RAM, at ports 0x70 (index, bit 7 masks NMI) and 0x71 (data).
package cmos

import "time"

// Ports.
const (
	IndexPort = 0x70
	DataPort  = 0x71
)

// Register indexes.
const (
	Seconds  = 0x00
	SecAlarm = 0x01
	Minutes  = 0x02
	MinAlarm = 0x03
	Hours    = 0x04
	HrAlarm  = 0x05
	Weekday  = 0x06
	Day      = 0x07
	Month    = 0x08
	Year     = 0x09
	RegA     = 0x0A
	RegB     = 0x0B
	RegC     = 0x0C
	RegD     = 0x0D
	Diag     = 0x0E
	Shutdown = 0x0F
	Century  = 0x32
)

// CMOS is the RTC and NVRAM.
type CMOS struct {
	base time.Time
	now  func() int64
	ram  [128]byte
}

// New returns an RTC whose clock reads base at virtual time 0 and advances with now
// (virtual nanoseconds).
func New(base time.Time, now func() int64) *CMOS { return &CMOS{base: base, now: now} }

// In reads port 0x70 or 0x71.
func (c *CMOS) In(port uint16, size int) uint32 { return 0 }

// Out writes port 0x70 or 0x71.
func (c *CMOS) Out(port uint16, size int, v uint32) {}

// Set stores v at NVRAM index (the board fills memory sizes before boot).
func (c *CMOS) Set(index, v byte) {}

// Get returns the byte at index as the guest would read it.
func (c *CMOS) Get(index byte) byte { return 0 }

// SetMemory fills the memory size bytes (0x15-0x18, 0x30-0x31, 0x34-0x35) for ramBytes
// of RAM and updates the checksum at 0x2E-0x2F.
func (c *CMOS) SetMemory(ramBytes int64) {}

// NMIMasked reports whether the guest masked NMI through bit 7 of port 0x70.
func (c *CMOS) NMIMasked() bool { return false }
