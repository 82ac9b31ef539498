package pc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"gemu/ide"
	"gemu/x86"
)

// memDisk is an in-memory disk image.
type memDisk []byte

func (d memDisk) ReadAt(p []byte, off int64) (int, error)  { return copy(p, d[off:]), nil }
func (d memDisk) WriteAt(p []byte, off int64) (int, error) { return copy(d[off:], p), nil }
func (d memDisk) Size() int64                              { return int64(len(d)) }

// bootDisk returns a disk whose boot sector is code followed by the signature.
func bootDisk(code []byte) memDisk {
	d := make(memDisk, 64*512)
	copy(d, code)
	d[510], d[511] = 0x55, 0xAA
	return d
}

func newTestMachine(t *testing.T, cpus int) *Machine {
	t.Helper()
	m, err := New(Config{CPUs: cpus, MemoryMB: 32, Disks: [2]ide.Disk{bootDisk([]byte{0xF4})}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// xv6MP finds and checks the MP tables the way xv6's mp.c does, returning the
// processors' APIC IDs, which of them is the BSP, the I/O APIC ID and the LAPIC address.
func xv6MP(t *testing.T, ram []byte) (apicIDs []int, bsp []bool, ioapicID int, lapicAddr uint32) {
	t.Helper()
	le := binary.LittleEndian
	search := func(a, n int) int {
		for p := a; p+16 <= a+n; p += 16 {
			if string(ram[p:p+4]) == "_MP_" && sum(ram[p:p+16]) == 0 {
				return p
			}
		}
		return -1
	}
	fp := -1
	if seg := int(le.Uint16(ram[0x40E:])); seg != 0 {
		fp = search(seg<<4, 1024)
	} else {
		fp = search(int(le.Uint16(ram[0x413:]))*1024-1024, 1024)
	}
	if fp < 0 {
		fp = search(0xF0000, 0x10000)
	}
	if fp < 0 {
		t.Fatal("no MP floating pointer where xv6 looks")
	}
	if ram[fp+8] != 1 {
		t.Errorf("floating pointer length %d, want 1", ram[fp+8])
	}
	if ram[fp+12] != 0 {
		t.Errorf("imcrp = %#x, want 0", ram[fp+12])
	}
	conf := int(le.Uint32(ram[fp+4:]))
	if conf == 0 {
		t.Fatal("floating pointer physaddr is 0")
	}
	if string(ram[conf:conf+4]) != "PCMP" {
		t.Fatalf("no PCMP at %#x", conf)
	}
	if v := ram[conf+6]; v != 1 && v != 4 {
		t.Errorf("MP version %d, want 1 or 4", v)
	}
	length := int(le.Uint16(ram[conf+4:]))
	if sum(ram[conf:conf+length]) != 0 {
		t.Error("MP configuration table checksum is not 0")
	}
	lapicAddr = le.Uint32(ram[conf+36:])
	ioapicID = -1
	count := int(le.Uint16(ram[conf+34:]))
	p, n := conf+44, 0
	for p < conf+length {
		switch ram[p] {
		case 0:
			apicIDs = append(apicIDs, int(ram[p+1]))
			bsp = append(bsp, ram[p+3]&2 != 0)
			if ram[p+3]&1 == 0 {
				t.Errorf("processor %d not enabled", ram[p+1])
			}
			p += 20
		case 2:
			ioapicID = int(ram[p+1])
			if a := le.Uint32(ram[p+4:]); a != 0xFEC00000 {
				t.Errorf("I/O APIC address %#x", a)
			}
			p += 8
		case 1, 3, 4:
			p += 8
		default:
			t.Fatalf("MP entry of unknown type %d at %#x: xv6 would loop forever", ram[p], p)
		}
		n++
	}
	if p != conf+length {
		t.Errorf("entries end at %#x, table at %#x", p, conf+length)
	}
	if n != count {
		t.Errorf("entry count %d, table says %d", n, count)
	}
	return
}

func TestMPTablesAsXv6ReadsThem(t *testing.T) {
	for _, ncpu := range []int{1, 2, 4, 8} {
		m := newTestMachine(t, ncpu)
		ids, bsp, ioID, lapicAddr := xv6MP(t, m.ram)
		if len(ids) != ncpu {
			t.Fatalf("-smp %d: %d processor entries", ncpu, len(ids))
		}
		for i, id := range ids {
			if id != i {
				t.Errorf("-smp %d: processor entry %d has APIC ID %d", ncpu, i, id)
			}
			if got := int(m.apics[i].APICID()); got != id {
				t.Errorf("-smp %d: CPU %d LAPIC ID %d, MP table says %d", ncpu, i, got, id)
			}
			if bsp[i] != (i == 0) {
				t.Errorf("-smp %d: processor %d BSP flag %v", ncpu, i, bsp[i])
			}
		}
		if lapicAddr != 0xFEE00000 {
			t.Errorf("lapicaddr %#x", lapicAddr)
		}
		// The I/O APIC's own ID register, read through CPU 0's bus as ioapicinit does.
		b := &bus{m: m, apic: m.apics[0]}
		b.Write(0xFEC00000, 4, 0)
		reg := b.Read(0xFEC00010, 4)
		if int(reg>>24&0xF) != ioID {
			t.Errorf("-smp %d: I/O APIC ID register %d, MP table says %d", ncpu, reg>>24&0xF, ioID)
		}
		if ioID < ncpu {
			t.Errorf("-smp %d: I/O APIC ID %d collides with a processor's", ncpu, ioID)
		}
	}
}

func TestBIOSDataArea(t *testing.T) {
	m := newTestMachine(t, 2)
	le := binary.LittleEndian
	if seg := le.Uint16(m.ram[0x40E:]); seg != 0x9FC0 {
		t.Errorf("EBDA segment %#x", seg)
	}
	if kb := le.Uint16(m.ram[0x413:]); kb != 639 {
		t.Errorf("base memory %d KB", kb)
	}
	// Every real-mode vector points at an IRET.
	for v := 0; v < 256; v++ {
		off, seg := le.Uint16(m.ram[v*4:]), le.Uint16(m.ram[v*4+2:])
		if m.ram[uint32(seg)<<4+uint32(off)] != 0xCF {
			t.Fatalf("vector %#x points at %04x:%04x, not an iret", v, seg, off)
		}
	}
}

func TestDirectBoot(t *testing.T) {
	code := []byte{0xFA, 0x31, 0xC0, 0xF4} // cli; xor ax,ax; hlt
	m, err := New(Config{CPUs: 4, MemoryMB: 32, Disks: [2]ide.Disk{bootDisk(code)}})
	if err != nil {
		t.Fatal(err)
	}
	if string(m.ram[0x7C00:0x7C04]) != string(code) || m.ram[0x7DFE] != 0x55 || m.ram[0x7DFF] != 0xAA {
		t.Error("boot sector not at 0x7C00")
	}
	c := m.cpus[0]
	if c.Seg[x86.CS].Sel != 0xF000 || c.EIP != 0xFFF0 {
		t.Errorf("CPU 0 starts at %04x:%04x, want f000:fff0", c.Seg[x86.CS].Sel, c.EIP)
	}
	if why := c.Run(1); why != x86.StopBudget {
		t.Fatalf("first instruction: %v", why)
	}
	if c.EIP != 0x7C00 || c.Seg[x86.CS].Sel != 0 || c.Seg[x86.CS].Base != 0 || c.Reg[x86.EDX]&0xFF != 0x80 {
		t.Errorf("CPU 0 at %04x:%08x (base %#x) DL=%#x, want 0000:7c00 DL=0x80",
			c.Seg[x86.CS].Sel, c.EIP, c.Seg[x86.CS].Base, c.Reg[x86.EDX]&0xFF)
	}
	if c.CR0&1 != 0 {
		t.Error("CPU 0 not in real mode")
	}
	if c.WaitSIPI {
		t.Error("CPU 0 waits for SIPI")
	}
	for i, ap := range m.cpus[1:] {
		if !ap.WaitSIPI {
			t.Errorf("CPU %d does not wait for SIPI", i+1)
		}
	}
}

func TestBadConfigs(t *testing.T) {
	good := bootDisk(nil)
	noSig := make(memDisk, 4096)
	odd := make(memDisk, 1000)
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Disks: [2]ide.Disk{noSig}}, "boot signature"},
		{Config{}, "no boot disk"},
		{Config{Disks: [2]ide.Disk{odd}}, "multiple of 512"},
		{Config{Disks: [2]ide.Disk{good, odd}}, "disk 1"},
		{Config{CPUs: 9, Disks: [2]ide.Disk{good}}, "CPUs"},
		{Config{CPUs: -1, Disks: [2]ide.Disk{good}}, "CPUs"},
		{Config{MemoryMB: -1, Disks: [2]ide.Disk{good}}, "memory"},
		{Config{MemoryMB: MaxMemoryMB + 1, Disks: [2]ide.Disk{good}}, "memory"},
		{Config{BIOS: make([]byte, 1000)}, "bios"},
		{Config{Kernel: &Multiboot{Image: []byte("hello")}}, "multiboot"},
	} {
		if tc.cfg.MemoryMB == 0 {
			tc.cfg.MemoryMB = 32
		}
		_, err := New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := New(Config{MemoryMB: 32}); !errors.Is(err, ErrNoBootDisk) {
		t.Errorf("no disk: %v", err)
	}
}

func TestPortMapHasThePlatformPorts(t *testing.T) {
	m := newTestMachine(t, 1)
	for _, p := range []struct {
		port uint16
		name string
	}{
		{0x21, "PIC"}, {0xA1, "PIC"}, {0x60, "8042"}, {0x64, "8042"}, {0x70, "CMOS"}, {0x71, "CMOS"},
		{0x3D4, "CRTC"}, {0x3D5, "CRTC"}, {0x3F8, "COM1"}, {0x3FD, "COM1"}, {0x1F0, "IDE"},
		{0x1F7, "IDE"}, {0x3F6, "IDE"}, {0x8A00, "Bochs"}, {0x604, "power-off"}, {0x511, "fw_cfg"},
	} {
		i := m.portIdx[p.port]
		if i == 0 {
			t.Errorf("port %#x not decoded", p.port)
			continue
		}
		if !strings.Contains(m.portTab[i-1].name, p.name) {
			t.Errorf("port %#x goes to %q, want %s", p.port, m.portTab[i-1].name, p.name)
		}
	}
	if got := m.in(0x1234, 2); got != 0xFFFF {
		t.Errorf("unmapped port reads %#x", got)
	}
	b := &bus{m: m, apic: m.apics[0]}
	if got := b.Read(0xF0000000, 4); got != 0 {
		t.Errorf("unmapped memory reads %#x", got)
	}
	if p, _ := b.Page(0xB8000); p == nil {
		t.Error("VGA text memory is not a RAM page")
	}
	if p, _ := b.Page(0xFEE00000); p != nil {
		t.Error("LAPIC page is mapped as RAM")
	}
}

// resetROM is a 64 KB ROM whose reset vector runs code.
func resetROM(code []byte) []byte {
	rom := bytes.Repeat([]byte{0xF4}, 64<<10)
	copy(rom[0xFFF0:], code)
	return rom
}

// A port device's range must lie in the 64 KB I/O space: isa-debug-exit at 0xFFFF with 4
// ports used to wrap to 0xFFFF-0x0002 and decode nothing. One that ends at 0xFFFF works.
func TestPortRangesStayInIOSpace(t *testing.T) {
	for _, tc := range []struct {
		port uint16
		size int
		want string
	}{
		{0xFFFF, 4, "ports 0xffff-0x10002 leave the I/O port space"},
		{0xFFFE, 4, "ports 0xfffe-0x10001 leave"},
		{0xF4, 3, "iosize 3"},
	} {
		_, err := New(Config{BIOS: resetROM(nil), ExitPort: tc.port, ExitSize: tc.size})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("isa-debug-exit %#x/%d: error %v, want one naming %q", tc.port, tc.size, err, tc.want)
		}
	}
	// mov dx, 0xffff; mov al, 5; out dx, al
	m, err := New(Config{BIOS: resetROM([]byte{0xBA, 0xFF, 0xFF, 0xB0, 0x05, 0xEE, 0xF4}), ExitPort: 0xFFFC, ExitSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.PortMap(), "fffc-ffff isa-debug-exit") {
		t.Errorf("port map lacks fffc-ffff isa-debug-exit:\n%s", m.PortMap())
	}
	if r := runToEnd(t, m, 1e6); r.Reason != DebugExit || r.Status != 11 {
		t.Errorf("stopped with %+v, want isa-debug-exit status 11", r)
	}
}
