package x86

import (
	"encoding/binary"
	"testing"
)

// testBus is a small board for tests: RAM from 0, an MMIO window that records accesses and
// I/O ports that record writes and answer reads from a map.
type testBus struct {
	ram    []byte
	mmio   map[uint32]uint32 // MMIO contents by address (for pages >= len(ram))
	outs   []ioRec
	inVals map[uint16]uint32
	ins    int
}

type ioRec struct {
	port uint16
	size int
	v    uint32
}

func newTestBus(size int) *testBus {
	return &testBus{ram: make([]byte, size), mmio: map[uint32]uint32{}, inVals: map[uint16]uint32{}}
}

func (b *testBus) Page(pa uint32) ([]byte, bool) {
	if int(pa)+4096 <= len(b.ram) {
		return b.ram[pa : pa+4096], true
	}
	return nil, false
}

func (b *testBus) Read(pa uint32, size int) uint32 {
	if int(pa)+size <= len(b.ram) {
		var v uint32
		for i := 0; i < size; i++ {
			v |= uint32(b.ram[int(pa)+i]) << (8 * i)
		}
		return v
	}
	return b.mmio[pa]
}

func (b *testBus) Write(pa uint32, size int, v uint32) {
	if int(pa)+size <= len(b.ram) {
		for i := 0; i < size; i++ {
			b.ram[int(pa)+i] = byte(v >> (8 * i))
		}
		return
	}
	b.mmio[pa] = v
}

func (b *testBus) In(port uint16, size int) uint32 {
	b.ins++
	return b.inVals[port]
}

func (b *testBus) Out(port uint16, size int, v uint32) {
	b.outs = append(b.outs, ioRec{port, size, v})
}

// testIntr is an interrupt line with a queue of vectors.
type testIntr struct{ q []uint8 }

func (t *testIntr) Pending() bool { return len(t.q) > 0 }
func (t *testIntr) Ack() uint8 {
	v := t.q[0]
	t.q = t.q[1:]
	return v
}

func (b *testBus) put(pa uint32, code []byte) { copy(b.ram[pa:], code) }
func (b *testBus) w32(pa, v uint32)           { binary.LittleEndian.PutUint32(b.ram[pa:], v) }
func (b *testBus) r32(pa uint32) uint32       { return binary.LittleEndian.Uint32(b.ram[pa:]) }

// GDT layout used by the protected-mode tests.
const (
	gdtBase   = 0x500
	idtBase   = 0x800
	tssBase   = 0x1800
	selCode0  = 0x08
	selData0  = 0x10
	selCode3  = 0x1B
	selData3  = 0x23
	selTSS    = 0x28
	selCode16 = 0x30
)

// segDesc encodes a descriptor.
func segDesc(base, limit uint32, access uint8, flags uint8) uint64 {
	g := uint64(0)
	if limit > 0xFFFFF {
		limit >>= 12
		g = 8
	}
	d := uint64(limit&0xFFFF) | uint64(base&0xFFFFFF)<<16 | uint64(access)<<40 |
		uint64(limit>>16&0xF)<<48 | (uint64(flags)|g)<<52 | uint64(base>>24)<<56
	return d
}

func gateDesc(sel uint16, off uint32, typ uint8, dpl uint8) uint64 {
	return uint64(off&0xFFFF) | uint64(sel)<<16 | uint64(0x80|dpl<<5|typ)<<40 | uint64(off>>16)<<48
}

// newFlat returns a CPU in 32-bit flat protected mode at CPL 0 with a GDT (kernel and user
// code/data, a TSS), an IDT at idtBase (empty), ESP=0x80000 and EIP=0x10000.
func newFlat(t testing.TB) (*CPU, *testBus, *testIntr) {
	b := newTestBus(16 << 20)
	it := &testIntr{}
	c := New(b, it, nil)
	gdt := []uint64{0,
		segDesc(0, 0xFFFFFFFF, 0x9A, 4),
		segDesc(0, 0xFFFFFFFF, 0x92, 4),
		segDesc(0, 0xFFFFFFFF, 0xFA, 4),
		segDesc(0, 0xFFFFFFFF, 0xF2, 4),
		segDesc(tssBase, 0x67, 0x89, 0),
		segDesc(0, 0xFFFF, 0x9A, 0),
	}
	for i, d := range gdt {
		binary.LittleEndian.PutUint64(b.ram[gdtBase+8*i:], d)
	}
	c.GDTR = DTR{Base: gdtBase, Limit: uint16(8*len(gdt) - 1)}
	c.IDTR = DTR{Base: idtBase, Limit: 0x7FF}
	c.CR0 = cr0PE | cr0ET
	c.Seg[CS] = Segment{Sel: selCode0, Base: 0, Limit: 0xFFFFFFFF, Attr: 0xC09B}
	for _, s := range []int{ES, SS, DS, FS, GS} {
		c.Seg[s] = Segment{Sel: selData0, Base: 0, Limit: 0xFFFFFFFF, Attr: 0xC093}
	}
	c.TR = Segment{Sel: selTSS, Base: tssBase, Limit: 0x67, Attr: 0x8B}
	b.w32(tssBase+4, 0x90000)  // esp0
	b.w32(tssBase+8, selData0) // ss0
	b.ram[tssBase+0x66] = 0x68 // I/O map base past the limit
	c.Reg[ESP] = 0x80000
	c.EIP = 0x10000
	c.SetFlags(0x2)
	return c, b, it
}

// setGate installs an IDT gate.
func setGate(b *testBus, vec int, sel uint16, off uint32, typ, dpl uint8) {
	binary.LittleEndian.PutUint64(b.ram[idtBase+8*vec:], gateDesc(sel, off, typ, dpl))
}
