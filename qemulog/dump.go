package qemulog

import (
	"fmt"
	"io"

	"gemu/x86"
)

// EFLAGS bits the dump shows as letters, in qemu's order (D O S Z A P C).
var flagLetters = []struct {
	bit    uint32
	letter byte
}{
	{1 << 10, 'D'}, {1 << 11, 'O'}, {1 << 7, 'S'}, {1 << 6, 'Z'}, {1 << 4, 'A'}, {1 << 2, 'P'}, {1 << 0, 'C'},
}

// sysTypeNames names the system descriptor types (S=0), by type field.
var sysTypeNames = [16]string{
	"Reserved", "TSS16-avl", "LDT", "TSS16-busy", "CallGate16", "TaskGate", "IntGate16", "TrapGate16",
	"Reserved", "TSS32-avl", "Reserved", "TSS32-busy", "CallGate32", "Reserved", "IntGate32", "TrapGate32",
}

// descFlags rebuilds the second descriptor word as qemu shows it (without the base bits):
// access byte in bits 8-15, limit bits 16-19, AVL/L/D/G in bits 20-23.
func descFlags(s x86.Segment) uint32 {
	raw := s.Limit
	if s.Attr&(1<<15) != 0 { // G: the limit counts 4 KB pages
		raw >>= 12
	}
	return uint32(s.Attr&0xff)<<8 | (raw>>16&0xf)<<16 | uint32(s.Attr>>12&0xf)<<20
}

// dumpSeg writes one segment line: name, selector, base, limit, flags and, for a present
// segment in protected mode, its DPL and type.
func dumpSeg(w io.Writer, name string, s x86.Segment, protected bool) {
	fmt.Fprintf(w, "%-3s=%04x %08x %08x %08x", name, s.Sel, s.Base, s.Limit, descFlags(s))
	if protected && s.Attr&0x80 != 0 {
		fmt.Fprintf(w, " DPL=%d ", s.Attr>>5&3)
		typ := s.Attr & 0xf
		switch {
		case s.Attr&0x10 == 0:
			io.WriteString(w, sysTypeNames[typ])
		case typ&8 != 0: // code
			kind := "CS16"
			if s.Attr&(1<<14) != 0 {
				kind = "CS32"
			}
			fmt.Fprintf(w, "%s [%c%c%c]", kind, pick(typ&4 != 0, 'C'), pick(typ&2 != 0, 'R'), pick(typ&1 != 0, 'A'))
		default: // data
			kind := "DS16"
			if s.Attr&(1<<14) != 0 {
				kind = "DS  "
			}
			fmt.Fprintf(w, "%s [%c%c%c]", kind, pick(typ&4 != 0, 'E'), pick(typ&2 != 0, 'W'), pick(typ&1 != 0, 'A'))
		}
	}
	io.WriteString(w, "\n")
}

func pick(on bool, c byte) byte {
	if on {
		return c
	}
	return '-'
}

// segNames are the segment registers in the dump's order (ES CS SS DS FS GS: the encoding order).
var segNames = [6]string{"ES", "CS", "SS", "DS", "FS", "GS"}

// DumpCPU writes the register dump qemu prints for -d cpu and -d int (and the monitor's
// `info registers`): general registers, EIP, EFLAGS with letters, CPL, segments with their
// descriptor caches, descriptor tables, control and debug registers.
func DumpCPU(w io.Writer, c *x86.CPU) {
	r := &c.Reg
	fmt.Fprintf(w, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", r[x86.EAX], r[x86.EBX], r[x86.ECX], r[x86.EDX])
	fmt.Fprintf(w, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", r[x86.ESI], r[x86.EDI], r[x86.EBP], r[x86.ESP])
	fl := c.Flags()
	letters := make([]byte, len(flagLetters))
	for i, f := range flagLetters {
		letters[i] = pick(fl&f.bit != 0, f.letter)
	}
	halted := 0
	if c.Halted {
		halted = 1
	}
	fmt.Fprintf(w, "EIP=%08x EFL=%08x [%s] CPL=%d II=0 A20=1 SMM=0 HLT=%d\n", c.EIP, fl, letters, c.CPL(), halted)
	protected := c.CR0&1 != 0
	for i, n := range segNames {
		dumpSeg(w, n, c.Seg[i], protected)
	}
	dumpSeg(w, "LDT", c.LDTR, protected)
	dumpSeg(w, "TR", c.TR, protected)
	fmt.Fprintf(w, "GDT=     %08x %08x\n", c.GDTR.Base, uint32(c.GDTR.Limit))
	fmt.Fprintf(w, "IDT=     %08x %08x\n", c.IDTR.Base, uint32(c.IDTR.Limit))
	fmt.Fprintf(w, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", c.CR0, c.CR2, c.CR3, c.CR4)
	fmt.Fprintf(w, "DR0=%08x DR1=%08x DR2=%08x DR3=%08x \n", c.DR[0], c.DR[1], c.DR[2], c.DR[3])
	fmt.Fprintf(w, "DR6=%08x DR7=%08x\n", c.DR[6], c.DR[7])
	fmt.Fprintf(w, "EFER=%016x\n", 0)
}
