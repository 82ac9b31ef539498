// Package cmos emulates the Motorola MC146818 real-time clock and its 128 bytes of
// battery-backed RAM, at ports 0x70 (index, bit 7 masks NMI) and 0x71 (data). The clock
// reads a base date plus virtual time; it raises no interrupts (register C reads 0).
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
	BaseLo   = 0x15 // base memory in KB
	BaseHi   = 0x16
	ExtLo    = 0x17 // extended memory (above 1 MB) in KB, at most 65535
	ExtHi    = 0x18
	SumHi    = 0x2E // checksum of 0x10-0x2D, big-endian
	SumLo    = 0x2F
	Ext2Lo   = 0x30 // extended memory again (POST copy)
	Ext2Hi   = 0x31
	Century  = 0x32
	High16Lo = 0x34 // memory above 16 MB in 64 KB units
	High16Hi = 0x35
)

// Register bits.
const (
	AUIP    = 0x80 // register A: update in progress (never set here)
	BSET    = 0x80 // register B: updates halted for setting the clock
	BDM     = 0x04 // register B: binary (else BCD) data mode
	B24     = 0x02 // register B: 24-hour mode
	DVRT    = 0x80 // register D: RAM and time valid
	PMBit   = 0x80 // hours register in 12-hour mode: PM
	NMIMask = 0x80 // index port: NMI disabled
)

// CMOS is the RTC and NVRAM.
type CMOS struct {
	base   time.Time
	now    func() int64
	offset time.Duration // guest clock settings, relative to base + virtual time
	index  uint8
	nmiOff bool
	ram    [128]byte
}

// New returns an RTC whose clock reads base at virtual time 0 and advances with now
// (virtual nanoseconds).
func New(base time.Time, now func() int64) *CMOS {
	c := &CMOS{base: base, now: now}
	c.ram[RegA] = 0x26 // 32.768 kHz time base, 1024 Hz rate
	c.ram[RegB] = B24
	c.ram[RegD] = DVRT
	return c
}

// clock returns the time the RTC shows.
func (c *CMOS) clock() time.Time {
	return c.base.Add(time.Duration(c.now()) + c.offset)
}

// In reads port 0x70 or 0x71.
func (c *CMOS) In(port uint16, size int) uint32 {
	switch port {
	case IndexPort:
		return 0xFF // write-only on the PC
	case DataPort:
		return uint32(c.Get(c.index))
	}
	return 0xFF
}

// Out writes port 0x70 or 0x71.
func (c *CMOS) Out(port uint16, size int, v uint32) {
	switch port {
	case IndexPort:
		c.index = uint8(v) & 0x7F
		c.nmiOff = v&NMIMask != 0
	case DataPort:
		c.write(c.index, uint8(v))
	}
}

// NMIMasked reports whether the guest masked NMI through bit 7 of port 0x70.
func (c *CMOS) NMIMasked() bool { return c.nmiOff }

// Set stores v at index (the board fills memory sizes before boot).
func (c *CMOS) Set(index, v byte) { c.ram[index&0x7F] = v }

// Get returns the byte at index as the guest would read it.
func (c *CMOS) Get(index byte) byte {
	index &= 0x7F
	switch index {
	case Seconds, Minutes, Hours, Weekday, Day, Month, Year, Century:
		return c.timeField(index, c.clock())
	case RegA:
		return c.ram[RegA] &^ AUIP
	case RegC:
		return 0 // no interrupt flags: the RTC raises no interrupts here
	case RegD:
		return DVRT
	}
	return c.ram[index]
}

// write handles a guest write to index.
func (c *CMOS) write(index, v uint8) {
	switch index {
	case Seconds, Minutes, Hours, Weekday, Day, Month, Year, Century:
		c.setTimeField(index, v)
	case RegA:
		c.ram[RegA] = v &^ AUIP
	case RegC, RegD:
		// read-only
	default:
		c.ram[index] = v
	}
}

// timeField encodes one clock register from t in the current data and hour modes.
func (c *CMOS) timeField(index uint8, t time.Time) uint8 {
	var n int
	switch index {
	case Seconds:
		n = t.Second()
	case Minutes:
		n = t.Minute()
	case Hours:
		h := t.Hour()
		if c.ram[RegB]&B24 != 0 {
			n = h
			break
		}
		n = h % 12
		if n == 0 {
			n = 12
		}
		return c.encode(n) | pm(h)
	case Weekday:
		n = int(t.Weekday()) + 1
	case Day:
		n = t.Day()
	case Month:
		n = int(t.Month())
	case Year:
		n = t.Year() % 100
	case Century:
		n = t.Year() / 100
	}
	return c.encode(n)
}

func pm(hour int) uint8 {
	if hour >= 12 {
		return PMBit
	}
	return 0
}

// encode writes n in BCD unless register B selects binary.
func (c *CMOS) encode(n int) uint8 {
	if c.ram[RegB]&BDM != 0 {
		return uint8(n)
	}
	return uint8(n/10<<4 | n%10)
}

// decode reads v in BCD unless register B selects binary.
func (c *CMOS) decode(v uint8) int {
	if c.ram[RegB]&BDM != 0 {
		return int(v)
	}
	return int(v>>4)*10 + int(v&0x0F)
}

// setTimeField sets one clock field; the clock runs on from the new value.
func (c *CMOS) setTimeField(index, v uint8) {
	t := c.clock()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	switch index {
	case Seconds:
		s = c.decode(v)
	case Minutes:
		mi = c.decode(v)
	case Hours:
		if c.ram[RegB]&B24 != 0 {
			h = c.decode(v)
		} else {
			h = c.decode(v&^PMBit) % 12
			if v&PMBit != 0 {
				h += 12
			}
		}
	case Weekday:
		return // derived from the date
	case Day:
		d = c.decode(v)
	case Month:
		mo = time.Month(c.decode(v))
	case Year:
		y = y/100*100 + c.decode(v)
	case Century:
		y = c.decode(v)*100 + y%100
	}
	want := time.Date(y, mo, d, h, mi, s, t.Nanosecond(), t.Location())
	c.offset += want.Sub(t)
}

// SetMemory fills the memory size bytes (0x15-0x18, 0x30-0x31, 0x34-0x35) for ramBytes
// of RAM and updates the checksum at 0x2E-0x2F.
func (c *CMOS) SetMemory(ramBytes int64) {
	const kb, mb = 1024, 1024 * 1024
	base := min(ramBytes/kb, 640)
	ext := min(max(ramBytes-mb, 0)/kb, 0xFFFF)
	high := min(max(ramBytes-16*mb, 0)/(64*kb), 0xFFFF)
	for _, f := range []struct {
		lo uint8
		v  int64
	}{{BaseLo, base}, {ExtLo, ext}, {Ext2Lo, ext}, {High16Lo, high}} {
		c.ram[f.lo] = uint8(f.v)
		c.ram[f.lo+1] = uint8(f.v >> 8)
	}
	c.Checksum()
}

// Checksum stores the sum of bytes 0x10-0x2D at 0x2E (high) and 0x2F (low).
func (c *CMOS) Checksum() {
	var sum uint16
	for _, b := range c.ram[0x10:0x2E] {
		sum += uint16(b)
	}
	c.ram[SumHi] = uint8(sum >> 8)
	c.ram[SumLo] = uint8(sum)
}
