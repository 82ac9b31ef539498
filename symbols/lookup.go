package symbols

import (
	"fmt"
	"sort"
)

// Func returns the function holding the code address addr and the function's start.
// Symbols with a size must contain addr; symbols without one (assembly labels such as
// xv6's alltraps and swtch) extend to the next symbol or the end of their section.
func (t *Table) Func(addr uint32) (name string, start uint32, ok bool) {
	s, ok := t.lookup(t.funcs, addr)
	if !ok {
		return "", 0, false
	}
	return s.name, s.addr, true
}

// Data returns the data or bss object holding addr and addr's offset inside it.
func (t *Table) Data(addr uint32) (name string, off uint32, ok bool) {
	s, ok := t.lookup(t.datas, addr)
	if !ok {
		return "", 0, false
	}
	return s.name, addr - s.addr, true
}

// lookup finds the symbol of syms (sorted, one per address) that holds addr.
func (t *Table) lookup(syms []sym, addr uint32) (sym, bool) {
	i := sort.Search(len(syms), func(i int) bool { return syms[i].addr > addr }) - 1
	if i < 0 {
		return sym{}, false
	}
	s := syms[i]
	if s.sized {
		return s, addr-s.addr < s.size
	}
	// An unsized symbol reaches to the next symbol or its section's end.
	if !t.secs[s.sec].contains(addr) {
		return sym{}, false
	}
	return s, true
}

// Addr returns the value of the symbol called name (a global one if there are several).
func (t *Table) Addr(name string) (uint32, bool) {
	a, ok := t.byName[name]
	return a, ok
}

// Describe names addr in one short string: "sys_link+0x3a (kernel/sysfile.c:142)" for
// code, "icache+64" for data, "0x8010a000" when the file knows nothing of addr.
func (t *Table) Describe(addr uint32) string {
	if name, start, ok := t.Func(addr); ok {
		s := name
		if addr != start {
			s += fmt.Sprintf("+%#x", addr-start)
		}
		if file, line, ok := t.Line(addr); ok {
			s += fmt.Sprintf(" (%s:%d)", file, line)
		}
		return s
	}
	if name, off, ok := t.Data(addr); ok {
		if off == 0 {
			return name
		}
		return fmt.Sprintf("%s+%d", name, off)
	}
	return fmt.Sprintf("0x%08x", addr)
}
