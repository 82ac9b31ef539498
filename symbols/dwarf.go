package symbols

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// lineRow is one row of a DWARF line table: from addr on, code comes from
// files[file]:line, until the next row. An end row closes its sequence.
type lineRow struct {
	addr uint32
	file int32
	line int32
	end  bool
}

// variable is a global or static variable that DWARF places at a fixed address.
type variable struct {
	name string
	addr uint32
	size uint32
	typ  dwarf.Type
}

// loadDWARF reads the line tables, types and variables, when the file has DWARF.
func (t *Table) loadDWARF(f *elf.File) error {
	if f.Section(".debug_info") == nil {
		return nil // no debug information: symbols only
	}
	d, err := f.DWARF()
	if err != nil {
		return fmt.Errorf("symbols: reading DWARF: %w", err)
	}
	if sec := f.Section(".debug_line"); sec != nil {
		t.lineBytes = sec.Size + 1
	}
	fileIndex := make(map[string]int32)
	var (
		cuFiles []string     // the current unit's file table
		parents []dwarf.Tag  // tags of the entries enclosing the current one
		inl     inlineLoader // inlined subroutines, named once all entries are seen
	)
	// Every entry takes at least one byte of .debug_info; a hostile file can make
	// debug/dwarf return entries without end, so more entries than bytes is an error.
	maxEntries := f.Section(".debug_info").Size + 1
	r := d.Reader()
	for n := uint64(0); ; n++ {
		e, err := r.Next()
		if err != nil {
			return fmt.Errorf("symbols: reading DWARF entries: %w", err)
		}
		if e == nil {
			break
		}
		if n > maxEntries {
			return fmt.Errorf("symbols: more DWARF entries than .debug_info has bytes: malformed")
		}
		if e.Tag == 0 { // the end of a list of children
			if len(parents) > 0 {
				parents = parents[:len(parents)-1]
			}
			continue
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		inl.note(e, name)
		enclosing := parents
		if e.Children {
			parents = append(parents, e.Tag)
		}
		switch e.Tag {
		case dwarf.TagCompileUnit:
			if cuFiles, err = t.loadLines(d, e, fileIndex); err != nil {
				return err
			}
		case dwarf.TagInlinedSubroutine:
			if err := inl.add(d, e, cuFiles, enclosing); err != nil {
				return err
			}
		case dwarf.TagStructType, dwarf.TagUnionType:
			if name == "" || e.Val(dwarf.AttrDeclaration) != nil || t.structs[name] != nil {
				continue
			}
			typ, err := d.Type(e.Offset)
			if err != nil {
				return fmt.Errorf("symbols: DWARF type of struct %s: %w", name, err)
			}
			if st, ok := typ.(*dwarf.StructType); ok && !st.Incomplete {
				t.structs[name] = st
			}
		case dwarf.TagEnumerationType:
			if name == "" || e.Val(dwarf.AttrDeclaration) != nil || t.enums[name] != nil {
				continue
			}
			typ, err := d.Type(e.Offset)
			if err != nil {
				return fmt.Errorf("symbols: DWARF type of enum %s: %w", name, err)
			}
			if et, ok := typ.(*dwarf.EnumType); ok {
				t.enums[name] = et
			}
		case dwarf.TagTypedef:
			if name == "" || t.typedefs[name] != nil {
				continue
			}
			typ, err := d.Type(e.Offset)
			if err != nil {
				return fmt.Errorf("symbols: DWARF typedef %s: %w", name, err)
			}
			t.typedefs[name] = typ
		case dwarf.TagVariable:
			if err := t.loadVariable(d, e); err != nil {
				return err
			}
		}
	}
	sort.SliceStable(t.lines, func(i, j int) bool {
		a, b := t.lines[i], t.lines[j]
		if a.addr != b.addr {
			return a.addr < b.addr
		}
		return a.end && !b.end // a sequence that ends where another starts gives way
	})
	sort.SliceStable(t.vars, func(i, j int) bool { return t.vars[i].addr < t.vars[j].addr })
	t.addInlines(inl.finish())
	for i, v := range t.vars {
		if _, ok := t.varByNm[v.name]; !ok {
			t.varByNm[v.name] = i
		}
	}
	return nil
}

// loadLines appends the line rows of one compilation unit.
// It returns the unit's file table, cleaned, which DW_AT_call_file indexes.
func (t *Table) loadLines(d *dwarf.Data, cu *dwarf.Entry, fileIndex map[string]int32) ([]string, error) {
	lr, err := d.LineReader(cu)
	if err != nil {
		return nil, fmt.Errorf("symbols: DWARF line table: %w", err)
	}
	if lr == nil {
		return nil, nil
	}
	compDir, _ := cu.Val(dwarf.AttrCompDir).(string)
	var le dwarf.LineEntry
	seqStart := len(t.lines) // where the current sequence's rows begin in t.lines
	// Each row takes at least one opcode byte: more rows than bytes is malformed.
	for n := uint64(0); ; n++ {
		if n > t.lineBytes {
			return nil, fmt.Errorf("symbols: more DWARF line rows than .debug_line has bytes: malformed")
		}
		if err := lr.Next(&le); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("symbols: DWARF line table: %w", err)
		}
		if le.Address > 0xffffffff {
			continue
		}
		row := lineRow{addr: uint32(le.Address), line: int32(le.Line), end: le.EndSequence}
		if !le.EndSequence {
			name := "?"
			if le.File != nil {
				name = cleanFile(le.File.Name, compDir)
			}
			i, ok := fileIndex[name]
			if !ok {
				i = int32(len(t.files))
				t.files = append(t.files, name)
				fileIndex[name] = i
			}
			row.file = i
		}
		// Rows at one address of a sequence cover nothing but the last of them.
		for len(t.lines) > seqStart && t.lines[len(t.lines)-1].addr == row.addr {
			t.lines = t.lines[:len(t.lines)-1]
		}
		if row.end && len(t.lines) == seqStart {
			continue // an empty sequence
		}
		t.lines = append(t.lines, row)
		if row.end {
			seqStart = len(t.lines)
		}
	}
	var files []string
	for _, f := range lr.Files() {
		name := "?"
		if f != nil {
			name = cleanFile(f.Name, compDir)
		}
		files = append(files, name)
	}
	return files, nil
}

