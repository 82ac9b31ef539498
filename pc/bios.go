package pc

import (
	"encoding/binary"
	"fmt"
)

// Where the board's firmware data lives in low memory (the layout qemu with SeaBIOS leaves).
const (
	bdaEBDASeg   = 0x40E   // BIOS data area: EBDA segment (word)
	bdaEquip     = 0x410   // equipment list (word)
	bdaBaseMemKB = 0x413   // base memory size in KB (word)
	bdaVideoMode = 0x449   // current video mode (byte)
	bdaColumns   = 0x44A   // text columns (word)
	bdaCRTCPort  = 0x463   // CRTC base port (word)
	bdaResetVec  = 0x467   // warm-reset vector offset:segment (two words)
	bdaHardDisks = 0x475   // number of hard disks (byte)
	ebdaSeg      = 0x9FC0  // the EBDA is the last KB of base memory
	baseMemKB    = 639     // base memory below the EBDA
	mpFloatAddr  = 0xF5BA0 // MP floating pointer structure
	mpTableAddr  = 0xF5BB0 // MP configuration table
	iretStub     = 0xFFF53 // an IRET that every real-mode vector points at (F000:FF53)
	resetJump    = 0xFFFF0 // F000:FFF0: a far jump to the boot sector (direct boot)

	lapicVersion = 0x14 // the local APIC version the MP table reports
	ioapicVer    = 0x11 // the I/O APIC version the MP table reports
)

// MP table entry types and sizes (Intel MultiProcessor Specification 1.4).
const (
	mpProc    = 0 // processor, 20 bytes
	mpBus     = 1 // bus, 8 bytes
	mpIOAPIC  = 2 // I/O APIC, 8 bytes
	mpIOIntr  = 3 // I/O interrupt assignment, 8 bytes
	mpLocIntr = 4 // local interrupt assignment, 8 bytes
)

// writeBDA fills the BIOS data area as a BIOS would have left it after POST, and points
// every real-mode interrupt vector at an IRET so that a stray BIOS call returns.
func writeBDA(ram []byte, disks int) {
	le := binary.LittleEndian
	for v := 0; v < 256; v++ {
		le.PutUint16(ram[v*4:], iretStub&0xFFFF)
		le.PutUint16(ram[v*4+2:], 0xF000)
	}
	ram[iretStub] = 0xCF // iret
	le.PutUint16(ram[bdaEBDASeg:], ebdaSeg)
	le.PutUint16(ram[bdaEquip:], 0x0020) // initial video mode 80x25 colour
	le.PutUint16(ram[bdaBaseMemKB:], baseMemKB)
	ram[bdaVideoMode] = 3
	le.PutUint16(ram[bdaColumns:], 80)
	le.PutUint16(ram[bdaCRTCPort:], 0x3D4)
	le.PutUint32(ram[bdaResetVec:], 0)
	ram[bdaHardDisks] = byte(disks)
	ram[ebdaSeg<<4] = 1 // EBDA size in KB
}

// writeMPTables writes the MP floating pointer and configuration table for ncpu
// processors (APIC IDs 0..ncpu-1, CPU 0 the bootstrap processor) and one I/O APIC with
// the given ID, with ISA IRQs 0-15 routed to the I/O APIC's pins as qemu routes them.
func writeMPTables(ram []byte, ncpu int, ioapicID uint8, ioapicAddr uint32) error {
	if ncpu < 1 || ncpu > 255 {
		return fmt.Errorf("mp table: %d processors", ncpu)
	}
	le := binary.LittleEndian
	var t []byte
	t = append(t, "PCMP"...)
	t = append(t, 0, 0) // length, filled below
	t = append(t, 4)    // spec revision 1.4
	t = append(t, 0)    // checksum, filled below
	t = append(t, "GEMU    "...)
	t = append(t, "PC          "...)
	t = le.AppendUint32(t, 0) // no OEM table
	t = le.AppendUint16(t, 0)
	t = le.AppendUint16(t, 0) // entry count, filled below
	t = le.AppendUint32(t, 0xFEE00000)
	t = le.AppendUint16(t, 0) // no extended table
	t = append(t, 0, 0)
	entries := 0
	for i := 0; i < ncpu; i++ {
		flags := byte(1) // enabled
		if i == 0 {
			flags |= 2 // bootstrap processor
		}
		t = append(t, mpProc, byte(i), lapicVersion, flags)
		t = le.AppendUint32(t, 0x0633) // family 6, model 3, stepping 3
		t = le.AppendUint32(t, 0x0201) // FPU, APIC present
		t = append(t, make([]byte, 8)...)
		entries++
	}
	t = append(t, mpBus, 0, 'I', 'S', 'A', ' ', ' ', ' ')
	entries++
	t = append(t, mpIOAPIC, ioapicID, ioapicVer, 1)
	t = le.AppendUint32(t, ioapicAddr)
	entries++
	// ISA IRQ n reaches I/O APIC pin n, except the timer (IRQ 0) on pin 2; pin 0 is the
	// 8259's INTR (ExtINT).
	ioint := func(kind byte, irq, pin byte) {
		t = append(t, mpIOIntr, kind, 0, 0, 0, irq, ioapicID, pin)
		entries++
	}
	ioint(3, 0, 0) // ExtINT
	ioint(0, 0, 2)
	for irq := byte(1); irq < 16; irq++ {
		if irq != 2 {
			ioint(0, irq, irq)
		}
	}
	// LINT0 of every local APIC is the 8259's ExtINT, LINT1 is NMI.
	t = append(t, mpLocIntr, 3, 0, 0, 0, 0, 0xFF, 0)
	t = append(t, mpLocIntr, 1, 0, 0, 0, 0, 0xFF, 1)
	entries += 2

	le.PutUint16(t[4:], uint16(len(t)))
	le.PutUint16(t[34:], uint16(entries))
	t[7] = -sum(t)
	if mpTableAddr+len(t) > 0x100000 {
		return fmt.Errorf("mp table: %d bytes do not fit below 1 MB", len(t))
	}
	copy(ram[mpTableAddr:], t)

	fp := make([]byte, 16)
	copy(fp, "_MP_")
	le.PutUint32(fp[4:], mpTableAddr)
	fp[8] = 1  // length in 16-byte units
	fp[9] = 4  // spec revision 1.4
	fp[11] = 0 // a configuration table is present
	fp[12] = 0 // virtual-wire mode: no IMCR
	fp[10] = -sum(fp)
	copy(ram[mpFloatAddr:], fp)
	return nil
}

// sum adds bytes modulo 256: MP structures sum to 0.
func sum(b []byte) byte {
	var s byte
	for _, x := range b {
		s += x
	}
	return s
}
