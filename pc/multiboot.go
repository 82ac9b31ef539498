package pc

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"

	"gemu/x86"
)

// Multiboot is a kernel for the multiboot (version 1) loader (-kernel).
type Multiboot struct {
	Image   []byte   // the kernel file: ELF, or any format with the a.out-kludge address fields
	Cmdline string   // -append
	Modules []Module // -initrd, in order
}

// Module is one multiboot module.
type Module struct {
	Data    []byte
	Cmdline string // the module's string (qemu: the file name and its arguments)
}

// Multiboot header and boot-state constants (Multiboot Specification 0.6.96).
const (
	mbMagic        = 0x1BADB002 // in the kernel's header
	mbBootMagic    = 0x2BADB002 // in EAX at entry
	mbSearch       = 8192       // the header lies in the file's first 8 KB, 4-byte aligned
	mbPageAlign    = 1 << 0     // header flag: align modules on 4 KB
	mbAddrFields   = 1 << 16    // header flag: a.out kludge address fields are valid
	mbInfoMem      = 1 << 0     // info flag: mem_lower, mem_upper
	mbInfoBootDev  = 1 << 1
	mbInfoCmdline  = 1 << 2
	mbInfoMods     = 1 << 3
	mbInfoMmap     = 1 << 6
	mbInfoLoader   = 1 << 9
	mbGDT          = 0x500 // where the loader leaves a flat GDT (null, code 0x08, data 0x10)
	mbLowestLoad   = 0x1000
	mbInfoSize     = 88
	mbModEntrySize = 16
)

// mbHeader is a parsed multiboot header.
type mbHeader struct {
	offset                                       int // in the file
	flags                                        uint32
	headerAddr, loadAddr, loadEnd, bssEnd, entry uint32
}

// findMultiboot finds and checks the multiboot header of img.
func findMultiboot(img []byte) (mbHeader, error) {
	le := binary.LittleEndian
	for off := 0; off+12 <= len(img) && off < mbSearch; off += 4 {
		if le.Uint32(img[off:]) != mbMagic {
			continue
		}
		h := mbHeader{offset: off, flags: le.Uint32(img[off+4:])}
		if mbMagic+h.flags+le.Uint32(img[off+8:]) != 0 {
			return h, fmt.Errorf("multiboot header at %#x: bad checksum", off)
		}
		if h.flags&mbAddrFields != 0 {
			if off+32 > len(img) {
				return h, fmt.Errorf("multiboot header at %#x: truncated address fields", off)
			}
			h.headerAddr = le.Uint32(img[off+12:])
			h.loadAddr = le.Uint32(img[off+16:])
			h.loadEnd = le.Uint32(img[off+20:])
			h.bssEnd = le.Uint32(img[off+24:])
			h.entry = le.Uint32(img[off+28:])
		}
		return h, nil
	}
	return mbHeader{}, errors.New("no multiboot header in the first 8 KB")
}

// loadMultiboot loads a multiboot kernel and its modules, writes the information
// block, and starts CPU 0 at the entry point in flat 32-bit protected mode.
func (m *Machine) loadMultiboot(k *Multiboot) error {
	h, err := findMultiboot(k.Image)
	if err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	var entry, top uint32
	if h.flags&mbAddrFields != 0 {
		entry, top, err = m.loadKludge(k.Image, h)
	} else {
		entry, top, err = m.loadELF(k.Image)
	}
	if err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	info, err := m.writeMultibootInfo(k, alignUp(top, pageSize))
	if err != nil {
		return err
	}
	m.startFlat(entry, info)
	return nil
}

// place checks that [addr, addr+n) lies in RAM.
func (m *Machine) place(addr, n uint32, what string) error {
	if uint64(addr)+uint64(n) > uint64(len(m.ram)) || addr < mbLowestLoad {
		return fmt.Errorf("%s at %#x-%#x is outside RAM (%d MB)", what, addr, uint64(addr)+uint64(n), len(m.ram)>>20)
	}
	return nil
}

