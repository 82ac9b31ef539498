package x86

import "encoding/binary"

// The software TLB maps linear pages straight to the RAM the bus hands out, one
// direct-mapped table for reads and one for writes. A tag is the linear page address with bit
// 0 set (valid) and bit 1 set if the entry was filled for a user-mode (CPL 3) access, so
// supervisor and user entries never serve each other. Only RAM pages go in; MMIO, ROM writes
// and watched pages always take the slow path.

const (
	tlbBits = 8
	tlbSize = 1 << tlbBits
	tlbMask = tlbSize - 1
)

// ptCacheSize is the number of page-table pages the walker remembers.
const ptCacheSize = 16

// MMIO pages get their own small tables: their accesses go to the bus, but the page walk
// before each one is the costly part (xv6's mycpu() reads the LAPIC ID on every lock).
const (
	mtlbSize = 8
	mtlbMask = mtlbSize - 1
)

// mmioEntry caches the translation of a linear page that is not RAM (or not writable).
type mmioEntry struct {
	tag uint32 // as tlbEntry's
	ppn uint32
}

type tlbEntry struct {
	tag  uint32
	ppn  uint32
	mem  *[4096]byte
	code *uint64 // line map of the page (write TLB): non-zero if the page holds decoded code
}

// Control register bits.
const (
	cr0PE = 1 << 0
	cr0MP = 1 << 1
	cr0EM = 1 << 2
	cr0TS = 1 << 3
	cr0ET = 1 << 4
	cr0NE = 1 << 5
	cr0WP = 1 << 16
	cr0AM = 1 << 18
	cr0NW = 1 << 29
	cr0CD = 1 << 30
	cr0PG = 1 << 31

	cr4VME = 1 << 0
	cr4PVI = 1 << 1
	cr4TSD = 1 << 2
	cr4DE  = 1 << 3
	cr4PSE = 1 << 4
	cr4PGE = 1 << 7
)

func (c *CPU) flushTLB() {
	for i := range c.rtlb {
		c.rtlb[i].tag = 0
		c.wtlb[i].tag = 0
	}
	c.mrtlb = [mtlbSize]mmioEntry{}
	c.mwtlb = [mtlbSize]mmioEntry{}
	c.ptTag = [ptCacheSize]uint32{}
	c.forgetFetch()
}

func (c *CPU) flushPage(lin uint32) {
	i := (lin >> 12) & tlbMask
	c.rtlb[i].tag = 0
	c.wtlb[i].tag = 0
	c.mrtlb[i&mtlbMask].tag = 0
	c.mwtlb[i&mtlbMask].tag = 0
	c.forgetFetch()
}

// ptPage returns the RAM page at physical page ppn for the page walker, from a small cache
// flushed with the TLB (page tables are read on every TLB miss).
func (c *CPU) ptPage(pa uint32) (*[4096]byte, bool) {
	ppn := pa >> 12
	i := ppn & (ptCacheSize - 1)
	if c.ptTag[i] == ppn+1 {
		return c.ptMem[i], c.ptW[i]
	}
	mem, w := c.bus.Page(pa &^ 0xFFF)
	if mem == nil {
		return nil, false
	}
	c.ptTag[i], c.ptMem[i], c.ptW[i] = ppn+1, (*[4096]byte)(mem), w
	return c.ptMem[i], w
}

// physRead32 reads physical memory for the CPU's own use (page tables).
func (c *CPU) physRead32(pa uint32) uint32 {
	if pa&3 == 0 {
		if mem, _ := c.ptPage(pa); mem != nil {
			return binary.LittleEndian.Uint32(mem[pa&0xFFF:])
		}
	}
	return c.bus.Read(pa, 4)
}

func (c *CPU) physWrite32(pa, v uint32) {
	if pa&3 == 0 {
		if mem, w := c.ptPage(pa); mem != nil && w {
			if *c.code.lineWord(pa >> 12) != 0 {
				c.code.written(pa>>12, pa&0xFFF, 4)
			}
			binary.LittleEndian.PutUint32(mem[pa&0xFFF:], v)
			return
		}
	}
	c.bus.Write(pa, 4, v)
}

// pageOK says whether page flags (U/S in bit 2, R/W in bit 1) allow the access.
func (c *CPU) pageOK(f uint32, write, user bool) bool {
	if user {
		return f&4 != 0 && (!write || f&2 != 0)
	}
	return !write || f&2 != 0 || c.CR0&cr0WP == 0
}

