package qa

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gemu/harness"
	"gemu/internal/xv6build"
	"gemu/pc"
	"gemu/symbols"
)

// raceGuests gates the tests that build xv6 kernels with planted races or xv6-public
// (about 10-20 s each to build, and a deadlocked guest burns its whole budget): they run
// only with GEMU_RACE_GUESTS=1.
func raceGuests(t *testing.T) {
	t.Helper()
	if os.Getenv("GEMU_RACE_GUESTS") != "1" {
		t.Skip("set GEMU_RACE_GUESTS=1 to build and run the race guests")
	}
}

// bootDir starts a session on the xv6.img and fs.img in dir and waits for the shell.
func bootDir(t *testing.T, dir string, cpus int) *harness.Session {
	t.Helper()
	kernel, err := os.ReadFile(filepath.Join(dir, "xv6.img"))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := os.ReadFile(filepath.Join(dir, "fs.img"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := harness.Start(harness.Config{Kernel: kernel, FS: fs, CPUs: cpus})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Expect("$ "); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRacePipeShowsDamage runs racepipe with two CPUs on the RACE=pipe kernel, where the
// planted mistake must lose or duplicate bytes, and on the RACE=sock kernel, whose pipes
// are sound.
func TestRacePipeShowsDamage(t *testing.T) {
	raceGuests(t)
	re := regexp.MustCompile(`racepipe: (ok|FAIL \d+ of \d+ rounds)`)
	for _, c := range []struct{ race, want string }{{"pipe", "FAIL"}, {"sock", "ok"}} {
		s := bootDir(t, xv6build.XV6Src(t, c.race), 2)
		s.Send("racepipe 20\n")
		m, err := s.ExpectRegexp(re, 60*harness.Second)
		if err != nil {
			t.Fatalf("RACE=%s: %v", c.race, err)
		}
		if ok := m[1] == "ok"; ok != (c.want == "ok") {
			t.Errorf("RACE=%s: racepipe says %q, want %s\n%s", c.race, m[0], c.want, s.Transcript())
		}
		t.Logf("RACE=%s: %s", c.race, m[0])
	}
}

// TestLinkloop measures xv6-public's create/link/unlink deadlock: linkloop with two CPUs
// either finishes its 200 rounds or stops (the deadlock). It reports which; it fails only
// when linkloop does not start.
func TestLinkloop(t *testing.T) {
	raceGuests(t)
	src, err := os.ReadFile(filepath.Join("xv6public", "linkloop.c"))
	if err != nil {
		t.Fatal(err)
	}
	s := bootDir(t, xv6build.XV6Public(t, map[string][]byte{"linkloop": src}), 2)
	s.Send("linkloop 200\n")
	if err := s.Expect("linkloop: round 0"); err != nil {
		t.Fatal(err)
	}
	last := regexp.MustCompile(`linkloop: (round \d+|done)`)
	for {
		m, err := s.ExpectRegexp(last, 20*harness.Second)
		if err != nil {
			t.Logf("linkloop deadlocked (nothing for 20 virtual seconds)")
			return
		}
		if m[1] == "done" {
			t.Logf("linkloop finished 200 rounds")
			return
		}
	}
}

// TestLinkloopStuckReport runs linkloop on xv6-public with two CPUs under the default
// schedule, which deadlocks it: instead of a silent hang, the stuck-guest watchdog names
// the two linkloop processes, the inode locks they wait for and which holds which.
func TestLinkloopStuckReport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds xv6-public; skipped with -short")
	}
	src, err := os.ReadFile(filepath.Join("xv6public", "linkloop.c"))
	if err != nil {
		t.Fatal(err)
	}
	dir := xv6build.XV6Public(t, map[string][]byte{"linkloop": src})
	syms, err := symbols.Open(xv6build.KernelELF(dir))
	if err != nil {
		t.Fatal(err)
	}
	kernel, fs := readPair(t, dir)
	s, err := harness.Start(harness.Config{Kernel: kernel, FS: fs, CPUs: 2,
		Stuck: &pc.StuckConfig{Symbols: func() *symbols.Table { return syms }}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Expect("$ "); err != nil {
		t.Fatal(err)
	}
	s.Send("linkloop 200\n")
	err = s.ExpectWithin("linkloop: done", 60*harness.Second)
	var f *harness.Failure
	if !errors.As(err, &f) {
		t.Fatalf("linkloop under the default schedule: %v, want the deadlock reported", err)
	}
	t.Logf("%s", f.Reason)
	lock := regexp.MustCompile(`pid (\d+) \(linkloop\) waits for icache\.inode\[\d+\]\.lock, held by pid (\d+) \(linkloop\)`)
	m := lock.FindAllStringSubmatch(f.Reason, -1)
	if !strings.HasPrefix(f.Reason, "guest stuck: deadlock: ") || len(m) != 2 || m[0][1] != m[1][2] || m[1][1] != m[0][2] {
		t.Errorf("the report does not name two linkloop processes each holding the inode lock the other waits for:\n%s", f.Reason)
	}
	for _, want := range []string{"cpu0: ", "cpu1: ", "scheduler", "acquiresleep", "sys_"} {
		if !strings.Contains(f.Reason, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// readPair reads xv6.img and fs.img from dir.
func readPair(t *testing.T, dir string) (kernel, fs []byte) {
	t.Helper()
	kernel, err := os.ReadFile(filepath.Join(dir, "xv6.img"))
	if err != nil {
		t.Fatal(err)
	}
	fs, err = os.ReadFile(filepath.Join(dir, "fs.img"))
	if err != nil {
		t.Fatal(err)
	}
	return kernel, fs
}

// TestLinkloopRate measures how often linkloop 200 deadlocks on xv6-public over many
// schedule seeds, with 2 and 4 CPUs (docs/concurrency.md has the figures). It runs only
// with GEMU_MEASURE=1 (about a minute a seed on a loaded 2-core machine); GEMU_SEEDS sets
// the number of seeds (default 100).
func TestLinkloopRate(t *testing.T) {
	if os.Getenv("GEMU_MEASURE") != "1" {
		t.Skip("set GEMU_MEASURE=1 to measure the deadlock rate over seeds")
	}
	seeds := 100
	if n, err := strconv.Atoi(os.Getenv("GEMU_SEEDS")); err == nil && n > 0 {
		seeds = n
	}
	src, err := os.ReadFile(filepath.Join("xv6public", "linkloop.c"))
	if err != nil {
		t.Fatal(err)
	}
	kernel, fs := readPair(t, xv6build.XV6Public(t, map[string][]byte{"linkloop": src}))
	round := regexp.MustCompile(`linkloop: (round (\d+)|done)`)
	for _, cpus := range []int{2, 4} {
		type result struct {
			seed   uint64
			rounds int // rounds finished; 200 when done
		}
		results := make([]result, seeds)
		var wg sync.WaitGroup
		work := make(chan int)
		for w := 0; w < runtime.NumCPU(); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					seed := uint64(i + 1)
					results[i] = result{seed: seed, rounds: linkloopRun(t, kernel, fs, cpus, seed, round)}
				}
			}()
		}
		for i := 0; i < seeds; i++ {
			work <- i
		}
		close(work)
		wg.Wait()
		dead := 0
		var at []string
		for _, r := range results {
			if r.rounds < 200 {
				dead++
				at = append(at, fmt.Sprintf("%d@%d", r.seed, r.rounds))
			}
		}
		t.Logf("%d CPUs: %d of %d seeds deadlocked (seed@rounds finished: %s)", cpus, dead, seeds, strings.Join(at, " "))
	}
}

// linkloopRun runs linkloop 200 under one schedule seed and returns the rounds it
// finished: 200 when it printed done, fewer when it stopped making progress (nothing for
// 1 virtual second; a round takes well under one).
func linkloopRun(t *testing.T, kernel, fs []byte, cpus int, seed uint64, round *regexp.Regexp) int {
	s, err := harness.Start(harness.Config{Kernel: kernel, FS: fs, CPUs: cpus, SchedSeed: seed})
	if err != nil {
		t.Error(err)
		return -1
	}
	defer s.Close()
	if err := s.Expect("$ "); err != nil {
		t.Error(err)
		return -1
	}
	s.Send("linkloop 200\n")
	done := 0
	for {
		m, err := s.ExpectRegexp(round, harness.Second)
		if err != nil {
			return done
		}
		if m[1] == "done" {
			return 200
		}
		n, _ := strconv.Atoi(m[2])
		done = n
	}
}
