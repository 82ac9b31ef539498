package gdbstub

import (
	"encoding/binary"
	"fmt"
	"strings"

	"gemu/x86"
)

// Page-table entry bits used by info mem.
const (
	ptePresent = 1 << 0
	pteWrite   = 1 << 1
	pteUser    = 1 << 2
	ptePS      = 1 << 7 // a 4 MB page (with CR4.PSE)
)

// memRange is a run of linear memory with one protection.
type memRange struct {
	start, end uint64
	prot       uint32 // pteUser|pteWrite as the walk combined them
}

// infoMem lists the mapped linear ranges of a CPU's page tables as qemu's `info mem`
// does: start-end size and u/-, r, w/-, contiguous ranges with one protection merged.
func infoMem(ram []byte, c *x86.CPU) string {
	if c.CR0&(1<<31) == 0 {
		return "PG disabled\n"
	}
	read := func(pa uint32) (uint32, bool) {
		if uint64(pa)+4 > uint64(len(ram)) {
			return 0, false
		}
		return binary.LittleEndian.Uint32(ram[pa:]), true
	}
	var out []memRange
	add := func(start, size uint64, prot uint32) {
		if n := len(out); n > 0 && out[n-1].end == start && out[n-1].prot == prot {
			out[n-1].end += size
			return
		}
		out = append(out, memRange{start, start + size, prot})
	}
	pd := c.CR3 &^ 0xfff
	for i := uint32(0); i < 1024; i++ {
		pde, ok := read(pd + 4*i)
		if !ok || pde&ptePresent == 0 {
			continue
		}
		base := uint64(i) << 22
		if pde&ptePS != 0 && c.CR4&(1<<4) != 0 {
			add(base, 1<<22, pde&(pteUser|pteWrite))
			continue
		}
		pt := pde &^ 0xfff
		for j := uint32(0); j < 1024; j++ {
			pte, ok := read(pt + 4*j)
			if !ok || pte&ptePresent == 0 {
				continue
			}
			add(base+uint64(j)<<12, 1<<12, pde&pte&(pteUser|pteWrite))
		}
	}
	var b strings.Builder
	for _, r := range out {
		fmt.Fprintf(&b, "%08x-%08x %08x %c%c%c\n", r.start, r.end, r.end-r.start,
			pick(r.prot&pteUser != 0, 'u'), 'r', pick(r.prot&pteWrite != 0, 'w'))
	}
	return b.String()
}

func pick(on bool, c byte) byte {
	if on {
		return c
	}
	return '-'
}

// infoCPUs lists the CPUs as qemu's `info cpus` does, the selected one starred.
func infoCPUs(cpus []*x86.CPU, sel int) string {
	var b strings.Builder
	for i, c := range cpus {
		mark := ' '
		if i == sel {
			mark = '*'
		}
		state := ""
		switch {
		case c.WaitSIPI:
			state = " (waiting for SIPI)"
		case c.Halted:
			state = " (halted)"
		}
		fmt.Fprintf(&b, "%c CPU #%d: pc=0x%08x%s\n", mark, i, c.Seg[x86.CS].Base+c.EIP, state)
	}
	return b.String()
}
