// Command bench compares Gemu with qemu-system-i386 on the same xv6 images, side by side:
// runs alternate A B A B, and it prints the median of each measurement and the Gemu/qemu
// ratio. Run it from the repository root: go run ./scripts/bench [-runs N] [-what list].
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"gemu/harness"
)

// emulator is one side of the comparison.
type emulator struct {
	name string
	argv func(kernel, fs string, cpus int) []string
}

// measurement is what one run of one case gives.
type measurement struct {
	seconds float64
	cpuSec  float64 // user + system CPU time of the whole process (steadier than wall time on a loaded host)
	rssMB   float64
	extra   string // guest-reported figures (bench's ticks)
}

// benchCase is one thing measured: boot to the prompt, or a command typed at it.
type benchCase struct {
	name    string
	cpus    int
	command string         // typed after the prompt; "" = boot only
	done    *regexp.Regexp // what ends the measurement
	limit   time.Duration
}

var prompt = regexp.MustCompile(`\$ $`)

// caseLimit overrides every case's time limit when non-zero; qemuOnly drops Gemu's side.
var (
	caseLimit time.Duration
	qemuOnly  bool
)

func main() {
	runs := flag.Int("runs", 5, "runs of each case on each emulator")
	what := flag.String("what", "boot1,boot2,usertests1,usertests2,bench", "cases to run")
	qemuPath := flag.String("qemu", "qemu-system-i386", "qemu binary (skipped when missing)")
	kernel := flag.String("kernel", "images/xv6.img", "disk 0 image")
	fsImg := flag.String("fs", "images/fs.img", "disk 1 image (copied fresh for every run)")
	limit := flag.Duration("limit", 0, "time limit per run (0 = each case's default)")
	noGemu := flag.Bool("qemu-only", false, "measure qemu alone (e.g. usertests when Gemu's side is measured by go test -bench)")
	flag.Parse()
	caseLimit, qemuOnly = *limit, *noGemu
	if err := run(*runs, strings.Split(*what, ","), *qemuPath, *kernel, *fsImg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(runs int, what []string, qemuPath, kernel, fsImg string) error {
	tmp, err := os.MkdirTemp("", "gemu-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	gemuBin := filepath.Join(tmp, "gemu")
	build := exec.Command("go", "build", "-o", gemuBin, "./cmd/gemu")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building gemu: %w", err)
	}
	emus := []emulator{{"gemu", func(k, f string, n int) []string {
		return []string{gemuBin, "-nographic", "-no-reboot", "-m", "512", "-smp", fmt.Sprint(n),
			"-drive", "file=" + f + ",index=1,media=disk,format=raw", "-drive", "file=" + k + ",index=0,media=disk,format=raw"}
	}}}
	if q, err := exec.LookPath(qemuPath); err == nil {
		emus = append(emus, emulator{"qemu", func(k, f string, n int) []string {
			return []string{q, "-nographic", "-no-reboot", "-m", "512", "-smp", fmt.Sprintf("%d,sockets=%d", n, n),
				"-drive", "file=" + f + ",index=1,media=disk,format=raw", "-drive", "file=" + k + ",index=0,media=disk,format=raw"}
		}})
	} else {
		fmt.Println("qemu not found: measuring Gemu alone")
	}
	if qemuOnly {
		if len(emus) < 2 {
			return fmt.Errorf("-qemu-only: %s not found", qemuPath)
		}
		emus = emus[1:]
		fmt.Println("measuring qemu alone (its figures are in the gemu columns)")
	}
	cases := map[string]benchCase{
		"boot1":      {"boot to $, 1 CPU", 1, "", nil, time.Minute},
		"boot2":      {"boot to $, 2 CPUs", 2, "", nil, time.Minute},
		"usertests1": {"usertests, 1 CPU", 1, "usertests", regexp.MustCompile(`ALL TESTS PASSED`), 10 * time.Minute},
		"usertests2": {"usertests, 2 CPUs", 2, "usertests", regexp.MustCompile(`ALL TESTS PASSED`), 10 * time.Minute},
		"bench":      {"bench program, 1 CPU", 1, "bench", regexp.MustCompile(`bench: total[^\n]*\n`), 5 * time.Minute},
	}
	fmt.Printf("Gemu vs qemu, %d runs each, alternating; %s, %d CPUs, %s\n", runs, time.Now().Format("2006-01-02"), runtime.NumCPU(), runtime.GOARCH)
	fmt.Printf("%-24s %12s %12s %8s %12s %14s %14s\n", "case", "gemu (s)", "qemu (s)", "ratio", "gemu RSS MB", "gemu CPU (s)", "qemu CPU (s)")
	for _, key := range what {
		c, ok := cases[key]
		if !ok {
			return fmt.Errorf("unknown case %q", key)
		}
		if caseLimit > 0 {
			c.limit = caseLimit
		}
		results := make([][]measurement, len(emus))
		for r := 0; r < runs; r++ {
			for i, e := range emus {
				m, err := once(e, c, kernel, fsImg, tmp)
				if err != nil {
					return fmt.Errorf("%s, %s: %w", c.name, e.name, err)
				}
				results[i] = append(results[i], m)
			}
		}
		report(c, emus, results)
		if c.command == "bench" && !qemuOnly {
			if err := reportMIPS(c, kernel, fsImg, results[0]); err != nil {
				return err
			}
		}
	}
	return nil
}

// reportMIPS prints Gemu's guest MIPS on case c: Gemu's clock is exact, so the guest
// instructions of the command are counted once in this process (a headless session on the
// same images) and divided by the median wall time the gemu process took for it.
func reportMIPS(c benchCase, kernel, fsImg string, ms []measurement) error {
	k, err := os.ReadFile(kernel)
	if err != nil {
		return err
	}
	f, err := os.ReadFile(fsImg)
	if err != nil {
		return err
	}
	s, err := harness.Start(harness.Config{Kernel: k, FS: f, CPUs: c.cpus, MemoryMB: 512})
	if err != nil {
		return fmt.Errorf("counting instructions: %w", err)
	}
	defer s.Close()
	if err := s.Expect("$ "); err != nil {
		return fmt.Errorf("counting instructions: %w", err)
	}
	n0 := s.Machine().Stats().Retired
	s.Send(c.command + "\n")
	if _, err := s.ExpectRegexp(c.done, 600e9); err != nil {
		return fmt.Errorf("counting instructions: %w", err)
	}
	n := s.Machine().Stats().Retired - n0
	secs := make([]float64, len(ms))
	for i, m := range ms {
		secs[i] = m.seconds
	}
	sort.Float64s(secs)
	fmt.Printf("    gemu guest MIPS: %.0f (%d M instructions from typing %q to its last line, median %.3f s)\n",
		float64(n)/secs[len(secs)/2]/1e6, n/1e6, c.command, secs[len(secs)/2])
	return nil
}

// once runs one case on one emulator with a fresh copy of the file system.
func once(e emulator, c benchCase, kernel, fsImg, tmp string) (measurement, error) {
	fsCopy := filepath.Join(tmp, "fs.img")
	data, err := os.ReadFile(fsImg)
	if err != nil {
		return measurement{}, err
	}
	if err := os.WriteFile(fsCopy, data, 0o644); err != nil {
		return measurement{}, err
	}
	// A private copy of the boot disk too: emulators lock their images, and other runs
	// (or a developer's session) may hold the original.
	kernCopy := filepath.Join(tmp, "xv6.img")
	kdata, err := os.ReadFile(kernel)
	if err != nil {
		return measurement{}, err
	}
	if err := os.WriteFile(kernCopy, kdata, 0o644); err != nil {
		return measurement{}, err
	}
	argv := e.argv(kernCopy, fsCopy, c.cpus)
	cmd := exec.Command(argv[0], argv[1:]...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return measurement{}, err
	}
	out := &watcher{ch: make(chan struct{}, 1)}
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return measurement{}, err
	}
	defer cmd.Process.Kill()
	wait := func(re *regexp.Regexp, from int) (int, error) {
		deadline := time.After(c.limit)
		for {
			if loc := out.find(re, from); loc != nil {
				return loc[1], nil
			}
			select {
			case <-out.ch:
			case <-deadline:
				return 0, fmt.Errorf("no %q within %s; output:\n%s", re, c.limit, out.tail(2000))
			}
		}
	}
	end, err := wait(prompt, 0)
	if err != nil {
		return measurement{}, err
	}
	var m measurement
	if c.command != "" {
		start = time.Now()
		io.WriteString(stdin, c.command+"\n")
		end2, err := wait(c.done, end)
		if err != nil {
			return measurement{}, err
		}
		m.extra = strings.TrimSpace(out.slice(end, end2))
	}
	m.seconds = time.Since(start).Seconds()
	cmd.Process.Signal(syscall.SIGTERM)
	stdin.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
	if st, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.rssMB = float64(st.Maxrss) / 1024
		m.cpuSec = time.Duration(st.Utime.Nano() + st.Stime.Nano()).Seconds()
	}
	return m, nil
}

