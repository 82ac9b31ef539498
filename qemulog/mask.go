// Package qemulog writes qemu's -d debug logs (in_asm, exec, cpu, int, guest_errors, unimp)
// for x86 CPUs, in qemu's line formats, so that what OS students know from qemu (chasing a
// triple fault with `-d int`) works unchanged. It costs nothing when off: the CPU hooks it
// would install stay nil.
package qemulog

import (
	"fmt"
	"sort"
	"strings"
)

// Mask is a set of log items.
type Mask uint32

// Log items, named as qemu's -d names them.
const (
	InAsm       Mask = 1 << iota // in_asm: each block of guest code, disassembled the first time it runs
	Exec        Mask = 1 << iota // exec: a Trace line for every block executed
	CPU         Mask = 1 << iota // cpu: a register dump before every block executed
	Int         Mask = 1 << iota // int: every interrupt and exception in protected mode, with a register dump
	GuestErrors Mask = 1 << iota // guest_errors: invalid guest actions the board or devices notice
	Unimp       Mask = 1 << iota // unimp: guest use of features the emulator does not implement
	CPUReset    Mask = 1 << iota // cpu_reset: the CPU state when the log attaches (power-on)
	NoChain     Mask = 1 << iota // nochain: accepted; blocks are never chained here anyway
)

// items maps qemu's item names to masks, with what each logs here.
var items = []struct {
	name string
	mask Mask
	help string
}{
	{"in_asm", InAsm, "disassemble each block of guest code the first time it runs"},
	{"exec", Exec, "one Trace line for every block executed (large)"},
	{"cpu", CPU, "the registers before every block executed (very large)"},
	{"int", Int, "every interrupt and exception in protected mode, with the registers"},
	{"guest_errors", GuestErrors, "guest accesses to ports or memory nothing answers, ROM writes"},
	{"unimp", Unimp, "device features the emulator lacks, when the guest uses them"},
	{"cpu_reset", CPUReset, "the registers of each CPU at power-on"},
	{"nochain", NoChain, "accepted for qemu command lines; blocks are never chained here"},
}

// Parse parses a comma-separated list of item names as qemu's -d takes it. An unknown
// item is an error that names it and lists the known ones.
func Parse(list string) (Mask, error) {
	var m Mask
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		found := false
		for _, it := range items {
			if it.name == name {
				m |= it.mask
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("-d: unknown log item %q (known: %s)", name, strings.Join(Names(), ", "))
		}
	}
	return m, nil
}

// Names returns the known item names, sorted.
func Names() []string {
	var n []string
	for _, it := range items {
		n = append(n, it.name)
	}
	sort.Strings(n)
	return n
}

// Help returns qemu's `-d help` text: one line per item.
func Help() string {
	var b strings.Builder
	b.WriteString("Log items (comma separated):\n")
	for _, it := range items {
		fmt.Fprintf(&b, "%-15s %s\n", it.name, it.help)
	}
	return b.String()
}

// String returns the item names in the mask, comma-separated.
func (m Mask) String() string {
	var n []string
	for _, it := range items {
		if m&it.mask != 0 {
			n = append(n, it.name)
		}
	}
	return strings.Join(n, ",")
}