// cleanFile turns a file name of the line table into the name a person wants to see:
// relative to the compilation directory when under it, without "./".
func cleanFile(name, compDir string) string {
	name = path.Clean(name)
	if compDir != "" && path.IsAbs(compDir) {
		dir := path.Clean(compDir) + "/"
		if rest, ok := strings.CutPrefix(name, dir); ok {
			name = rest
		}
	}
	return name
}

// loadVariable records a variable with a fixed address (DW_OP_addr location).
func (t *Table) loadVariable(d *dwarf.Data, e *dwarf.Entry) error {
	loc, _ := e.Val(dwarf.AttrLocation).([]byte)
	if len(loc) != 5 || loc[0] != 0x03 { // DW_OP_addr with a 4-byte address, alone
		return nil
	}
	addr := binary.LittleEndian.Uint32(loc[1:])
	decl := e
	if spec, ok := e.Val(dwarf.AttrSpecification).(dwarf.Offset); ok {
		// The definition refers to an earlier declaration for its name and type.
		r := d.Reader()
		r.Seek(spec)
		de, err := r.Next()
		if err != nil || de == nil {
			return fmt.Errorf("symbols: DWARF declaration of the variable at %#x: %v", addr, err)
		}
		decl = de
	}
	name, _ := decl.Val(dwarf.AttrName).(string)
	typOff, ok := decl.Val(dwarf.AttrType).(dwarf.Offset)
	if name == "" || !ok {
		return nil
	}
	typ, err := d.Type(typOff)
	if err != nil {
		return fmt.Errorf("symbols: DWARF type of variable %s: %w", name, err)
	}
	size := typ.Size()
	if size <= 0 || size > 0xffffffff {
		return nil
	}
	t.vars = append(t.vars, variable{name: name, addr: addr, size: uint32(size), typ: typ})
	return nil
}

// Line returns the source file and line of the instruction at addr (false when the
// line table does not cover addr or gives it line 0, "no source line").
func (t *Table) Line(addr uint32) (file string, line int, ok bool) {
	i := sort.Search(len(t.lines), func(i int) bool { return t.lines[i].addr > addr }) - 1
	if i < 0 || t.lines[i].end || t.lines[i].line <= 0 {
		return "", 0, false
	}
	r := t.lines[i]
	return t.files[r.file], int(r.line), true
}