// walk translates lin through the page tables. On failure it returns the #PF error code.
func (c *CPU) walk(lin uint32, write, user, update bool) (pa, errc uint32, ok bool) {
	if write {
		errc |= 2
	}
	if user {
		errc |= 4
	}
	pdeAddr := c.CR3&0xFFFFF000 | (lin>>22)<<2
	pde := c.physRead32(pdeAddr)
	if pde&1 == 0 {
		return 0, errc, false
	}
	if pde&0x80 != 0 && c.CR4&cr4PSE != 0 {
		if !c.pageOK(pde, write, user) {
			return 0, errc | 1, false
		}
		if update {
			n := pde | 0x20
			if write {
				n |= 0x40
			}
			if n != pde {
				c.physWrite32(pdeAddr, n)
			}
		}
		return pde&0xFFC00000 | lin&0x3FFFFF, 0, true
	}
	pteAddr := pde&0xFFFFF000 | (lin>>12&0x3FF)<<2
	pte := c.physRead32(pteAddr)
	if pte&1 == 0 {
		return 0, errc, false
	}
	if !c.pageOK(pde&pte, write, user) {
		return 0, errc | 1, false
	}
	if update {
		if pde&0x20 == 0 {
			c.physWrite32(pdeAddr, pde|0x20)
		}
		n := pte | 0x20
		if write {
			n |= 0x40
		}
		if n != pte {
			c.physWrite32(pteAddr, n)
		}
	}
	return pte&0xFFFFF000 | lin&0xFFF, 0, true
}

// xlate translates lin for an access, raising #PF on failure.
func (c *CPU) xlate(lin uint32, write, user bool) uint32 {
	if c.CR0&cr0PG == 0 {
		return lin
	}
	pa, errc, ok := c.walk(lin, write, user, true)
	if !ok {
		c.CR2 = lin
		c.raise(vecPF, errc)
	}
	return pa
}

// Translate maps a linear address to a physical one for a debugger: no faults, no A/D updates.
// Permissions are checked as for a supervisor access.
func (c *CPU) Translate(linear uint32, write bool) (pa uint32, ok bool) {
	if c.CR0&cr0PG == 0 {
		return linear, true
	}
	pa, _, ok = c.walk(linear, write, false, false)
	return pa, ok
}

// checkWatch stops after this instruction if [lin, lin+n) touches a watchpoint.
func (c *CPU) checkWatch(lin uint32, n int, write bool) {
	for _, w := range c.watches {
		if w.phys || w.all {
			continue
		}
		if lin+uint32(n)-1 >= w.lin && lin <= w.lin+w.n-1 && ((write && w.write) || (!write && w.read)) {
			c.watchHit = true
			c.lim = 0
			c.Stop = StopInfo{Kind: StopKindWatchRead, Addr: lin}
			if write {
				c.Stop.Kind = StopKindWatchWrite
			}
			return
		}
	}
}

func (c *CPU) watchedPage(lin uint32) bool {
	for _, w := range c.watches {
		if w.all {
			return true
		}
		if w.phys {
			continue
		}
		if lin&^0xFFF <= (w.lin+w.n-1)&^0xFFF && lin&^0xFFF >= w.lin&^0xFFF {
			return true
		}
	}
	return false
}

// busAccess reads or writes a device (or ROM) at physical address pa. A write may change
// what interrupts are pending, so the CPU looks again before the next instruction.
func (c *CPU) busAccess(pa uint32, n int, write bool, v uint32) uint32 {
	if write {
		c.intrCheck = true
		c.lim = 0
		c.mvc = [mvcSize]mvcEntry{}
		c.bus.Write(pa, n, v)
		return 0
	}
	return c.bus.Read(pa, n)
}

// MMIO value cache: device reads the bus calls stable (StableReader), by linear address
// under the jump cache's key (so a new mapping or privilege misses), for translated loads
// (jit.go). It is emptied when Run starts and when this CPU writes to a device.
const mvcSize = 16

type mvcEntry struct {
	key uint64 // jcKey | linear address
	val uint64
}

