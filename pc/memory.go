package pc

import (
	"gemu/ioapic"
	"gemu/lapic"
)

// The physical address map above RAM.
const (
	ioapicBase = ioapic.Base // 0xFEC00000, 4 KB
	lapicBase  = lapic.Base  // 0xFEE00000, 4 KB, each CPU sees its own LAPIC
	mmioSize   = 0x1000
	pageSize   = 0x1000
	maxRAM     = 0xE0000000 // RAM ends below the 512 MB hole for devices
	lowROMTop  = 0x100000   // a -bios ROM ends here ...
	highROMTop = 1 << 32    // ... and here
)

// bus is one CPU's view of physical memory and I/O space (x86.Bus): the same RAM and
// devices for every CPU, except that the LAPIC page reaches this CPU's own LAPIC.
type bus struct {
	m    *Machine
	apic *lapic.LAPIC
}

// rom returns the ROM page containing pa, or nil.
func (m *Machine) romPage(pa uint32) []byte {
	n := uint64(len(m.rom))
	if n == 0 {
		return nil
	}
	a := uint64(pa)
	switch {
	case a >= lowROMTop-n && a < lowROMTop:
		off := a - (lowROMTop - n)
		return m.rom[off : off+pageSize : off+pageSize]
	case a >= highROMTop-n:
		off := a - (highROMTop - n)
		return m.rom[off : off+pageSize : off+pageSize]
	}
	return nil
}

// Page returns RAM (writable) or ROM (read-only) pages for direct access, nil for MMIO
// and unmapped space.
func (b *bus) Page(pa uint32) ([]byte, bool) {
	m := b.m
	pa &^= pageSize - 1
	// The common case first: RAM outside the low ROM alias (romLow is 1 MB without a ROM).
	if pa < m.ramTop && (pa < m.romLow || pa >= lowROMTop) {
		if pa >= m.pfNext {
			m.notePage(pa)
		}
		return m.ram[pa : pa+pageSize : pa+pageSize], true
	}
	if p := m.romPage(pa); p != nil {
		return p, false
	}
	if uint64(pa) < uint64(len(m.ram)) {
		return m.ram[pa : pa+pageSize : pa+pageSize], true
	}
	return nil, false
}

// notePage tells the prefaulter that the guest has reached RAM page pa, at most once
// per prefaultStep of progress up through RAM (prefault.go).
func (m *Machine) notePage(pa uint32) {
	m.pfNext = pa + prefaultStep
	m.ramBlock.pf.note(pa + pageSize)
}

// Read reads MMIO, ROM or (for accesses the CPU did not do directly) RAM; unmapped
// space reads as 0, as on qemu (xv6 run with less RAM than it assumes then ends in
// kalloc's "out of memory" panic, as it does there, rather than in a wild pointer).
func (b *bus) Read(pa uint32, size int) uint32 {
	m := b.m
	switch {
	case pa >= lapicBase && pa < lapicBase+mmioSize:
		return b.apic.Read(pa-lapicBase, size)
	case pa >= ioapicBase && pa < ioapicBase+mmioSize:
		return m.ioapic.Read(pa-ioapicBase, size)
	}
	var v uint32
	for i := 0; i < size; i++ {
		a := pa + uint32(i)
		b, ok := m.readByte(a)
		if !ok {
			m.logf(true, "unassigned memory read at %#x", a)
		}
		v |= uint32(b) << (8 * i)
	}
	return v
}

// Stable says which device reads the CPU may remember (x86.StableReader): the LAPIC's ID
// and version registers, which change only when this CPU writes them.
func (b *bus) Stable(pa uint32, size int) bool {
	return size == 4 && (pa == lapicBase+lapic.ID || pa == lapicBase+lapic.VER)
}

// Write writes MMIO or RAM; writes to ROM and unmapped space are dropped.
func (b *bus) Write(pa uint32, size int, v uint32) {
	m := b.m
	switch {
	case pa >= lapicBase && pa < lapicBase+mmioSize:
		b.apic.Write(pa-lapicBase, size, v)
		return
	case pa >= ioapicBase && pa < ioapicBase+mmioSize:
		m.ioapic.Write(pa-ioapicBase, size, v)
		return
	}
	for i := 0; i < size; i++ {
		a := pa + uint32(i)
		switch {
		case m.romPage(a&^(pageSize-1)) != nil:
			m.logf(true, "write of %#02x to ROM at %#x ignored", byte(v>>(8*i)), a)
		case uint64(a) < uint64(len(m.ram)):
			m.ram[a] = byte(v >> (8 * i))
		default:
			m.logf(true, "unassigned memory write of %#02x at %#x", byte(v>>(8*i)), a)
		}
	}
}

// In reads an I/O port.
func (b *bus) In(port uint16, size int) uint32 { return b.m.in(port, size) }

// Out writes an I/O port.
func (b *bus) Out(port uint16, size int, v uint32) { b.m.out(port, size, v) }

// readByte reads one byte of ROM or RAM; ok is false (and the byte 0) elsewhere.
func (m *Machine) readByte(a uint32) (b byte, ok bool) {
	if p := m.romPage(a &^ (pageSize - 1)); p != nil {
		return p[a&(pageSize-1)], true
	}
	if uint64(a) < uint64(len(m.ram)) {
		return m.ram[a], true
	}
	return 0, false
}

// logf reports guest behaviour through Config.Log (qemu's -d guest_errors and unimp).
func (m *Machine) logf(guestError bool, format string, args ...any) {
	if m.cfg.Log != nil {
		m.cfg.Log(guestError, format, args...)
	}
}
