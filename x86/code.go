package x86

// Decoded instructions are kept by physical address. Each physical page that holds decoded
// code has a codePage (one slot per byte offset) and a 64-bit map of its 64-byte lines that
// hold decoded bytes. A store checks the map of its page (one load from the write TLB entry)
// and drops only the instructions on the lines it touched, so data that shares a page with
// code costs almost nothing, while self-modifying code still sees its new bytes.

const (
	lineShift = 6
	lineSize  = 1 << lineShift
)

type codePage struct {
	insn [4096]*insn
	mode uint8 // the default operand size every instruction in insn was decoded with
}

// CodeCache holds decoded instructions by physical address. CPUs that share RAM share one, so
// a store by any CPU drops the decoded instructions it overwrote for all of them.
type CodeCache struct {
	dir   [1024]*[1024]uint64 // line maps, by physical page number
	pages map[uint32]*codePage
	pdir  [1024]*[1024]*codePage // the same pages by physical page number: lookups without hashing
	cpus  []*CPU
	slab  []insn
	gen   uint64 // counts the drops of decoded instructions (blocks check theirs by it)
	jit   *jitCache
}

// zeroLine is the line map of every page in a 4 MB region that never held code.
var zeroLine uint64

// NewCodeCache returns an empty CodeCache.
func NewCodeCache() *CodeCache {
	return &CodeCache{pages: make(map[uint32]*codePage)}
}

// lineWord returns the line map of physical page ppn, for the write TLB.
func (k *CodeCache) lineWord(ppn uint32) *uint64 {
	if l := k.dir[ppn>>10]; l != nil {
		return &l[ppn&1023]
	}
	return &zeroLine
}

// reserve makes sure the next n newInsn calls return consecutive instructions.
func (k *CodeCache) reserve(n int) {
	if len(k.slab) < n {
		k.slab = make([]insn, 256)
	}
}

func (k *CodeCache) newInsn() *insn {
	if len(k.slab) == 0 {
		k.slab = make([]insn, 256)
	}
	in := &k.slab[0]
	k.slab = k.slab[1:]
	return in
}

// page returns the codePage of ppn, creating it.
func (k *CodeCache) page(ppn uint32) *codePage {
	if d := k.pdir[ppn>>10]; d != nil {
		if cp := d[ppn&1023]; cp != nil {
			return cp
		}
	}
	cp := k.pages[ppn]
	if cp == nil {
		cp = new(codePage)
		k.pages[ppn] = cp
		if k.pdir[ppn>>10] == nil {
			k.pdir[ppn>>10] = new([1024]*codePage)
		}
		k.pdir[ppn>>10][ppn&1023] = cp
		if k.dir[ppn>>10] == nil {
			k.dir[ppn>>10] = new([1024]uint64)
			// Write TLB entries of this region point at zeroLine: refill them.
			for _, c := range k.cpus {
				c.flushTLB()
			}
		}
	}
	return cp
}

// setMode empties a code page for decoding with another default operand size (a page that
// holds both 16- and 32-bit code, such as the AP trampoline) and makes every CPU forget it
// as its fetch page.
func (k *CodeCache) setMode(cp *codePage, mode uint8) {
	for i, in := range cp.insn {
		if in != nil {
			in.dead = true
			cp.insn[i] = nil
		}
	}
	k.gen++
	cp.mode = mode
	for _, c := range k.cpus {
		if c.fetchesFrom(cp) {
			c.forgetFetch()
		}
	}
}

// add records a decoded instruction at physical page ppn, offset off.
func (k *CodeCache) add(cp *codePage, ppn, off uint32, in *insn) {
	cp.insn[off] = in
	first := off >> lineShift
	last := (off + uint32(in.len) - 1) >> lineShift
	w := &k.dir[ppn>>10][ppn&1023]
	for l := first; l <= last && l < 64; l++ {
		*w |= 1 << l
	}
}

// written drops the decoded instructions overlapping [off, off+n) of page ppn (n >= 1, within the page).
func (k *CodeCache) written(ppn, off, n uint32) {
	l := k.dir[ppn>>10]
	if l == nil {
		return
	}
	w := &l[ppn&1023]
	first := off >> lineShift
	last := (off + n - 1) >> lineShift
	if last > 63 {
		last = 63
	}
	mask := (uint64(2)<<last - 1) &^ (uint64(1)<<first - 1)
	hit := *w & mask
	if hit == 0 {
		return
	}
	*w &^= hit
	k.gen++
	d := k.pdir[ppn>>10]
	if d == nil || d[ppn&1023] == nil {
		return
	}
	cp := d[ppn&1023]
	for ln := first; ln <= last; ln++ {
		if hit&(1<<ln) == 0 {
			continue
		}
		start := ln << lineShift
		lo := uint32(0)
		if start >= 15 {
			lo = start - 15
		}
		for o := lo; o < start; o++ {
			if in := cp.insn[o]; in != nil && o+uint32(in.len) > start {
				in.dead = true
				cp.insn[o] = nil
			}
		}
		for o := start; o < start+lineSize; o++ {
			if in := cp.insn[o]; in != nil {
				in.dead = true
				cp.insn[o] = nil
			}
		}
	}
	if *w == 0 {
		k.dropPage(ppn, cp)
	}
}

// dropPage forgets a code page that no longer holds decoded instructions (exec and fork
// reuse physical pages all the time; an empty codePage is 32 KB).
func (k *CodeCache) dropPage(ppn uint32, cp *codePage) {
	delete(k.pages, ppn)
	if d := k.pdir[ppn>>10]; d != nil && d[ppn&1023] == cp {
		d[ppn&1023] = nil
	}
	for _, c := range k.cpus {
		if c.fetchesFrom(cp) {
			c.forgetFetch()
		}
	}
}

// Invalidate drops decoded instructions in [pa, pa+n): RAM written behind the CPUs' backs.
func (k *CodeCache) Invalidate(pa, n uint32) {
	for n > 0 {
		off := pa & 0xFFF
		chunk := 0x1000 - off
		if chunk > n {
			chunk = n
		}
		k.written(pa>>12, off, chunk)
		pa += chunk
		n -= chunk
	}
}
