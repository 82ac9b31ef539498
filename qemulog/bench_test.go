package qemulog

import (
	"io"
	"testing"

	"gemu/x86"
)

// benchBus is 64 KB of RAM.
type benchBus struct{ ram []byte }

func (b *benchBus) Page(pa uint32) ([]byte, bool) {
	if uint64(pa)+4096 > uint64(len(b.ram)) {
		return nil, false
	}
	return b.ram[pa : pa+4096], true
}
func (b *benchBus) Read(pa uint32, size int) uint32     { return 0 }
func (b *benchBus) Write(pa uint32, size int, v uint32) {}
func (b *benchBus) In(port uint16, size int) uint32     { return 0 }
func (b *benchBus) Out(port uint16, size int, v uint32) {}
func (b *benchBus) Pending() bool                       { return false }
func (b *benchBus) Ack() uint8                          { return 0 }

// loopCPU returns a real-mode CPU at 0:7c00 running `inc %ax; inc %bx; jmp 0x7c00`.
func loopCPU() *x86.CPU {
	bus := &benchBus{ram: make([]byte, 64<<10)}
	copy(bus.ram[0x7c00:], []byte{0x40, 0x43, 0xeb, 0xfc})
	c := x86.New(bus, bus, nil)
	c.SetRealSeg(x86.CS, 0)
	c.EIP = 0x7c00
	return c
}

// benchRun runs b.N instructions of the loop with the log items in mask.
func benchRun(b *testing.B, mask Mask) {
	c := loopCPU()
	l := New(mask, io.Discard)
	l.Attach(c, 0)
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(b.N-done, 1<<16)
		before := c.Retired
		c.Run(n)
		done += int(c.Retired - before)
		if c.Retired == before {
			b.Fatal("the CPU does not run")
		}
	}
}

// BenchmarkRunLogOff is the CPU with the logger attached and every item off: it must
// cost what a CPU with no logger costs (the hooks stay nil).
func BenchmarkRunLogOff(b *testing.B) { benchRun(b, 0) }

// BenchmarkRunLogExec is the CPU with -d exec (a Trace line per block, discarded).
func BenchmarkRunLogExec(b *testing.B) { benchRun(b, Exec) }

// BenchmarkRunLogInAsmCPU is the CPU with -d in_asm,cpu (a register dump per block).
func BenchmarkRunLogInAsmCPU(b *testing.B) { benchRun(b, InAsm|CPU) }
