package symbols

import (
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Table is what one 32-bit ELF file says about its addresses: symbols, source lines,
// types and global variables. It is read-only once built, so safe for concurrent use.
type Table struct {
	funcs  []sym             // text symbols, sorted by address, one per address
	datas  []sym             // data and bss objects, sorted by address, one per address
	byName map[string]uint32 // every named symbol; globals win over locals
	secs   []section         // the allocated sections, for bounds checks

	lines     []lineRow // DWARF line rows of all sequences, sorted by address
	lineBytes uint64    // size of .debug_line plus one, while loading: a bound on rows
	files     []string  // file names the rows index

	structs  map[string]*dwarf.StructType // complete struct and union types by tag name
	enums    map[string]*dwarf.EnumType   // enum types by tag name
	typedefs map[string]dwarf.Type        // typedef names, for Sizeof
	vars     []variable                   // global and static variables, sorted by address
	varByNm  map[string]int               // index into vars, first definition of a name
	inlines  map[uint32][]inlineRange     // inlined code by the start of the function holding it
}

// sym is one symbol of the ELF symbol table.
type sym struct {
	name   string
	addr   uint32
	size   uint32
	sec    int  // index into Table.secs
	sized  bool // size > 0: the symbol's extent is known
	global bool
	fn     bool // STT_FUNC
}

// section is one allocated ELF section.
type section struct {
	addr, size uint32
	exec       bool
}

// contains reports whether addr lies inside the section.
func (s section) contains(addr uint32) bool { return addr >= s.addr && addr-s.addr < s.size }

// Open reads the ELF file at path.
func Open(path string) (*Table, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("symbols: %w", err)
	}
	t, err := Read(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Read builds a Table from the bytes of an ELF file.
func Read(data []byte) (*Table, error) { return ReadFrom(bytes.NewReader(data)) }

// ReadFrom builds a Table from an ELF file read through r.
func ReadFrom(r io.ReaderAt) (t *Table, err error) {
	// debug/elf and debug/dwarf check what they read, but they make no promise never
	// to panic on a hostile file; a bad guest file must not bring the emulator down.
	defer func() {
		if p := recover(); p != nil {
			t, err = nil, fmt.Errorf("symbols: malformed ELF or DWARF: %v", p)
		}
	}()
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("symbols: reading ELF: %w", err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS32 {
		return nil, fmt.Errorf("symbols: %v file, want a 32-bit ELF", f.Class)
	}
	t = &Table{
		byName:   make(map[string]uint32),
		structs:  make(map[string]*dwarf.StructType),
		enums:    make(map[string]*dwarf.EnumType),
		typedefs: make(map[string]dwarf.Type),
		varByNm:  make(map[string]int),
	}
	if err := t.loadSymbols(f); err != nil {
		return nil, err
	}
	if err := t.loadDWARF(f); err != nil {
		return nil, err
	}
	return t, nil
}

// loadSymbols reads .symtab into funcs, datas and byName.
func (t *Table) loadSymbols(f *elf.File) error {
	secIndex := make(map[int]int) // ELF section index -> index into t.secs
	for i, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Addr > 0xffffffff || s.Size > 0xffffffff {
			continue
		}
		secIndex[i] = len(t.secs)
		t.secs = append(t.secs, section{
			addr: uint32(s.Addr), size: uint32(s.Size),
			exec: s.Flags&elf.SHF_EXECINSTR != 0,
		})
	}
	syms, err := f.Symbols()
	if errors.Is(err, elf.ErrNoSymbols) {
		return nil // a stripped file: no names, Describe gives hex
	}
	if err != nil {
		return fmt.Errorf("symbols: reading the symbol table: %w", err)
	}
	globals := make(map[string]bool) // names byName holds a global definition of
	for _, s := range syms {
		typ := elf.ST_TYPE(s.Info)
		if s.Name == "" || typ == elf.STT_SECTION || typ == elf.STT_FILE || strings.HasPrefix(s.Name, ".L") {
			continue
		}
		global := elf.ST_BIND(s.Info) != elf.STB_LOCAL
		if _, seen := t.byName[s.Name]; !seen || (global && !globals[s.Name]) {
			t.byName[s.Name] = uint32(s.Value)
		}
		if global {
			globals[s.Name] = true
		}
		si, ok := secIndex[int(s.Section)]
		if !ok || s.Value > 0xffffffff || s.Size > 0xffffffff {
			continue // absolute, undefined or common: no place in memory to describe
		}
		y := sym{
			name: s.Name, addr: uint32(s.Value), size: uint32(s.Size), sec: si,
			sized: s.Size > 0, global: global, fn: typ == elf.STT_FUNC,
		}
		switch {
		case t.secs[si].exec && (typ == elf.STT_FUNC || typ == elf.STT_NOTYPE):
			t.funcs = append(t.funcs, y)
		case !t.secs[si].exec && (typ == elf.STT_OBJECT || typ == elf.STT_NOTYPE):
			t.datas = append(t.datas, y)
		}
	}
	t.funcs = bestPerAddress(t.funcs)
	t.datas = bestPerAddress(t.datas)
	return nil
}

// bestPerAddress sorts syms by address and keeps, of several symbols at one address,
// the most telling one: a function over a label, sized over unsized, global over local.
func bestPerAddress(syms []sym) []sym {
	rank := func(s sym) int {
		r := 0
		if s.fn {
			r += 4
		}
		if s.sized {
			r += 2
		}
		if s.global {
			r++
		}
		return r
	}
	sort.SliceStable(syms, func(i, j int) bool {
		if syms[i].addr != syms[j].addr {
			return syms[i].addr < syms[j].addr
		}
		return rank(syms[i]) > rank(syms[j])
	})
	out := syms[:0]
	for _, s := range syms {
		if len(out) > 0 && s.addr == out[len(out)-1].addr {
			continue
		}
		out = append(out, s)
	}
	return out
}