func report(c benchCase, emus []emulator, results [][]measurement) {
	med := func(ms []measurement, f func(measurement) float64) float64 {
		v := make([]float64, len(ms))
		for i, m := range ms {
			v[i] = f(m)
		}
		sort.Float64s(v)
		return v[len(v)/2]
	}
	secs := func(m measurement) float64 { return m.seconds }
	g := med(results[0], secs)
	rss := med(results[0], func(m measurement) float64 { return m.rssMB })
	cpu := func(m measurement) float64 { return m.cpuSec }
	q, ratio, qcpu := "-", "-", "-"
	if len(emus) > 1 {
		qs := med(results[1], secs)
		q, ratio = fmt.Sprintf("%.3f", qs), fmt.Sprintf("%.2f", g/qs)
		qcpu = fmt.Sprintf("%.3f", med(results[1], cpu))
	}
	fmt.Printf("%-24s %12.3f %12s %8s %12.0f %14.3f %14s\n", c.name, g, q, ratio, rss, med(results[0], cpu), qcpu)
	if c.command == "bench" {
		for i, e := range emus {
			fmt.Printf("    %s: %s\n", e.name, strings.ReplaceAll(results[i][len(results[i])/2].extra, "\n", "; "))
		}
	}
}

// watcher collects an emulator's output and signals each arrival.
type watcher struct {
	mu  sync.Mutex
	buf bytes.Buffer
	ch  chan struct{}
}

func (w *watcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(bytes.ReplaceAll(p, []byte("\r"), nil))
	w.mu.Unlock()
	select {
	case w.ch <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *watcher) find(re *regexp.Regexp, from int) []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	loc := re.FindIndex(w.buf.Bytes()[from:])
	if loc == nil {
		return nil
	}
	return []int{loc[0] + from, loc[1] + from}
}

func (w *watcher) slice(a, b int) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf.Bytes()[a:b])
}

func (w *watcher) tail(n int) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.buf.Bytes()
	return string(b[max(0, len(b)-n):])
}
