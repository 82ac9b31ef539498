package x86

import (
	"fmt"
	"os"
	"sync"
	"unsafe"
)

// jitCache holds the translated blocks of a CodeCache and the executable memory they live in.
type jitCache struct {
	mem     execMem
	j       jitter
	heads   []*insn // instructions that have a block
	cells   []*chainCell
	sides   []*insn // the instructions side exits stop before (jitSide - 1 indexes it)
	chunk   []byte  // the chunk being filled
	used    int
	flagsFn uintptr // the shared routines at the start of chunk
	saveFn  uintptr
	broken  bool // executable memory could not be had: interpret only
	flushes int  // times every block was dropped for want of room
}

// Executable memory for translated code: chunks of jitChunk bytes, at most jitChunks of them;
// then every block is dropped and the chunks are reused. (Variables for a test.)
var (
	jitChunk  = 4 << 20
	jitChunks = 16
)

// newChunk starts filling the next chunk with the shared routines at its start.
func (jc *jitCache) newChunk(k *CodeCache) bool {
	next := jc.mem.next(jitChunk, jitChunks)
	if next == nil {
		jc.flush(k)
		if next = jc.mem.next(jitChunk, jitChunks); next == nil {
			jc.broken = true
			return false
		}
	}
	jc.chunk = next
	org := addrOf(next)
	jc.flagsFn, jc.saveFn = emitShared(&jc.j.a, org)
	jc.used = copy(jc.chunk, jc.j.a.B)
	perfSymbol(org, jc.used, "gemu_jit_shared")
	return true
}

// flush drops every block and makes the chunks free for reuse.
func (jc *jitCache) flush(k *CodeCache) {
	jc.flushes++
	for _, in := range jc.heads {
		in.blk, in.jstop, in.heat = nil, false, 0
	}
	for _, cell := range jc.cells {
		cell.code = 0
	}
	for _, c := range k.cpus {
		c.forgetFetch() // their jump caches name blocks that are gone
	}
	jc.heads, jc.cells, jc.sides = nil, nil, nil
	jc.mem.reuse()
	jc.chunk = nil
}

// compile translates the block starting at in, or marks in as one to interpret alone.
func (c *CPU) compile(in *insn) {
	k := c.code
	if k.jit == nil {
		k.jit = &jitCache{}
	}
	jc := k.jit
	if jc.broken || (jc.chunk == nil && !jc.newChunk(k)) {
		in.heat, in.jstop = heatNever, true
		return
	}
	for try := 0; ; try++ {
		j := &jc.j
		j.flagsFn, j.saveFn = jc.flagsFn, jc.saveFn
		j.pageOff = (c.sc[CS].base + c.EIP) & 0xFFF
		j.genAddr = uintptr(unsafe.Pointer(&k.gen))
		cells, sides := len(jc.cells), len(jc.sides)
		j.newSide = func(in *insn) int {
			jc.sides = append(jc.sides, in)
			return len(jc.sides)
		}
		j.newCell = func() (int, *chainCell) {
			cell := new(chainCell)
			jc.cells = append(jc.cells, cell)
			return len(jc.cells) - 1, cell
		}
		ins := j.translate(in, addrOf(jc.chunk)+uintptr(jc.used))
		if ins == nil || jc.used+len(j.a.B) > len(jc.chunk) {
			jc.cells, jc.sides = jc.cells[:cells], jc.sides[:sides] // this translation's are not kept
		}
		if ins == nil {
			in.heat, in.jstop = heatNever, true
			return
		}
		if jc.used+len(j.a.B) > len(jc.chunk) {
			if try > 0 || !jc.newChunk(k) {
				in.heat, in.jstop = heatNever, true
				return
			}
			continue
		}
		addr := addrOf(jc.chunk) + uintptr(jc.used)
		jc.used += copy(jc.chunk[jc.used:], j.a.B)
		perfSymbol(addr, len(j.a.B), fmt.Sprintf("gemu_jit_%08x", c.sc[CS].base+c.EIP))
		jc.used = (jc.used + 15) &^ 15
		in.blk = &block{head: in, run: makeFunc(addr), chain: addr + uintptr(j.chainAt), n: uint32(len(ins)), gen: k.gen, insns: ins}
		in.jstop = true
		jc.heads = append(jc.heads, in)
		return
	}
}

// link points cell, taken by the exit that just left a block for c.EIP on the same page,
// at the block there, if there is a valid one.
func (c *CPU) link(cell *chainCell) {
	lin := c.sc[CS].base + c.EIP
	if lin&^0xFFF != c.fetchLin {
		return
	}
	t := c.fetchPage.insn[lin&0xFFF]
	if t == nil || t.blk == nil || !t.blk.alive(c.code) {
		return
	}
	cell.code, cell.n, cell.gen = t.blk.chain, uint64(t.blk.n), c.code.gen
}

