package x86

import "encoding/binary"

// Race watches serve a data-race detector on the board: a probe stops a CPU after its next
// access to RAM, and a physical watch stops a CPU after it touches given bytes of RAM, by
// whatever linear address. Both work as debugger watchpoints do: a watched page never enters
// the TLB (nor the translated code's inline lookups), so its accesses take the slow path,
// which looks at the watches. With no watch set nothing on the fast paths changes.

// Access is one data access to RAM that a race watch saw.
type Access struct {
	EIP   uint32 // the instruction that made it (offset in CS)
	CS    uint16 // CS selector then
	Lin   uint32 // linear address
	Phys  uint32 // physical address
	Size  int    // bytes: 1, 2 or 4
	Write bool
	Old   uint32 // the bytes before the instruction wrote them, or the value read
	New   uint32 // the bytes it wrote, or the value read
	CR3   uint32 // the address space it was made in
	User  bool   // made at CPL 3
}

// SetProbe turns the probe on or off: while on, Run returns StopWatch after the next
// instruction that reads or writes RAM, with its first access (a write, if the instruction
// also wrote those bytes) in Watched.
func (c *CPU) SetProbe(on bool) {
	c.setRaceWatch(watch{all: true, read: true, write: true}, on)
}

// SetPhysWatch sets or clears a watch on the physical bytes [pa, pa+n): Run returns
// StopWatch after an instruction that wrote them, or read them if read is set, with the
// access in Watched.
func (c *CPU) SetPhysWatch(pa, n uint32, read, on bool) {
	c.setRaceWatch(watch{phys: true, lin: pa, n: max(n, 1), read: read, write: true}, on)
}

func (c *CPU) setRaceWatch(w watch, on bool) {
	for i, o := range c.watches {
		if o.phys == w.phys && o.all == w.all && o.lin == w.lin && o.n == w.n {
			c.watches = append(c.watches[:i], c.watches[i+1:]...)
			break
		}
	}
	if on {
		c.watches = append(c.watches, w)
	}
	c.flushTLB()
}

// cacheable reports whether a translation of lin to pa may enter the TLB: not while a
// watch covers either.
func (c *CPU) cacheable(lin, pa uint32) bool {
	if c.watchedPage(lin) {
		return false
	}
	for _, w := range c.watches {
		if w.phys && pa&^0xFFF <= (w.lin+w.n-1)&^0xFFF && pa&^0xFFF >= w.lin&^0xFFF {
			return false
		}
	}
	return true
}

// checkRace records an access to RAM (mem is its page) that a race watch covers.
func (c *CPU) checkRace(lin, pa uint32, n int, write bool, v uint32, mem []byte) {
	if mem == nil {
		return // devices and ROM are not shared memory
	}
	hit := false
	for _, w := range c.watches {
		if (w.all || w.phys && pa+uint32(n)-1 >= w.lin && pa <= w.lin+w.n-1) && (write && w.write || !write && w.read) {
			hit = true
			break
		}
	}
	if !hit {
		return
	}
	if n < 4 {
		v &= 1<<(8*n) - 1
	}
	o := pa & 0xFFF
	var cur uint32
	switch n {
	case 1:
		cur = uint32(mem[o])
	case 2:
		cur = uint32(binary.LittleEndian.Uint16(mem[o:]))
	default:
		cur = binary.LittleEndian.Uint32(mem[o:])
	}
	a := &c.Watched
	if c.raceHit {
		// A later access of the same instruction: a read-modify-write counts as a write.
		if write && !a.Write && a.Phys == pa && a.Size == n {
			a.Write, a.New = true, v
		}
		return
	}
	c.raceHit = true
	c.lim = 0
	*a = Access{EIP: c.curEIP, CS: c.Seg[CS].Sel, Lin: lin, Phys: pa, Size: n, Write: write,
		Old: cur, New: cur, CR3: c.CR3, User: c.cpl == 3}
	if write {
		a.New = v
	}
}
