//go:build unicorn

package x86_test

// baremetal/rom_cpu.bin, the CPU test ROM, run from the reset vector on our CPU and on
// Unicorn: the tables of results it sends to port 0x198 (records of a check id and the
// 32-bit value seen) must be the same. Unicorn hands interrupts and exceptions to a hook
// instead of the IDT, so both runs leave out the stages that need them (the ROM's SKIP byte
// at 0x4F0 = 7: limit faults, interrupt gates, task switches); a run of ours with SKIP=0
// must give the same records for the common stages and pass every check.

import (
	"fmt"
	"os"
	"testing"

	"gemu/x86"
	"gemu/x86/internal/uc"
)

const (
	romTablePort = 0x198
	romExitPort  = 0xF4
	romSkipAddr  = 0x4F0
	romRAM       = 2 << 20
)

// romBus is RAM with a 64 KB ROM at 0xF0000 (and below 4 GB), recording port writes.
type romBus struct {
	ram, rom []byte
	table    []byte
	exit     int // the value written to the exit port, or -1
	cpu      *x86.CPU
}

func (b *romBus) romPage(pa uint32) []byte {
	switch {
	case pa >= 0xF0000 && pa < 0x100000:
		return b.rom[pa-0xF0000 : pa-0xF0000+4096]
	case pa >= 0xFFFF0000:
		return b.rom[pa-0xFFFF0000 : pa-0xFFFF0000+4096]
	}
	return nil
}

func (b *romBus) Page(pa uint32) ([]byte, bool) {
	if p := b.romPage(pa &^ 0xFFF); p != nil {
		return p, false
	}
	if uint64(pa)+4096 <= uint64(len(b.ram)) {
		return b.ram[pa : pa+4096 : pa+4096], true
	}
	return nil, false
}

func (b *romBus) Read(pa uint32, size int) uint32 {
	var v uint32
	for i := size - 1; i >= 0; i-- {
		a := pa + uint32(i)
		c := byte(0xFF)
		if p := b.romPage(a &^ 0xFFF); p != nil {
			c = p[a&0xFFF]
		} else if uint64(a) < uint64(len(b.ram)) {
			c = b.ram[a]
		}
		v = v<<8 | uint32(c)
	}
	return v
}

func (b *romBus) Write(pa uint32, size int, v uint32) {
	for i := 0; i < size; i++ {
		a := pa + uint32(i)
		if b.romPage(a&^0xFFF) == nil && uint64(a) < uint64(len(b.ram)) {
			b.ram[a] = byte(v >> (8 * i))
		}
	}
}

func (b *romBus) In(port uint16, size int) uint32 { return 0xFFFFFFFF >> (32 - 8*size) }

func (b *romBus) Out(port uint16, size int, v uint32) {
	switch port {
	case romTablePort:
		b.table = append(b.table, byte(v))
	case romExitPort:
		b.exit = int(v)
		b.cpu.RequestStop()
	}
}

// romRecord is one check of the table.
type romRecord struct {
	id  byte
	val uint32
}

func romRecords(t *testing.T, table []byte) []romRecord {
	t.Helper()
	if len(table)%5 != 0 {
		t.Fatalf("table of %d bytes: not whole 5-byte records", len(table))
	}
	var r []romRecord
	for i := 0; i < len(table); i += 5 {
		r = append(r, romRecord{table[i], uint32(table[i+1]) | uint32(table[i+2])<<8 | uint32(table[i+3])<<16 | uint32(table[i+4])<<24})
	}
	return r
}

func romRunOurs(t *testing.T, rom []byte, skip byte) ([]romRecord, int) {
	t.Helper()
	b := &romBus{ram: make([]byte, romRAM), rom: rom, exit: -1}
	b.ram[romSkipAddr] = skip
	b.cpu = x86.New(b, dtNoIntr{}, nil)
	for b.exit < 0 && b.cpu.Retired < 10_000_000 {
		if r := b.cpu.Run(100000); r == x86.StopTripleFault || r == x86.StopHalt {
			t.Fatalf("our CPU stopped (%v) at %#x: %s", r, b.cpu.EIP, b.cpu.Fault)
		}
	}
	return romRecords(t, b.table), b.exit
}

func romRunUnicorn(t *testing.T, rom []byte, skip byte) ([]romRecord, int) {
	t.Helper()
	e, err := uc.NewMode(romRAM, true)
	if err != nil {
		t.Fatalf("unicorn: %v", err)
	}
	defer e.Close()
	must := func(err error) {
		if err != nil {
			t.Fatalf("unicorn: %v", err)
		}
	}
	must(e.WriteMem(0xF0000, rom))
	must(e.WriteMem(romSkipAddr, []byte{skip}))
	must(e.LogOuts())
	must(e.SetSeg(x86.CS, 0xF000))
	res, err := e.Start(0xFFFF0, 0x1FFFFF, 1_000_000)
	if err != nil || res.Intr {
		eip, _ := e.EIP()
		t.Fatalf("unicorn stopped: %v, exception %v (vector %d at %#x), EIP %#x", err, res.Intr, res.Vector, res.IntEIP, eip)
	}
	var table []byte
	exit := -1
	for _, o := range e.Outs() {
		switch o.Port {
		case romTablePort:
			table = append(table, byte(o.Value))
		case romExitPort:
			exit = int(o.Value)
		}
	}
	return romRecords(t, table), exit
}

func TestUnicornCPUROM(t *testing.T) {
	rom, err := os.ReadFile("../baremetal/rom_cpu.bin")
	if err != nil {
		t.Fatal(err)
	}
	want, wexit := romRunUnicorn(t, rom, 7)
	got, gexit := romRunOurs(t, rom, 7)
	if len(want) < 40 {
		t.Fatalf("Unicorn's table has only %d records", len(want))
	}
	diff := 0
	for i := 0; i < max(len(got), len(want)); i++ {
		var g, w string
		if i < len(got) {
			g = fmt.Sprintf("%#02x=%#08x", got[i].id, got[i].val)
		}
		if i < len(want) {
			w = fmt.Sprintf("%#02x=%#08x", want[i].id, want[i].val)
		}
		if g != w {
			diff++
			t.Errorf("record %d: ours %s, Unicorn %s", i, g, w)
		}
	}
	if wexit != 0x10 || gexit != 0x10 {
		t.Errorf("exit values: ours %#x, Unicorn %#x; want 0x10 (every check as the SDM says)", gexit, wexit)
	}
	full, fexit := romRunOurs(t, rom, 0)
	if fexit != 0x10 {
		t.Errorf("our full run exits with %#x, want 0x10", fexit)
	}
	common := 0
	for _, r := range full {
		for _, w := range want {
			if r.id == w.id {
				common++
				if r.val != w.val {
					t.Errorf("check %#02x: %#x in the full run, %#x on Unicorn", r.id, r.val, w.val)
				}
			}
		}
	}
	t.Logf("%d records compared with Unicorn (%d differ); the full run has %d, %d of them in common", len(want), diff, len(full), common)
}
