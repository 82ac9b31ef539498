package pc

import (
	"encoding/binary"
	"strings"
	"testing"

	"gemu/cmos"
	"gemu/ide"
)

// Small machines: what the board puts where with 1 and 2 MB of RAM.
//
//   - Direct boot (a disk, no ROM): everything the board writes lies below 1 MB and is
//     present at both sizes: the interrupt vectors pointing at an IRET at F000:FF53, the BIOS
//     data area (base memory 639 KB, the EBDA at 0x9FC00), the MP floating pointer and table
//     at 0xF5BA0/0xF5BB0, the boot sector at 0x7C00; the VGA text buffer at 0xB8000 is RAM.
//     CMOS reports 640 KB base memory and 0 KB (1 MB) or 1024 KB (2 MB) extended memory.
//   - -bios ROM: the board writes nothing; the ROM shows at the top of the first megabyte
//     (hiding that RAM) and below 4 GB, and runs from the reset vector.
//   - Multiboot: the kernel loads at 1 MB or above, so a 1 MB machine refuses it with an
//     error naming the segment and the RAM size; at 2 MB the memory map ends with 1 MB of
//     RAM from 1 MB and mem_upper is 1024 KB.
func TestSmallMachines(t *testing.T) {
	le := binary.LittleEndian
	for _, mb := range []int{1, 2} {
		m, err := New(Config{MemoryMB: mb, Disks: [2]ide.Disk{bootDisk([]byte{0xF4})}})
		if err != nil {
			t.Fatalf("%d MB: %v", mb, err)
		}
		if len(m.RAM()) != mb<<20 {
			t.Errorf("%d MB: RAM is %d bytes", mb, len(m.RAM()))
		}
		ram := m.RAM()
		off, seg := le.Uint16(ram[0x21*4:]), le.Uint16(ram[0x21*4+2:])
		if seg != 0xF000 || ram[uint32(seg)<<4+uint32(off)] != 0xCF {
			t.Errorf("%d MB: vector 0x21 -> %04x:%04x, not the IRET", mb, seg, off)
		}
		if kb, ebda := le.Uint16(ram[0x413:]), le.Uint16(ram[0x40E:]); kb != 639 || ebda != 0x9FC0 {
			t.Errorf("%d MB: BDA base memory %d KB, EBDA segment %#x", mb, kb, ebda)
		}
		ids, _, _, lapic := xv6MP(t, ram)
		if len(ids) != 1 || lapic != lapicBase {
			t.Errorf("%d MB: MP tables give CPUs %v, LAPIC %#x", mb, ids, lapic)
		}
		if ram[0x7C00] != 0xF4 {
			t.Errorf("%d MB: boot sector not at 0x7C00", mb)
		}
		cm := func(i uint8) int { m.cmos.Out(0x70, 1, uint32(i)); return int(m.cmos.In(0x71, 1)) }
		base, ext := cm(cmos.BaseLo)|cm(cmos.BaseLo+1)<<8, cm(cmos.ExtLo)|cm(cmos.ExtLo+1)<<8
		if base != 640 || ext != (mb-1)*1024 {
			t.Errorf("%d MB: CMOS base %d KB, extended %d KB; want 640 and %d", mb, base, ext, (mb-1)*1024)
		}
		if r := runToEnd(t, m, 1e9); r.Reason != Halted {
			t.Errorf("%d MB: the boot sector's hlt ended with %+v", mb, r)
		}

		// A ROM from the reset vector: pc/testdata/rom.bin checks its low alias, ROM and RAM.
		r, con, post := runFirmware(t, Config{MemoryMB: mb, BIOS: readTestdata(t, "rom.bin")})
		if r.Reason != DebugExit || r.Status != 7 || con != "rom" || post != "\x01\x02\x03" {
			t.Errorf("%d MB ROM: stopped with %+v, port 0xe9 %q, port 0x190 %q", mb, r, con, post)
		}
	}

	k := &Multiboot{Image: readTestdata(t, "mb.elf"), Cmdline: "k"}
	if _, err := New(Config{MemoryMB: 1, Kernel: k}); err == nil || !strings.Contains(err.Error(), "outside RAM (1 MB)") {
		t.Errorf("multiboot kernel on 1 MB: error %v, want one saying it is outside RAM", err)
	}
	r, con, _ := runFirmware(t, Config{MemoryMB: 2, Kernel: k})
	if r.Reason != DebugExit || !strings.HasSuffix(con, "mem=00000400") {
		t.Errorf("multiboot kernel on 2 MB: stopped with %+v, printed %q (want mem_upper 0x400 KB)", r, con)
	}
}
