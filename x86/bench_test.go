package x86

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time this process has used (the machine is shared, so guest MIPS
// per CPU-second is steadier than per wall-clock second).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopCode is an 8-instruction guest loop: register ALU work, a load and a store of a
// global at [edi], a counter and a backward jump. It never ends (ecx starts at 0).
var loopCode = []byte{
	0x01, 0xD8, // add eax, ebx
	0x31, 0xC2, // xor edx, eax
	0x8B, 0x37, // mov esi, [edi]
	0x83, 0xC6, 0x01, // add esi, 1
	0x89, 0x37, // mov [edi], esi
	0x45,       // inc ebp
	0x49,       // dec ecx
	0xEB, 0xF1, // jmp back to the add (rel8 -15)
}

func benchLoop(b *testing.B, global uint32) {
	c, bus, _ := newFlat(b)
	bus.put(0x10000, loopCode)
	c.Reg[EDI] = global
	c.Run(1000) // warm up: decode, fill the TLB
	b.ResetTimer()
	start := time.Now()
	cstart := cpuTime()
	n := b.N
	for n > 0 {
		k := n
		if k > 1<<20 {
			k = 1 << 20
		}
		if r := c.Run(k); r != StopBudget {
			b.Fatalf("stop %v: %s", r, c.Fault)
		}
		n -= k
	}
	el := time.Since(start)
	cel := cpuTime() - cstart
	b.ReportMetric(float64(b.N)/el.Seconds()/1e6, "MIPS")
	if cel > 0 {
		b.ReportMetric(float64(b.N)/cel.Seconds()/1e6, "MIPS/cpu-s")
	}
}

// BenchmarkLoop runs the loop with its global on a page of its own. One op is one guest
// instruction.
func BenchmarkLoop(b *testing.B) { benchLoop(b, 0x20000) }

// BenchmarkLoopStoreCodePage runs the same loop storing to a global on the code's own page
// (as xv6 programs linked with -N do).
func BenchmarkLoopStoreCodePage(b *testing.B) { benchLoop(b, 0x10800) }

// BenchmarkRepMovs copies 64 KB with rep movsd; one op is one copy.
func BenchmarkRepMovs(b *testing.B) {
	c, bus, _ := newFlat(b)
	// mov esi,0x100000; mov edi,0x200000; mov ecx,16384; rep movsd; jmp start
	bus.put(0x10000, []byte{0xBE, 0, 0, 0x10, 0, 0xBF, 0, 0, 0x20, 0, 0xB9, 0, 0x40, 0, 0, 0xF3, 0xA5, 0xEB, 0xED})
	b.SetBytes(64 << 10)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := c.Run(5); r != StopBudget {
			b.Fatalf("stop %v: %s", r, c.Fault)
		}
	}
}
