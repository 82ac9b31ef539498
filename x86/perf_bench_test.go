package x86

import (
	"testing"
	"time"
)

// Hot-path benchmarks for issue 7 (judge changes with benchstat on MIPS/cpu-s: the host is
// shared, so wall-clock MIPS is noisy).

// runBench runs c for b.N guest instructions in 1M chunks and reports guest MIPS.
func runBench(b *testing.B, c *CPU) {
	b.Helper()
	c.Run(1000) // warm up: decode, fill the TLB
	b.ResetTimer()
	start, cstart := time.Now(), cpuTime()
	for n := b.N; n > 0; {
		k := min(n, 1<<20)
		if r := c.Run(k); r != StopBudget {
			b.Fatalf("stop %v: %s", r, c.Fault)
		}
		n -= k
	}
	el, cel := time.Since(start), cpuTime()-cstart
	b.ReportMetric(float64(b.N)/el.Seconds()/1e6, "MIPS")
	if cel > 0 {
		b.ReportMetric(float64(b.N)/cel.Seconds()/1e6, "MIPS/cpu-s")
	}
}

// BenchmarkCrossPageCall calls a function on another page and returns, in a loop: every
// call and ret changes the fetch page (as kernel code does all the time). One op is one
// guest instruction.
func BenchmarkCrossPageCall(b *testing.B) {
	c, bus, _ := newFlat(b)
	bus.put(0x10000, []byte{0xE8, 0xFB, 0x0F, 0x00, 0x00, 0xEB, 0xF9}) // call 0x11000; jmp 0x10000
	bus.put(0x11000, []byte{0xC3})                                     // ret
	runBench(b, c)
}

// BenchmarkLoopPaged runs loopCode with paging on (4 KB pages, identity map): memory
// operands and fetches go through the software TLB. One op is one guest instruction.
func BenchmarkLoopPaged(b *testing.B) {
	c, bus, _ := newFlat(b)
	bus.put(0x10000, loopCode)
	const pd, pt = 0x100000, 0x101000
	bus.w32(pd, pt|7)
	for i := uint32(0); i < 1024; i++ {
		bus.w32(pt+4*i, i<<12|7)
	}
	c.CR3 = pd
	c.CR0 |= 1 << 31
	c.Reg[EDI] = 0x20000
	runBench(b, c)
}

// BenchmarkRepStos fills 64 KB with rep stosd (16 pages); one op is one fill.
func BenchmarkRepStos(b *testing.B) {
	c, bus, _ := newFlat(b)
	// mov eax,0x01010101; mov edi,0x200000; mov ecx,16384; rep stosd; jmp start
	bus.put(0x10000, []byte{0xB8, 1, 1, 1, 1, 0xBF, 0, 0, 0x20, 0, 0xB9, 0, 0x40, 0, 0, 0xF3, 0xAB, 0xEB, 0xED})
	b.SetBytes(64 << 10)
	for i := 0; i < b.N; i++ {
		if r := c.Run(5); r != StopBudget {
			b.Fatalf("stop %v: %s", r, c.Fault)
		}
	}
	if bus.r32(0x20FFFC) != 0x01010101 {
		b.Fatalf("fill wrong: %#x", bus.r32(0x20FFFC))
	}
}

// BenchmarkInterrupt delivers an external interrupt through a 32-bit interrupt gate to a
// handler that returns with iret; one op is one delivery plus the iret.
func BenchmarkInterrupt(b *testing.B) {
	c, bus, it := newFlat(b)
	bus.put(0x10000, []byte{0xEB, 0xFE}) // jmp $
	bus.put(0x12000, []byte{0xCF})       // iret
	setGate(bus, 0x20, selCode0, 0x12000, 0xE, 0)
	c.SetFlags(0x202)
	c.Run(10)
	q := make([]uint8, 0, 1)
	for i := 0; i < b.N; i++ {
		it.q = append(q, 0x20)
		c.PollInterrupts()
		if r := c.Run(2); r != StopBudget {
			b.Fatalf("stop %v: %s", r, c.Fault)
		}
	}
	if c.EIP != 0x10000 || len(it.q) != 0 {
		b.Fatalf("EIP %#x, %d interrupts left", c.EIP, len(it.q))
	}
}