// mmioRead reads the device at pa for a read at linear address lin, remembering the value
// if the bus says it stays the same.
func (c *CPU) mmioRead(lin, pa uint32, n int, cache bool) uint32 {
	v := c.bus.Read(pa, n)
	if cache && n == 4 && c.stable != nil && c.stable.Stable(pa, n) {
		c.mvc[lin>>2&(mvcSize-1)] = mvcEntry{key: c.jcKey | uint64(lin), val: uint64(v)}
	}
	return v
}

// accessSlow reads (write=false) or writes n bytes at lin, n in 1,2,4, from any page.
func (c *CPU) accessSlow(lin uint32, n int, write bool, v uint32, user bool) uint32 {
	if lin&0xFFF > 0x1000-uint32(n) {
		// Crosses a page: check both pages before touching either.
		c.xlate(lin, write, user)
		c.xlate(lin+uint32(n)-1, write, user)
		var r uint32
		for k := 0; k < n; k++ {
			r |= c.accessSlow(lin+uint32(k), 1, write, v>>(8*k), user) << (8 * k)
		}
		return r
	}
	if len(c.watches) > 0 {
		c.checkWatch(lin, n, write)
	}
	tag := lin&^0xFFF | 1
	if user {
		tag |= 2
	}
	me := &c.mrtlb[(lin>>12)&mtlbMask]
	if write {
		me = &c.mwtlb[(lin>>12)&mtlbMask]
	}
	if me.tag == tag {
		if !write {
			return c.mmioRead(lin, me.ppn<<12|lin&0xFFF, n, true)
		}
		return c.busAccess(me.ppn<<12|lin&0xFFF, n, write, v)
	}
	pa := c.xlate(lin, write, user)
	mem, writable := c.bus.Page(pa &^ 0xFFF)
	cache := len(c.watches) == 0 || c.cacheable(lin, pa)
	if mem == nil || (write && !writable) {
		if cache {
			me.tag, me.ppn = tag, pa>>12
		}
		if !write {
			return c.mmioRead(lin, pa, n, cache)
		}
		return c.busAccess(pa, n, write, v)
	}
	o := pa & 0xFFF
	if !cache {
		c.checkRace(lin, pa, n, write, v, mem)
	}
	if cache {
		e := &c.rtlb[(lin>>12)&tlbMask]
		if write {
			e = &c.wtlb[(lin>>12)&tlbMask]
		}
		e.tag = tag
		e.ppn = pa >> 12
		e.mem = (*[4096]byte)(mem)
		e.code = c.code.lineWord(pa >> 12)
	}
	if write {
		c.code.written(pa>>12, o, uint32(n))
		switch n {
		case 1:
			mem[o] = byte(v)
		case 2:
			binary.LittleEndian.PutUint16(mem[o:], uint16(v))
		default:
			binary.LittleEndian.PutUint32(mem[o:], v)
		}
		return 0
	}
	switch n {
	case 1:
		return uint32(mem[o])
	case 2:
		return uint32(binary.LittleEndian.Uint16(mem[o:]))
	}
	return binary.LittleEndian.Uint32(mem[o:])
}

// Linear-address accesses at the current privilege.

func (c *CPU) lrd8(lin uint32) uint8 {
	e := &c.rtlb[(lin>>12)&tlbMask]
	if e.tag == lin&^0xFFF|c.tagBits {
		return e.mem[lin&0xFFF]
	}
	return uint8(c.accessSlow(lin, 1, false, 0, c.user))
}

func (c *CPU) lrd16(lin uint32) uint16 {
	e := &c.rtlb[(lin>>12)&tlbMask]
	if o := lin & 0xFFF; e.tag == lin&^0xFFF|c.tagBits && o <= 0xFFE {
		return binary.LittleEndian.Uint16(e.mem[o:])
	}
	return uint16(c.accessSlow(lin, 2, false, 0, c.user))
}

func (c *CPU) lrd32(lin uint32) uint32 {
	e := &c.rtlb[(lin>>12)&tlbMask]
	if o := lin & 0xFFF; e.tag == lin&^0xFFF|c.tagBits && o <= 0xFFC {
		return binary.LittleEndian.Uint32(e.mem[o:])
	}
	return c.accessSlow(lin, 4, false, 0, c.user)
}

