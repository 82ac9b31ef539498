package symbols

import (
	"debug/dwarf"
	"fmt"
	"strings"
)

// maxDepth bounds every walk through DWARF types, which a hostile file could make
// cyclic or absurdly deep.
const maxDepth = 32

// Field returns the byte offset and size of a member of the struct or union called
// structName ("proc" or "struct proc"). field may name a nested member, "lock.locked";
// members of anonymous inner structs and unions are found by their own names.
func (t *Table) Field(structName, field string) (off uint32, size uint32, ok bool) {
	st := t.structs[tagName(structName)]
	if st == nil {
		return 0, 0, false
	}
	o, typ, ok := fieldPath(st, field)
	if !ok {
		return 0, 0, false
	}
	sz := typ.Size()
	if o < 0 || o > 0xffffffff || sz < 0 || sz > 0xffffffff {
		return 0, 0, false
	}
	return uint32(o), uint32(sz), true
}

// Sizeof returns the size in bytes of a struct, union or typedef ("proc", "struct
// proc", "uint").
func (t *Table) Sizeof(typeName string) (uint32, bool) {
	var typ dwarf.Type
	if st := t.structs[tagName(typeName)]; st != nil {
		typ = st
	} else if td := t.typedefs[typeName]; td != nil {
		typ = td
	} else {
		return 0, false
	}
	sz := typ.Size()
	if sz < 0 || sz > 0xffffffff {
		return 0, false
	}
	return uint32(sz), true
}

// Enum returns the value of the constant constName of the enum enumName ("procstate"
// or "enum procstate").
func (t *Table) Enum(enumName, constName string) (int64, bool) {
	et := t.enums[tagName(enumName)]
	if et == nil {
		return 0, false
	}
	return enumValue(et, constName)
}

// EnumName returns the name of the constant of the enum enumName whose value is val.
func (t *Table) EnumName(enumName string, val int64) (string, bool) {
	et := t.enums[tagName(enumName)]
	if et == nil {
		return "", false
	}
	return enumConst(et, val)
}

// enumConst finds the first constant of et with value val.
func enumConst(et *dwarf.EnumType, val int64) (string, bool) {
	for _, v := range et.Val {
		if v.Val == val {
			return v.Name, true
		}
	}
	return "", false
}

// tagName drops a leading "struct ", "union " or "enum " from a type name.
func tagName(name string) string {
	for _, kw := range []string{"struct ", "union ", "enum "} {
		if rest, ok := strings.CutPrefix(name, kw); ok {
			return strings.TrimSpace(rest)
		}
	}
	return name
}

// underlying strips typedefs and qualifiers (const, volatile) from typ.
func underlying(typ dwarf.Type) dwarf.Type {
	for range maxDepth {
		switch u := typ.(type) {
		case *dwarf.TypedefType:
			typ = u.Type
		case *dwarf.QualType:
			typ = u.Type
		default:
			return typ
		}
	}
	return typ
}

// fieldPath resolves a dotted member path inside st.
func fieldPath(st *dwarf.StructType, field string) (int64, dwarf.Type, bool) {
	var off int64
	var typ dwarf.Type = st
	for _, name := range strings.Split(field, ".") {
		s, ok := underlying(typ).(*dwarf.StructType)
		if !ok {
			return 0, nil, false
		}
		o, ft, ok := member(s, name, 0)
		if !ok {
			return 0, nil, false
		}
		off += o
		typ = ft
	}
	return off, typ, true
}

// member finds the member called name in st or in its anonymous inner structs.
func member(st *dwarf.StructType, name string, depth int) (int64, dwarf.Type, bool) {
	if depth > maxDepth || name == "" {
		return 0, nil, false
	}
	for _, f := range st.Field {
		if f.Name == name && f.Type != nil {
			return f.ByteOffset, f.Type, true
		}
	}
	for _, f := range st.Field {
		if f.Name != "" {
			continue
		}
		if inner, ok := underlying(f.Type).(*dwarf.StructType); ok {
			if o, ft, ok := member(inner, name, depth+1); ok {
				return f.ByteOffset + o, ft, true
			}
		}
	}
	return 0, nil, false
}

// DataPath returns the C expression naming the place addr points to inside a global
// or static variable, from the variable's DWARF type: "icache.inode[1].lock",
// "input.buf[5]", "icache.inode[1].lock.locked+2". The walk goes down struct members
// and array elements and stops at the innermost one holding addr, except that an
// address at the very start of a struct names the struct, not its first member (a
// lock, not its first word); "+N" follows when addr is N bytes into a scalar or into
// padding, and a bit field is named by the first one with bits in addr's byte.
func (t *Table) DataPath(addr uint32) (string, bool) {
	v, off, ok := t.varAt(addr)
	if !ok {
		return "", false
	}
	var b strings.Builder
	b.WriteString(v.name)
	walkPath(&b, v.typ, off, 0)
	return b.String(), true
}

// walkPath appends to b the access path of the byte off bytes into a value of type typ.
func walkPath(b *strings.Builder, typ dwarf.Type, off int64, depth int) {
	if depth > maxDepth {
		fmt.Fprintf(b, "+%d", off)
		return
	}
	switch u := underlying(typ).(type) {
	case *dwarf.StructType:
		if off == 0 {
			return
		}
		for _, f := range u.Field {
			if f.Type == nil {
				continue
			}
			if f.BitSize > 0 {
				// A bit field: name it if it has bits in the byte at off.
				start := bitStart(f)
				if off >= start/8 && off <= (start+f.BitSize-1)/8 {
					b.WriteString("." + f.Name)
					return
				}
				continue
			}
			sz := f.Type.Size()
			if off >= f.ByteOffset && off-f.ByteOffset < sz {
				if f.Name != "" {
					b.WriteString("." + f.Name)
				}
				walkPath(b, f.Type, off-f.ByteOffset, depth+1)
				return
			}
		}
	case *dwarf.ArrayType:
		esz := u.Type.Size()
		if esz > 0 && off >= 0 {
			fmt.Fprintf(b, "[%d]", off/esz)
			walkPath(b, u.Type, off%esz, depth+1)
			return
		}
	}
	if off != 0 {
		fmt.Fprintf(b, "+%d", off)
	}
}

// bitStart returns the offset in bits of bit field f from the start of its struct
// (little-endian x86).
func bitStart(f *dwarf.StructField) int64 {
	if f.BitOffset == 0 {
		return f.ByteOffset*8 + f.DataBitOffset // DWARF 4 and later: DW_AT_data_bit_offset
	}
	// DWARF 2 and 3: DW_AT_bit_offset counts from the most significant bit of the
	// storage unit at ByteOffset.
	unit := f.ByteSize
	if unit == 0 {
		unit = f.Type.Size()
	}
	return f.ByteOffset*8 + unit*8 - f.BitOffset - f.BitSize
}