// loadKludge loads an image by the header's address fields.
func (m *Machine) loadKludge(img []byte, h mbHeader) (entry, top uint32, err error) {
	if h.headerAddr < h.loadAddr || int64(h.headerAddr-h.loadAddr) > int64(h.offset) {
		return 0, 0, fmt.Errorf("a.out kludge: header_addr %#x and load_addr %#x do not match the header's offset %#x", h.headerAddr, h.loadAddr, h.offset)
	}
	start := h.offset - int(h.headerAddr-h.loadAddr)
	n := uint32(len(img) - start)
	if h.loadEnd != 0 {
		if h.loadEnd < h.loadAddr || h.loadEnd-h.loadAddr > n {
			return 0, 0, fmt.Errorf("a.out kludge: load_end_addr %#x is outside the file", h.loadEnd)
		}
		n = h.loadEnd - h.loadAddr
	}
	end := h.loadAddr + n
	if h.bssEnd != 0 {
		if h.bssEnd < end {
			return 0, 0, fmt.Errorf("a.out kludge: bss_end_addr %#x below the end of the image %#x", h.bssEnd, end)
		}
		end = h.bssEnd
	}
	if err := m.place(h.loadAddr, end-h.loadAddr, "a.out kludge image"); err != nil {
		return 0, 0, err
	}
	copy(m.ram[h.loadAddr:], img[start:start+int(n)])
	clear(m.ram[h.loadAddr+n : end])
	return h.entry, end, nil
}

// loadELF loads the PT_LOAD segments of a 32-bit ELF at their physical addresses.
func (m *Machine) loadELF(img []byte) (entry, top uint32, err error) {
	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		return 0, 0, fmt.Errorf("not ELF and no a.out kludge in the multiboot header: %w", err)
	}
	if f.Class != elf.ELFCLASS32 || f.Machine != elf.EM_386 {
		return 0, 0, fmt.Errorf("ELF %v %v: want 32-bit i386", f.Class, f.Machine)
	}
	entry = uint32(f.Entry)
	entryPhys, found := entry, false
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Memsz == 0 {
			continue
		}
		if p.Filesz > p.Memsz || p.Memsz > 1<<32 || p.Paddr > 1<<32 {
			return 0, 0, fmt.Errorf("bad program header at %#x", p.Paddr)
		}
		pa, n := uint32(p.Paddr), uint32(p.Memsz)
		if err := m.place(pa, n, "ELF segment"); err != nil {
			return 0, 0, err
		}
		seg := m.ram[pa : pa+n]
		if _, err := p.ReadAt(seg[:p.Filesz], 0); err != nil {
			return 0, 0, fmt.Errorf("ELF segment at %#x: %w", pa, err)
		}
		clear(seg[p.Filesz:])
		top = max(top, pa+n)
		// An entry given as a virtual address inside this segment runs at its physical copy.
		if !found && uint64(entry) >= p.Vaddr && uint64(entry) < p.Vaddr+p.Memsz {
			entryPhys, found = pa+(entry-uint32(p.Vaddr)), true
		}
		if uint64(entry) >= p.Paddr && uint64(entry) < p.Paddr+p.Memsz {
			entryPhys, found = entry, true
		}
	}
	if top == 0 {
		return 0, 0, errors.New("ELF has nothing to load")
	}
	return entryPhys, top, nil
}