// alive reports whether every instruction of b is still decoded (none was overwritten).
func (b *block) alive(k *CodeCache) bool {
	for _, in := range b.insns {
		if in.dead {
			return false
		}
	}
	b.gen = k.gen
	return true
}

// runBlock runs in's block if it is still valid and fits the budget, then, while the
// budget allows, the instruction a block left to the interpreter and the blocks the jump
// cache has for where control goes. It reports whether it ran anything, and whether it
// stopped before an instruction the interpreter must run (side exit).
func (c *CPU) runBlock(in *insn, b *block) (ran, side bool) {
	if c.Retired+uint64(b.n) > c.lim {
		return false, false
	}
	k := c.code
	if b.gen != k.gen && !b.alive(k) {
		in.blk, in.jstop, in.heat = nil, false, 0
		return false, false
	}
	// Remember the block for the jump cache (again if decoded code was dropped since).
	if e := &c.jcache[jcIndex(c.EIP)]; e.key != c.jcKey|uint64(c.EIP) || e.gen != b.gen {
		*e = jcEntry{key: c.jcKey | uint64(c.EIP), code: b.chain, n: uint64(b.n), gen: b.gen, blk: b}
	}
	for {
		c.jitLeft, c.jitLink, c.jitSide = c.lim-c.Retired, 0, 0
		r := b.run(c)
		c.Retired += r >> 1
		if r>>1 == 0 {
			// A block that keeps stopping at its first instruction (a device access) is
			// only a detour: interpret that instruction from now on.
			if b.first++; b.first > 64 {
				b.head.blk, b.head.heat = nil, heatNever
				return true, true
			}
		} else {
			b.first = 0
		}
		if r&exitSide == 0 {
			if c.jitLink != 0 {
				c.link(k.jit.cells[c.jitLink-1])
			}
		} else {
			// Run the instruction the block stopped before, here rather than through
			// the dispatch loop: most are device accesses between translated code.
			s := k.jit.sides[c.jitSide-1]
			if s.dead {
				return true, true
			}
			c.curEIP = c.EIP
			c.EIP += uint32(s.len)
			s.fn(c, s)
			c.Retired++
		}
		e := &c.jcache[jcIndex(c.EIP)]
		for e.key != c.jcKey|uint64(c.EIP) && c.Retired < c.lim && c.flat {
			// An instruction that only the interpreter runs (a block ended before it)
			// runs here too, if it is on the current code page.
			lin := c.EIP
			if lin&^0xFFF != c.fetchLin {
				break
			}
			s := c.fetchPage.insn[lin&0xFFF]
			if s == nil || s.heat != heatNever {
				break
			}
			c.curEIP = c.EIP
			c.EIP += uint32(s.len)
			s.fn(c, s)
			c.Retired++
			e = &c.jcache[jcIndex(c.EIP)]
		}
		if e.key != c.jcKey|uint64(c.EIP) || e.gen != k.gen || c.Retired+e.n > c.lim || !c.flat {
			return true, false
		}
		b = e.blk
	}
}

// The jump cache maps linear EIPs to blocks for exits whose target is on another page or
// known only at run time (ret): per CPU, since it stands for the CPU's mapping. An entry
// is valid while its key (EIP, privilege tag, epoch) matches and no decoded code was dropped
// since it was made (gen); forgetFetch starts a new epoch.
const jcacheSize = 1024

type jcEntry struct {
	key  uint64 // jcKey | EIP
	code uintptr
	n    uint64
	gen  uint64
	blk  *block
	_    [24]byte // 64 bytes: the generated code indexes by shifting
}

func jcIndex(lin uint32) uint32 { return (lin ^ lin>>10) & (jcacheSize - 1) }

// perfMap, when GEMU_PERF_MAP is set in the environment, receives a line per block in the
// format of Linux perf's /tmp/perf-PID.map, so that `perf report` names translated code
// by the guest linear address it came from.
var perfMap struct {
	once sync.Once
	f    *os.File
	mu   sync.Mutex
}

func perfSymbol(addr uintptr, size int, name string) {
	perfMap.once.Do(func() {
		if os.Getenv("GEMU_PERF_MAP") != "" {
			f, err := os.Create(fmt.Sprintf("/tmp/perf-%d.map", os.Getpid()))
			if err == nil {
				perfMap.f = f
			}
		}
	})
	if perfMap.f == nil {
		return
	}
	perfMap.mu.Lock()
	defer perfMap.mu.Unlock()
	// A failed write only loses a symbol name for a profiler.
	_, _ = fmt.Fprintf(perfMap.f, "%x %x %s\n", addr, size, name)
}
