package symbols

import (
	"debug/dwarf"
	"fmt"
	"sort"
)

// Frame is one function at a code address. With -O2 one address can be in several:
// a function inlined into another, perhaps inlined into a third; Frames lists them
// innermost first, and all but the last are Inlined.
type Frame struct {
	Func    string // function name
	File    string // source file ("" when unknown)
	Line    int    // source line (0 when unknown): for an outer frame, the line of the inlined call
	Inlined bool   // this function's code was inlined into the next frame's
}

// inlineRange is one address range of a DW_TAG_inlined_subroutine.
type inlineRange struct {
	lo, hi   uint32
	name     string
	callFile string // where the call was, in the function it was inlined into
	callLine int
	depth    int // how many inlined subroutines enclose this one
}

// inlineLoader gathers inlined subroutines during the pass over the DWARF entries;
// their names come from abstract origins that may appear later in the pass.
type inlineLoader struct {
	ranges  []inlineRange
	origins []dwarf.Offset                // abstract origin of each of ranges
	names   map[dwarf.Offset]string       // subprogram names by entry offset
	links   map[dwarf.Offset]dwarf.Offset // unnamed subprograms: their own abstract origin
}

// note records the name (or the abstract origin) of a subprogram entry.
func (l *inlineLoader) note(e *dwarf.Entry, name string) {
	if e.Tag != dwarf.TagSubprogram {
		return
	}
	if l.names == nil {
		l.names = make(map[dwarf.Offset]string)
		l.links = make(map[dwarf.Offset]dwarf.Offset)
	}
	if name != "" {
		l.names[e.Offset] = name
	} else if ao, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset); ok {
		l.links[e.Offset] = ao
	} else if spec, ok := e.Val(dwarf.AttrSpecification).(dwarf.Offset); ok {
		l.links[e.Offset] = spec
	}
}

// add records the ranges of one inlined subroutine entry; parents are the tags of the
// entries enclosing it, files the unit's file table.
func (l *inlineLoader) add(d *dwarf.Data, e *dwarf.Entry, files []string, parents []dwarf.Tag) error {
	ao, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
	if !ok {
		return nil
	}
	ranges, err := d.Ranges(e)
	if err != nil {
		return fmt.Errorf("symbols: DWARF ranges of an inlined subroutine at %#x: %w", e.Offset, err)
	}
	depth := 0
	for _, tag := range parents {
		if tag == dwarf.TagInlinedSubroutine {
			depth++
		}
	}
	r := inlineRange{depth: depth}
	if f, ok := e.Val(dwarf.AttrCallFile).(int64); ok && f >= 0 && f < int64(len(files)) {
		r.callFile = files[f]
	}
	if n, ok := e.Val(dwarf.AttrCallLine).(int64); ok && n > 0 && n < 1<<31 {
		r.callLine = int(n)
	}
	for _, rg := range ranges {
		if rg[0] >= rg[1] || rg[1] > 1<<32 {
			continue
		}
		r.lo, r.hi = uint32(rg[0]), uint32(rg[1]-1)
		l.ranges = append(l.ranges, r)
		l.origins = append(l.origins, ao)
	}
	return nil
}

// finish names the ranges from their abstract origins and returns those it could name.
func (l *inlineLoader) finish() []inlineRange {
	var out []inlineRange
	for i, r := range l.ranges {
		off := l.origins[i]
		for range maxDepth {
			if name, ok := l.names[off]; ok {
				r.name = name
				break
			}
			next, ok := l.links[off]
			if !ok {
				break
			}
			off = next
		}
		if r.name != "" {
			out = append(out, r)
		}
	}
	return out
}

// addInlines files each inlined range under the function (by ELF symbol) it lies in.
func (t *Table) addInlines(ranges []inlineRange) {
	t.inlines = make(map[uint32][]inlineRange)
	for _, r := range ranges {
		if s, ok := t.lookup(t.funcs, r.lo); ok {
			t.inlines[s.addr] = append(t.inlines[s.addr], r)
		}
	}
}

// Frames returns the functions active at the code address addr, innermost first: the
// functions inlined there, then the function of the ELF symbol (as Func). It returns
// nil when no function holds addr.
func (t *Table) Frames(addr uint32) []Frame {
	fn, start, ok := t.Func(addr)
	if !ok {
		return nil
	}
	var chain []inlineRange
	for _, r := range t.inlines[start] {
		if addr >= r.lo && addr <= r.hi {
			chain = append(chain, r)
		}
	}
	sort.SliceStable(chain, func(i, j int) bool { return chain[i].depth > chain[j].depth })
	file, line, _ := t.Line(addr)
	frames := make([]Frame, 0, len(chain)+1)
	for _, r := range chain {
		frames = append(frames, Frame{Func: r.name, File: file, Line: line, Inlined: true})
		file, line = r.callFile, r.callLine
	}
	return append(frames, Frame{Func: fn, File: file, Line: line})
}
