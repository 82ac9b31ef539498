package pc

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"gemu/ide"
	"gemu/images"
)

// xv6 is a headless xv6 session on the bundled images, driven in virtual time.
type xv6 struct {
	t   testing.TB
	m   *Machine
	out *bytes.Buffer
	fs  memDisk
}

// bootXv6 builds a machine with ncpu CPUs on copies of the bundled images (fs given, or
// a fresh copy of images.FS).
func bootXv6(t *testing.T, ncpu int, fs memDisk) *xv6 {
	t.Helper()
	if fs == nil {
		fs = append(memDisk(nil), images.FS...)
	}
	out := &bytes.Buffer{}
	m, err := New(Config{CPUs: ncpu, Disks: [2]ide.Disk{append(memDisk(nil), images.Kernel...), fs}, Serial: out})
	if err != nil {
		t.Fatal(err)
	}
	return &xv6{t: t, m: m, out: out, fs: fs}
}

// expect runs until the output from position from on contains want, within budget ns of
// virtual time, and returns the position after it.
func (x *xv6) expect(from int, want string, budget int64) int {
	x.t.Helper()
	const step = 10_000_000 // 10 ms of virtual time
	for spent := int64(0); spent < budget; spent += step {
		if i := strings.Index(x.out.String()[from:], want); i >= 0 {
			return from + i + len(want)
		}
		r, done, err := x.m.RunFor(context.Background(), step)
		if err != nil {
			x.t.Fatal(err)
		}
		if done {
			x.t.Fatalf("machine stopped (%s) waiting for %q; output:\n%s", r.Message, want, x.out)
		}
	}
	if i := strings.Index(x.out.String()[from:], want); i >= 0 {
		return from + i + len(want)
	}
	x.t.Fatalf("no %q within %d ms of virtual time; output:\n%s", want, budget/1e6, x.out)
	return 0
}

// run types cmd and waits for the next prompt, returning what the command printed.
func (x *xv6) run(cmd string, budget int64) string {
	x.t.Helper()
	start := x.out.Len()
	x.m.SendSerial([]byte(cmd + "\n"))
	end := x.expect(start, "\n$ ", budget)
	return x.out.String()[start:end]
}

func TestXv6BootsOnEveryCPUCount(t *testing.T) {
	counts := []int{1, 2, 4, 8}
	if testing.Short() {
		counts = []int{2}
	}
	for _, n := range counts {
		x := bootXv6(t, n, nil)
		x.expect(0, "init: starting sh\n$ ", 20e9)
		for i := 0; i < n; i++ {
			if want := fmt.Sprintf("cpu%d: starting %d\n", i, i); !strings.Contains(x.out.String(), want) {
				t.Errorf("-smp %d: no %q in\n%s", n, want, x.out)
			}
		}
		if out := x.run("echo hello", 5e9); !strings.Contains(out, "hello\n") {
			t.Errorf("-smp %d: echo printed %q", n, out)
		}
	}
}

// TestXv6SessionDeterministic runs the same scripted session twice: the transcripts,
// the virtual time and the instruction counts must be identical.
func TestXv6SessionDeterministic(t *testing.T) {
	script := []string{"ls", "echo one two", "mkdir d", "echo x > d/f", "cat d/f", "wc README"}
	var transcripts [2]string
	var stats [2]Stats
	for i := range transcripts {
		x := bootXv6(t, 2, nil)
		x.expect(0, "$ ", 20e9)
		for _, cmd := range script {
			x.run(cmd, 10e9)
		}
		transcripts[i], stats[i] = x.out.String(), x.m.Stats()
	}
	if transcripts[0] != transcripts[1] {
		t.Errorf("transcripts differ:\n%s\n----\n%s", transcripts[0], transcripts[1])
	}
	a, b := stats[0], stats[1]
	if a.VirtualNS != b.VirtualNS || a.Retired != b.Retired || fmt.Sprint(a.PerCPU) != fmt.Sprint(b.PerCPU) {
		t.Errorf("runs differ: %+v vs %+v", a, b)
	}
	if !strings.Contains(transcripts[0], "x\n") || !strings.Contains(transcripts[0], "one two\n") {
		t.Errorf("session output:\n%s", transcripts[0])
	}
}

// TestXv6TypeAhead queues the whole session before boot: it must all run, as typed.
func TestXv6TypeAhead(t *testing.T) {
	x := bootXv6(t, 1, nil)
	x.m.SendSerial([]byte("echo early\n"))
	end := x.expect(0, "early\n", 20e9)
	x.expect(end, "$ ", 5e9)
}

// BenchmarkXv6Boot boots xv6 to its prompt; it reports host ns per guest instruction,
// by the wall clock and by the process's CPU time (steadier on a loaded host).
func BenchmarkXv6Boot(b *testing.B) {
	for _, ncpu := range []int{1, 2} {
		b.Run(fmt.Sprintf("smp%d", ncpu), func(b *testing.B) {
			var retired uint64
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				t := &testing.T{}
				x := bootXv6(t, ncpu, nil)
				x.expect(0, "$ ", 20e9)
				retired += x.m.Stats().Retired
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(retired), "ns/insn")
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(retired), "cpu-ns/insn")
			b.ReportMetric(float64(retired)/float64(b.N), "insns/boot")
		})
	}
}

// cpuTime is the process's user and system CPU time in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkSlice boots xv6 on two CPUs and runs stressfs with several slice lengths;
// it reports host CPU time and virtual time per run.
func BenchmarkSlice(b *testing.B) {
	for _, slice := range []int{1024, 4096, 16384} {
		b.Run(fmt.Sprint(slice), func(b *testing.B) {
			cpu0 := cpuTime()
			var vt int64
			for i := 0; i < b.N; i++ {
				t := &testing.T{}
				out := &bytes.Buffer{}
				m, err := New(Config{CPUs: 2, Slice: slice, Serial: out,
					Disks: [2]ide.Disk{append(memDisk(nil), images.Kernel...), append(memDisk(nil), images.FS...)}})
				if err != nil {
					b.Fatal(err)
				}
				x := &xv6{t: t, m: m, out: out}
				end := x.expect(0, "$ ", 20e9)
				m.SendSerial([]byte("stressfs\n"))
				x.expect(end, "stressfs ok", 100e9)
				if t.Failed() {
					b.Fatal("stressfs did not finish")
				}
				vt += m.Stats().VirtualNS
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(vt)/1e6/float64(b.N), "virtual-ms/op")
		})
	}
}