func (c *CPU) lwr8(lin uint32, v uint8) {
	e := &c.wtlb[(lin>>12)&tlbMask]
	if o := lin & 0xFFF; e.tag == lin&^0xFFF|c.tagBits {
		if w := *e.code; w != 0 && w>>(o>>lineShift)&1 != 0 {
			c.code.written(e.ppn, o, 1)
		}
		e.mem[o] = v
		return
	}
	c.accessSlow(lin, 1, true, uint32(v), c.user)
}

func (c *CPU) lwr16(lin uint32, v uint16) {
	e := &c.wtlb[(lin>>12)&tlbMask]
	if o := lin & 0xFFF; e.tag == lin&^0xFFF|c.tagBits && o <= 0xFFE {
		if w := *e.code; w != 0 && (w>>(o>>lineShift)|w>>((o+1)>>lineShift))&1 != 0 {
			c.code.written(e.ppn, o, 2)
		}
		binary.LittleEndian.PutUint16(e.mem[o:], v)
		return
	}
	c.accessSlow(lin, 2, true, uint32(v), c.user)
}

func (c *CPU) lwr32(lin uint32, v uint32) {
	e := &c.wtlb[(lin>>12)&tlbMask]
	if o := lin & 0xFFF; e.tag == lin&^0xFFF|c.tagBits && o <= 0xFFC {
		if w := *e.code; w != 0 && (w>>(o>>lineShift)|w>>((o+3)>>lineShift))&1 != 0 {
			c.code.written(e.ppn, o, 4)
		}
		binary.LittleEndian.PutUint32(e.mem[o:], v)
		return
	}
	c.accessSlow(lin, 4, true, v, c.user)
}

// System accesses (descriptor tables, TSS, stacks of inner rings) are supervisor accesses.

func (c *CPU) srd8(lin uint32) uint8   { return uint8(c.accessSlow(lin, 1, false, 0, false)) }
func (c *CPU) srd16(lin uint32) uint16 { return uint16(c.accessSlow(lin, 2, false, 0, false)) }
func (c *CPU) srd32(lin uint32) uint32 { return c.accessSlow(lin, 4, false, 0, false) }
func (c *CPU) swr8(lin uint32, v uint8) {
	c.accessSlow(lin, 1, true, uint32(v), false)
}
func (c *CPU) swr16(lin uint32, v uint16) {
	c.accessSlow(lin, 2, true, uint32(v), false)
}
func (c *CPU) swr32(lin uint32, v uint32) { c.accessSlow(lin, 4, true, v, false) }

// Segmented accesses: limit and type checks from the segment cache, then linear.

func (c *CPU) segFault(seg int) {
	if seg == SS {
		c.raise(vecSS, 0)
	}
	c.raise(vecGP, 0)
}

func (c *CPU) rd8(seg int, off uint32) uint8 {
	s := &c.sc[seg]
	lin := s.base + off
	e := &c.rtlb[(lin>>12)&tlbMask]
	if e.tag == lin&^0xFFF|c.tagBits && off >= s.rlo && off <= s.rhi {
		return e.mem[lin&0xFFF]
	}
	return c.rd8slow(seg, off)
}

func (c *CPU) rd8slow(seg int, off uint32) uint8 {
	s := &c.sc[seg]
	if off < s.rlo || off > s.rhi {
		c.segFault(seg)
	}
	return uint8(c.accessSlow(s.base+off, 1, false, 0, c.user))
}

func (c *CPU) rd16(seg int, off uint32) uint16 {
	s := &c.sc[seg]
	if off < s.rlo || off > s.rhi-1 {
		c.segFault(seg)
	}
	return c.lrd16(s.base + off)
}

func (c *CPU) rd32(seg int, off uint32) uint32 {
	s := &c.sc[seg]
	lin := s.base + off
	e := &c.rtlb[(lin>>12)&tlbMask]
	if o := lin & 0xFFF; e.tag == lin&^0xFFF|c.tagBits && o <= 0xFFC && off >= s.rlo && off <= s.rhi-3 {
		return binary.LittleEndian.Uint32(e.mem[o:])
	}
	return c.rd32slow(seg, off)
}

func (c *CPU) rd32slow(seg int, off uint32) uint32 {
	s := &c.sc[seg]
	if off < s.rlo || off > s.rhi-3 {
		c.segFault(seg)
	}
	return c.accessSlow(s.base+off, 4, false, 0, c.user)
}

