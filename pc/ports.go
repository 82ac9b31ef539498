package pc

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// portDevice is anything on the I/O bus.
type portDevice interface {
	In(port uint16, size int) uint32
	Out(port uint16, size int, v uint32)
}

// portRange maps the ports first..last to a device.
type portRange struct {
	first, last uint16
	name        string
	dev         portDevice
}

// portMap is the board's I/O map: one line per decoded range, so a reader can find the
// chip behind any port here. Later entries win where ranges overlap (debug devices given
// on the command line).
func (m *Machine) portMap() []portRange {
	t := []portRange{
		{0x0020, 0x0021, "8259 PIC master", m.pic},
		{0x00A0, 0x00A1, "8259 PIC slave", m.pic},
		{0x04D0, 0x04D1, "8259 PIC edge/level control", m.pic},
		{0x0060, 0x0060, "8042 keyboard controller data", m.kbd},
		{0x0064, 0x0064, "8042 keyboard controller status/command", m.kbd},
		{0x0070, 0x0071, "CMOS RTC index/data", m.cmos},
		{0x0080, 0x0080, "POST code (a delay port; ignored)", nullPort{}},
		{0x0092, 0x0092, "system control port A (fast A20, reset)", &sysControl{m: m}},
		{0x01F0, 0x01F7, "IDE primary channel", m.ide},
		{0x03F6, 0x03F6, "IDE primary device control/alternate status", m.ide},
		{0x03B4, 0x03B5, "VGA CRTC (mono alias)", m.vga},
		{0x03BA, 0x03BA, "VGA input status (mono alias)", m.vga},
		{0x03C0, 0x03CF, "VGA attribute/sequencer/graphics/DAC", m.vga},
		{0x03D4, 0x03D5, "VGA CRTC index/data (cursor)", m.vga},
		{0x03DA, 0x03DA, "VGA input status 1", m.vga},
		{0x03F8, 0x03FF, "COM1 16550 UART", m.com1},
		{0x0510, 0x0511, "fw_cfg selector/data", &fwCfg{m: m}},
		{0x0604, 0x0605, "ACPI PM1a control (qemu power-off)", &acpiPM{m: m}},
		{0xB004, 0xB005, "ACPI PM1a control (old Bochs/qemu power-off)", &acpiPM{m: m}},
		{0x8900, 0x8900, "Bochs shutdown string port", &bochsShutdown{m: m}},
		{0x8A00, 0x8A00, "Bochs APM control (0x8A00 then 0x8AE0 = shutdown)", &bochsShutdown{m: m}},
	}
	for _, d := range m.debugOut {
		t = append(t, portRange{d.port, d.port, "debug console " + d.name, d})
	}
	if m.debugExit != nil {
		e := m.debugExit
		t = append(t, portRange{e.port, e.port + uint16(e.size) - 1, "isa-debug-exit", e})
	}
	return t
}

// checkPortDevices checks the port devices the configuration adds: each range must lie in
// the 64 KB I/O space (a range past 0xFFFF would wrap to port 0). An isa-debug-exit width of
// 0 becomes 1.
func checkPortDevices(cfg *Config) error {
	if cfg.ExitPort == 0 {
		return nil
	}
	if cfg.ExitSize == 0 {
		cfg.ExitSize = 1
	}
	if s := cfg.ExitSize; s != 1 && s != 2 && s != 4 {
		return fmt.Errorf("isa-debug-exit: iosize %d: must be 1, 2 or 4", s)
	}
	if last := uint32(cfg.ExitPort) + uint32(cfg.ExitSize) - 1; last > 0xFFFF {
		return fmt.Errorf("isa-debug-exit: ports %#x-%#x leave the I/O port space (0-0xffff)", cfg.ExitPort, last)
	}
	return nil
}

// buildPorts turns the port map into the dispatch index.
func (m *Machine) buildPorts() {
	m.portTab = m.portMap()
	for i, r := range m.portTab {
		for p := uint32(r.first); p <= uint32(r.last); p++ {
			m.portIdx[p] = uint8(i + 1)
		}
	}
}

// PortMap describes the board's I/O map, one "first-last name" line per range.
func (m *Machine) PortMap() string {
	var b strings.Builder
	t := append([]portRange(nil), m.portTab...)
	sort.SliceStable(t, func(i, j int) bool { return t[i].first < t[j].first })
	for _, r := range t {
		fmt.Fprintf(&b, "%04x-%04x %s\n", r.first, r.last, r.name)
	}
	return b.String()
}

// ones is what a read of nothing returns: all data lines pulled high.
func ones(size int) uint32 {
	if size >= 4 {
		return 0xFFFFFFFF
	}
	return 1<<(8*size) - 1
}

func (m *Machine) in(port uint16, size int) uint32 {
	if i := m.portIdx[port]; i != 0 {
		return m.portTab[i-1].dev.In(port, size)
	}
	m.logf(true, "unassigned io read of %d bytes at port %#x", size, port)
	return ones(size)
}

