package pc

import (
	"bytes"
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"gemu/ide"
	"gemu/images"
)

// perfCPUTime is this process's user+system CPU time: on a shared host guest MIPS per
// CPU-second is steadier than per wall-clock second.
func perfCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// perfRunUntil runs m until out holds want after position from (virtual-time budget in ns).
func perfRunUntil(b *testing.B, m *Machine, out *bytes.Buffer, from int, want string, budget int64) int {
	b.Helper()
	const step = 10_000_000
	for spent := int64(0); ; spent += step {
		if i := strings.Index(out.String()[from:], want); i >= 0 {
			return from + i + len(want)
		}
		if spent >= budget {
			b.Fatalf("no %q within %d ms of virtual time; output:\n%s", want, budget/1e6, out)
		}
		if _, done, err := m.RunFor(context.Background(), step); err != nil || done {
			b.Fatalf("machine stopped waiting for %q (err %v); output:\n%s", want, err, out)
		}
	}
}

// perfReport reports guest instructions per host second (wall and CPU) for n instructions.
func perfReport(b *testing.B, n uint64, wall, cpu time.Duration) {
	b.ReportMetric(float64(n)/wall.Seconds()/1e6, "MIPS")
	if cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds()/1e6, "MIPS/cpu-s")
	}
	b.ReportMetric(float64(n)/float64(b.N), "insns/op")
}

func benchBoot(b *testing.B, ncpu int) {
	var insns uint64
	var wall, cpu time.Duration
	for i := 0; i < b.N; i++ {
		out := &bytes.Buffer{}
		fs := append(memDisk(nil), images.FS...)
		t0, c0 := time.Now(), perfCPUTime()
		m, err := New(Config{CPUs: ncpu, Disks: [2]ide.Disk{append(memDisk(nil), images.Kernel...), fs}, Serial: out})
		if err != nil {
			b.Fatal(err)
		}
		perfRunUntil(b, m, out, 0, "$ ", 20e9)
		wall += time.Since(t0)
		cpu += perfCPUTime() - c0
		insns += m.Stats().Retired
	}
	perfReport(b, insns, wall, cpu)
}

// BenchmarkBootXv6SMP1 boots the bundled xv6 to its first prompt on one CPU; one op is one boot.
func BenchmarkBootXv6SMP1(b *testing.B) { benchBoot(b, 1) }

// BenchmarkBootXv6SMP2 boots the bundled xv6 to its first prompt on two CPUs.
func BenchmarkBootXv6SMP2(b *testing.B) { benchBoot(b, 2) }

// BenchmarkXv6BenchProgram runs the guest `bench` program (compute loop, then stores to
// globals on code pages) on one CPU after boot; one op is one run of bench.
func BenchmarkXv6BenchProgram(b *testing.B) {
	var insns uint64
	var wall, cpu time.Duration
	for i := 0; i < b.N; i++ {
		out := &bytes.Buffer{}
		fs := append(memDisk(nil), images.FS...)
		m, err := New(Config{CPUs: 1, Disks: [2]ide.Disk{append(memDisk(nil), images.Kernel...), fs}, Serial: out})
		if err != nil {
			b.Fatal(err)
		}
		at := perfRunUntil(b, m, out, 0, "$ ", 20e9)
		r0 := m.Stats().Retired
		t0, c0 := time.Now(), perfCPUTime()
		m.SendSerial([]byte("bench\n"))
		perfRunUntil(b, m, out, at, "bench: total", 600e9)
		perfRunUntil(b, m, out, at, "\n$ ", 10e9)
		wall += time.Since(t0)
		cpu += perfCPUTime() - c0
		insns += m.Stats().Retired - r0
		if i == 0 {
			b.Log(strings.TrimSpace(out.String()[at:]))
		}
	}
	perfReport(b, insns, wall, cpu)
}

func benchUsertests(b *testing.B, ncpu int, tests ...string) {
	var insns uint64
	var wall, cpu time.Duration
	var virt int64
	for i := 0; i < b.N; i++ {
		out := &bytes.Buffer{}
		fs := append(memDisk(nil), images.FS...)
		m, err := New(Config{CPUs: ncpu, Disks: [2]ide.Disk{append(memDisk(nil), images.Kernel...), fs}, Serial: out})
		if err != nil {
			b.Fatal(err)
		}
		at := perfRunUntil(b, m, out, 0, "$ ", 20e9)
		s0 := m.Stats()
		t0, c0 := time.Now(), perfCPUTime()
		m.SendSerial([]byte(strings.Join(append([]string{"usertests"}, tests...), " ") + "\n"))
		perfRunUntil(b, m, out, at, "ALL TESTS PASSED", 3600e9)
		wall += time.Since(t0)
		cpu += perfCPUTime() - c0
		s := m.Stats()
		insns += s.Retired - s0.Retired
		virt += s.VirtualNS - s0.VirtualNS
	}
	perfReport(b, insns, wall, cpu)
	b.ReportMetric(float64(virt)/1e9/float64(b.N), "virt-s/op")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkXv6Usertests1 runs xv6's usertests on one CPU (minutes; run with -benchtime 1x).
func BenchmarkXv6Usertests1(b *testing.B) { benchUsertests(b, 1) }

// BenchmarkXv6Usertests2 runs xv6's usertests on two CPUs (minutes; run with -benchtime 1x).
func BenchmarkXv6Usertests2(b *testing.B) { benchUsertests(b, 2) }

// BenchmarkXv6UsertestsDirs runs two of the directory tests that, with bigdir, retire most
// of usertests' instructions (file system code under many short-held locks): a quicker
// stand-in for the whole suite when judging a change with benchstat.
func BenchmarkXv6UsertestsDirs(b *testing.B) { benchUsertests(b, 1, "createdelete", "concreate") }
