package cmos

import (
	"testing"
	"time"
)

var base = time.Date(2026, 11, 25, 23, 59, 58, 0, time.UTC)

type clock struct{ t int64 }

func (c *clock) now() int64 { return c.t }

func read(c *CMOS, reg uint8) uint8 {
	c.Out(IndexPort, 1, uint32(reg))
	return uint8(c.In(DataPort, 1))
}

func write(c *CMOS, reg, v uint8) {
	c.Out(IndexPort, 1, uint32(reg))
	c.Out(DataPort, 1, uint32(v))
}

// rtcdate is xv6's struct rtcdate.
type rtcdate struct{ second, minute, hour, day, month, year int }

// cmostime is xv6's lapic.c cmostime: wait out UIP, read twice until stable, convert BCD.
func cmostime(c *CMOS) rtcdate {
	sb := read(c, RegB)
	bcd := sb&BDM == 0
	fill := func() rtcdate {
		return rtcdate{int(read(c, Seconds)), int(read(c, Minutes)), int(read(c, Hours)),
			int(read(c, Day)), int(read(c, Month)), int(read(c, Year))}
	}
	var t1 rtcdate
	for {
		for read(c, RegA)&AUIP != 0 {
		}
		t1 = fill()
		if t2 := fill(); t1 == t2 {
			break
		}
	}
	if bcd {
		conv := func(x *int) { *x = (*x>>4)*10 + *x&0xF }
		conv(&t1.second)
		conv(&t1.minute)
		conv(&t1.hour)
		conv(&t1.day)
		conv(&t1.month)
		conv(&t1.year)
	}
	t1.year += 2000
	return t1
}

func TestXV6CmosTime(t *testing.T) {
	clk := &clock{}
	c := New(base, clk.now)
	if got, want := cmostime(c), (rtcdate{58, 59, 23, 25, 11, 2026}); got != want {
		t.Errorf("at 0: %+v, want %+v", got, want)
	}
	clk.t = int64(3 * time.Second) // across midnight, virtual time only
	if got, want := cmostime(c), (rtcdate{1, 0, 0, 26, 11, 2026}); got != want {
		t.Errorf("at 3 s: %+v, want %+v", got, want)
	}
	if got := read(c, Seconds); got != 0x01 {
		t.Errorf("BCD seconds %#x", got)
	}
	if got := read(c, Century); got != 0x20 {
		t.Errorf("century %#x, want 0x20", got)
	}
	if got := read(c, Weekday); got != 5 { // Thursday
		t.Errorf("weekday %d, want 5", got)
	}
}

func TestModes(t *testing.T) {
	clk := &clock{t: int64(14 * time.Hour)} // 13:59:58 on the 26th
	c := New(base, clk.now)
	for _, m := range []struct {
		regB           uint8
		hour, min, sec uint8
	}{
		{B24, 0x13, 0x59, 0x58},
		{B24 | BDM, 13, 59, 58},
		{0, 0x81, 0x59, 0x58}, // 12-hour BCD: 1 PM
		{BDM, 0x81, 59, 58},   // 12-hour binary
		{BSET | B24, 0x13, 0x59, 0x58},
	} {
		write(c, RegB, m.regB)
		if h, mi, s := read(c, Hours), read(c, Minutes), read(c, Seconds); h != m.hour || mi != m.min || s != m.sec {
			t.Errorf("reg B %#x: %#x:%#x:%#x, want %#x:%#x:%#x", m.regB, h, mi, s, m.hour, m.min, m.sec)
		}
		if got := read(c, RegB); got != m.regB {
			t.Errorf("reg B reads %#x, want %#x", got, m.regB)
		}
	}
}

func TestSetClock(t *testing.T) {
	clk := &clock{}
	c := New(base, clk.now)
	write(c, RegB, BSET|B24)
	write(c, Hours, 0x08)
	write(c, Minutes, 0x30)
	write(c, Year, 0x27)
	write(c, RegB, B24)
	clk.t = int64(10 * time.Second)
	if got, want := cmostime(c), (rtcdate{8, 31, 8, 25, 11, 2027}); got != want {
		t.Errorf("after setting: %+v, want %+v", got, want)
	}
	write(c, RegB, 0) // 12-hour: set 11 PM
	write(c, Hours, 0x91)
	if got := read(c, Hours); got != 0x91 {
		t.Errorf("12-hour hours %#x, want 0x91", got)
	}
}

func TestStatusAndShutdown(t *testing.T) {
	c := New(base, (&clock{}).now)
	for _, r := range []struct {
		reg, want uint8
	}{{RegA, 0x26}, {RegB, 0x02}, {RegC, 0}, {RegD, 0x80}, {Shutdown, 0}} {
		if got := read(c, r.reg); got != r.want {
			t.Errorf("reg %#x = %#x, want %#x", r.reg, got, r.want)
		}
	}
	// xv6 startothers: shutdown code 0x0A (warm reset through 0x467).
	c.Out(IndexPort, 1, Shutdown)
	c.Out(DataPort, 1, 0x0A)
	if got := c.Get(Shutdown); got != 0x0A {
		t.Errorf("shutdown byte %#x, want 0x0A", got)
	}
	write(c, RegD, 0)
	write(c, RegA, 0xA6) // UIP is read-only
	if read(c, RegD) != 0x80 || read(c, RegA) != 0x26 {
		t.Error("read-only bits changed")
	}
	c.Out(IndexPort, 1, 0x80|0x40)
	if !c.NMIMasked() {
		t.Error("bit 7 of port 0x70 did not mask NMI")
	}
	c.Out(DataPort, 1, 0x5A)
	if c.Get(0x40) != 0x5A || c.In(IndexPort, 1) != 0xFF {
		t.Error("NVRAM write through a masked index lost")
	}
	c.Out(IndexPort, 1, 0x40)
	if c.NMIMasked() {
		t.Error("NMI still masked")
	}
}

func TestSetMemory(t *testing.T) {
	for _, m := range []struct {
		ram             int64
		base, ext, high uint16
	}{
		{512 << 20, 640, 0xFFFF, 7936},
		{32 << 20, 640, 31 << 10, 256},
		{512 << 10, 512, 0, 0},
	} {
		c := New(base, (&clock{}).now)
		c.Set(0x10, 0x40) // a floppy type byte, part of the checksum
		c.SetMemory(m.ram)
		word := func(lo uint8) uint16 { return uint16(c.Get(lo)) | uint16(c.Get(lo+1))<<8 }
		if word(BaseLo) != m.base || word(ExtLo) != m.ext || word(Ext2Lo) != m.ext || word(High16Lo) != m.high {
			t.Errorf("%d bytes: base %d ext %d/%d high %d, want %d %d %d", m.ram,
				word(BaseLo), word(ExtLo), word(Ext2Lo), word(High16Lo), m.base, m.ext, m.high)
		}
		var sum uint16
		for i := 0x10; i < 0x2E; i++ {
			sum += uint16(c.Get(byte(i)))
		}
		if got := uint16(c.Get(SumHi))<<8 | uint16(c.Get(SumLo)); got != sum {
			t.Errorf("%d bytes: checksum %#x, want %#x", m.ram, got, sum)
		}
	}
}