func (m *Machine) out(port uint16, size int, v uint32) {
	if i := m.portIdx[port]; i != 0 {
		m.portTab[i-1].dev.Out(port, size, v)
		return
	}
	m.logf(true, "unassigned io write of %#x (%d bytes) at port %#x", v, size, port)
}

// nullPort reads as all ones and ignores writes.
type nullPort struct{}

func (nullPort) In(port uint16, size int) uint32     { return ones(size) }
func (nullPort) Out(port uint16, size int, v uint32) {}

// sysControl is port 0x92: bit 1 is the A20 gate (always on here), bit 0 pulses reset.
type sysControl struct {
	m   *Machine
	val byte
}

func (s *sysControl) In(port uint16, size int) uint32 { return uint32(s.val | 2) }

func (s *sysControl) Out(port uint16, size int, v uint32) {
	s.val = byte(v) &^ 1
	if v&1 != 0 {
		s.m.guestReset("port 0x92 reset")
	}
}

// acpiPM is qemu's PM1a control register: writing SLP_EN (bit 13) powers off.
type acpiPM struct{ m *Machine }

func (a *acpiPM) In(port uint16, size int) uint32 { return 0 }

func (a *acpiPM) Out(port uint16, size int, v uint32) {
	if port&1 == 0 && size >= 2 && v&0x2000 != 0 {
		a.m.stop(Result{Reason: PowerOff, Message: fmt.Sprintf("guest powered off (port %#x)", port)})
	}
}

// bochsShutdown is Bochs' shutdown interface: the string "Shutdown" written to 0x8900,
// or 0x8A00 followed by 0x8AE0 written to 0x8A00.
type bochsShutdown struct {
	m       *Machine
	armed   bool
	matched int
}

func (b *bochsShutdown) In(port uint16, size int) uint32 { return ones(size) }

func (b *bochsShutdown) Out(port uint16, size int, v uint32) {
	if port == 0x8900 {
		const word = "Shutdown"
		switch {
		case byte(v) == word[b.matched]:
			b.matched++
		case byte(v) == word[0]:
			b.matched = 1
		default:
			b.matched = 0
		}
		if b.matched == len(word) {
			b.m.stop(Result{Reason: PowerOff, Message: "guest shut down (port 0x8900)"})
		}
		return
	}
	switch v & 0xFFFF {
	case 0x8A00:
		b.armed = true
	case 0x8AE0:
		if b.armed {
			b.m.stop(Result{Reason: PowerOff, Message: "guest shut down (port 0x8a00)"})
		}
	default:
		b.armed = false
	}
}

// debugPort is a Bochs/qemu debug console: bytes written go to a writer.
type debugPort struct {
	m    *Machine
	port uint16
	name string
	w    io.Writer
	buf  []byte
	last int // last byte written, -1 if none
}

func (d *debugPort) In(port uint16, size int) uint32 { return 0xE9 }

func (d *debugPort) Out(port uint16, size int, v uint32) {
	d.buf = append(d.buf, byte(v))
	d.last = int(byte(v))
}

// flush writes buffered bytes to the destination.
func (d *debugPort) flush() error {
	if len(d.buf) == 0 {
		return nil
	}
	_, err := d.w.Write(d.buf)
	d.buf = d.buf[:0]
	if err != nil {
		return fmt.Errorf("debug console %s: %w", d.name, err)
	}
	return nil
}

// debugExit is qemu's isa-debug-exit: a write of v ends the emulator with status (v<<1)|1.
type debugExit struct {
	m    *Machine
	port uint16
	size int
	last int64 // last value written, -1 if none
}

func (e *debugExit) In(port uint16, size int) uint32 { return ones(size) }

func (e *debugExit) Out(port uint16, size int, v uint32) {
	v &= ones(size)
	e.last = int64(v)
	e.m.stop(Result{Reason: DebugExit, Status: int((v<<1)|1) & 0xFF,
		Message: fmt.Sprintf("guest wrote %#x to isa-debug-exit port %#x", v, port)})
}

// fwCfg is qemu's firmware configuration interface (the legacy I/O ports): a 16-bit
// selector at 0x510 and a byte-wide data port at 0x511.
type fwCfg struct {
	m   *Machine
	key uint16
	off int
}

func (f *fwCfg) item() []byte {
	le := func(v uint64, n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(v >> (8 * i))
		}
		return b
	}
	switch f.key {
	case 0x00: // signature
		return []byte("QEMU")
	case 0x01: // ID: traditional interface only
		return le(1, 4)
	case 0x03: // RAM size
		return le(uint64(len(f.m.ram)), 8)
	case 0x05, 0x0F: // number of CPUs, maximum CPUs
		return le(uint64(len(f.m.cpus)), 2)
	}
	return nil
}

func (f *fwCfg) In(port uint16, size int) uint32 {
	if port != 0x511 {
		return 0
	}
	var v uint32
	it := f.item()
	for i := 0; i < size; i++ {
		var b byte
		if f.off < len(it) {
			b = it[f.off]
		}
		f.off++
		v |= uint32(b) << (8 * i)
	}
	return v
}

func (f *fwCfg) Out(port uint16, size int, v uint32) {
	if port == 0x510 {
		f.key = uint16(v)
		f.off = 0
	}
}