// writeMultibootInfo places the modules from addr upwards, then the information block
// with the command lines and a memory map, and returns the block's address.
func (m *Machine) writeMultibootInfo(k *Multiboot, addr uint32) (uint32, error) {
	le := binary.LittleEndian
	type mod struct{ start, end, str uint32 }
	var mods []mod
	for i, md := range k.Modules {
		addr = alignUp(addr, pageSize)
		if err := m.place(addr, uint32(len(md.Data)), fmt.Sprintf("module %d", i)); err != nil {
			return 0, err
		}
		copy(m.ram[addr:], md.Data)
		mods = append(mods, mod{start: addr, end: addr + uint32(len(md.Data))})
		addr += uint32(len(md.Data))
	}
	// The block: the info structure, the module list, the memory map, then the strings.
	var mmap []byte
	region := func(base, n uint64, kind uint32) {
		mmap = le.AppendUint32(mmap, 20)
		mmap = le.AppendUint64(mmap, base)
		mmap = le.AppendUint64(mmap, n)
		mmap = le.AppendUint32(mmap, kind)
	}
	ram := uint64(len(m.ram))
	region(0, ebdaSeg<<4, 1)
	region(ebdaSeg<<4, 0xA0000-ebdaSeg<<4, 2)
	region(0xF0000, 0x10000, 2)
	if ram > 0x100000 { // a 1 MB machine has nothing above 1 MB to describe
		region(0x100000, ram-0x100000, 1)
	}

	info := alignUp(addr, pageSize)
	modList := info + mbInfoSize
	mmapAddr := modList + uint32(len(mods))*mbModEntrySize
	strs := mmapAddr + uint32(len(mmap))
	var strBuf []byte
	addStr := func(s string) uint32 {
		a := strs + uint32(len(strBuf))
		strBuf = append(strBuf, s...)
		strBuf = append(strBuf, 0)
		return a
	}
	cmdline := addStr(k.Cmdline)
	loader := addStr("gemu")
	for i := range mods {
		mods[i].str = addStr(k.Modules[i].Cmdline)
	}
	total := strs + uint32(len(strBuf)) - info
	if err := m.place(info, total, "multiboot information"); err != nil {
		return 0, err
	}
	b := m.ram[info : info+total]
	clear(b)
	flags := uint32(mbInfoMem | mbInfoBootDev | mbInfoCmdline | mbInfoMods | mbInfoMmap | mbInfoLoader)
	le.PutUint32(b[0:], flags)
	le.PutUint32(b[4:], 640)                        // mem_lower, KB
	le.PutUint32(b[8:], uint32((ram-0x100000)>>10)) // mem_upper, KB from 1 MB
	le.PutUint32(b[12:], 0x8000FFFF)                // boot_device: first hard disk, whole disk
	le.PutUint32(b[16:], cmdline)
	le.PutUint32(b[20:], uint32(len(mods)))
	le.PutUint32(b[24:], modList)
	le.PutUint32(b[44:], uint32(len(mmap)))
	le.PutUint32(b[48:], mmapAddr)
	le.PutUint32(b[64:], loader)
	for i, md := range mods {
		e := b[mbInfoSize+i*mbModEntrySize:]
		le.PutUint32(e[0:], md.start)
		le.PutUint32(e[4:], md.end)
		le.PutUint32(e[8:], md.str)
	}
	copy(b[mmapAddr-info:], mmap)
	copy(b[strs-info:], strBuf)
	return info, nil
}

// startFlat starts CPU 0 at entry in flat 32-bit protected mode, paging off,
// interrupts off, EAX = the multiboot magic and EBX = the information block.
func (m *Machine) startFlat(entry, info uint32) {
	le := binary.LittleEndian
	gdt := m.ram[mbGDT : mbGDT+24]
	clear(gdt)
	le.PutUint64(gdt[8:], 0x00CF9A000000FFFF)  // 0x08: code, base 0, 4 GB, 32-bit
	le.PutUint64(gdt[16:], 0x00CF92000000FFFF) // 0x10: data, base 0, 4 GB
	c := m.cpus[0]
	c.GDTR = x86.DTR{Base: mbGDT, Limit: 23}
	c.CR0 |= 1
	flat := func(sel, access uint16) x86.Segment {
		return x86.Segment{Sel: sel, Base: 0, Limit: 0xFFFFFFFF, Attr: access | 0xC000}
	}
	c.Seg[x86.CS] = flat(0x08, 0x9B)
	for _, s := range []int{x86.DS, x86.ES, x86.SS, x86.FS, x86.GS} {
		c.Seg[s] = flat(0x10, 0x93)
	}
	c.SetFlags(0x2)
	c.EIP = entry
	c.Reg[x86.EAX] = mbBootMagic
	c.Reg[x86.EBX] = info
	c.Reg[x86.ESP] = 0x7C00
}

func alignUp(v, a uint32) uint32 { return (v + a - 1) &^ (a - 1) }