func (c *CPU) wr8(seg int, off uint32, v uint8) {
	s := &c.sc[seg]
	if off < s.wlo || off > s.whi {
		c.segFault(seg)
	}
	c.lwr8(s.base+off, v)
}

func (c *CPU) wr16(seg int, off uint32, v uint16) {
	s := &c.sc[seg]
	if off < s.wlo || off > s.whi-1 {
		c.segFault(seg)
	}
	c.lwr16(s.base+off, v)
}

func (c *CPU) wr32(seg int, off uint32, v uint32) {
	s := &c.sc[seg]
	lin := s.base + off
	e := &c.wtlb[(lin>>12)&tlbMask]
	if o := lin & 0xFFF; e.tag == lin&^0xFFF|c.tagBits && o <= 0xFFC && off >= s.wlo && off <= s.whi-3 {
		if w := *e.code; w != 0 && (w>>(o>>lineShift)|w>>((o+3)>>lineShift))&1 != 0 {
			c.code.written(e.ppn, o, 4)
		}
		binary.LittleEndian.PutUint32(e.mem[o:], v)
		return
	}
	c.wr32slow(seg, off, v)
}

func (c *CPU) wr32slow(seg int, off uint32, v uint32) {
	s := &c.sc[seg]
	if off < s.wlo || off > s.whi-3 {
		c.segFault(seg)
	}
	c.lwr32(s.base+off, v)
}

// rd reads sz (1, 2 or 4) bytes.
func (c *CPU) rd(seg int, off uint32, sz int) uint32 {
	switch sz {
	case 1:
		return uint32(c.rd8(seg, off))
	case 2:
		return uint32(c.rd16(seg, off))
	}
	return c.rd32(seg, off)
}

// wr writes sz (1, 2 or 4) bytes.
func (c *CPU) wr(seg int, off uint32, sz int, v uint32) {
	switch sz {
	case 1:
		c.wr8(seg, off, uint8(v))
	case 2:
		c.wr16(seg, off, uint16(v))
	default:
		c.wr32(seg, off, v)
	}
}

// checkWrite raises the fault a write of sz bytes at seg:off would raise, without writing.
func (c *CPU) checkWrite(seg int, off uint32, sz int) {
	s := &c.sc[seg]
	if off < s.wlo || off > s.whi-uint32(sz-1) {
		c.segFault(seg)
	}
	lin := s.base + off
	c.xlate(lin, true, c.user)
	if sz > 1 {
		c.xlate(lin+uint32(sz)-1, true, c.user)
	}
}

// ReadLinear reads guest memory at a linear address through paging, for a debugger: no
// faults, no A/D updates, no device side effects beyond the bus reads themselves.
func (c *CPU) ReadLinear(linear uint32, buf []byte) error {
	for i := range buf {
		pa, ok := c.Translate(linear+uint32(i), false)
		if !ok {
			return &AddrError{Addr: linear + uint32(i)}
		}
		if mem, _ := c.bus.Page(pa &^ 0xFFF); mem != nil {
			buf[i] = mem[pa&0xFFF]
		} else {
			buf[i] = byte(c.bus.Read(pa, 1))
		}
	}
	return nil
}

// WriteLinear writes guest memory at a linear address through paging, for a debugger;
// decoded instructions it overwrites are dropped.
func (c *CPU) WriteLinear(linear uint32, buf []byte) error {
	for i, b := range buf {
		pa, ok := c.Translate(linear+uint32(i), false)
		if !ok {
			return &AddrError{Addr: linear + uint32(i)}
		}
		c.code.written(pa>>12, pa&0xFFF, 1)
		if mem, _ := c.bus.Page(pa &^ 0xFFF); mem != nil {
			mem[pa&0xFFF] = b
		} else {
			c.bus.Write(pa, 1, uint32(b))
		}
	}
	return nil
}

// AddrError reports a linear address that is not mapped.
type AddrError struct{ Addr uint32 }

// Error describes the unmapped address.
func (e *AddrError) Error() string {
	return "x86: linear address " + hex32(e.Addr) + " not mapped"
}

func hex32(v uint32) string {
	const d = "0123456789abcdef"
	b := make([]byte, 10)
	b[0], b[1] = '0', 'x'
	for i := 0; i < 8; i++ {
		b[9-i] = d[v>>(4*i)&0xF]
	}
	return string(b)
}
