package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"gemu/harness"
	"gemu/images"
	"gemu/pc"
)

const testUsage = `usage: gemu test [options] SCRIPT... [options]

Plays each script against a fresh machine and prints PASS or FAIL with its name
(and a failure's reason, classified as below);
exits 0 when every expectation of every script is met, 1 (with the transcript of
the failed run) when one is not. Options may come before or after the script
names; after -- every argument is a script. Disk images are read into memory:
the files are never changed.

options:
  -hda FILE      disk 0 image (boot sector + kernel); default: the bundled xv6.img
  -hdb FILE      disk 1 image (file system); default: the bundled fs.img
  -smp N         CPUs, as gemu takes them (N[,sockets=S,cores=C,threads=T]);
                 default: the script's smp line, else 1
  -m SIZE        RAM in MB or with a K, M or G suffix; default: the script's
                 memory line, else 512
  -timeout D     virtual-time budget of each expect without a timeout line (default 10s)
  -host-limit D  host-time safety net of each expect, for overloaded machines (default 30m)
  -v             print every transcript, not only failed ones
  -snapshot-dir DIR
                 where save NAME writes NAME.snap and loadvm NAME reads it
                 (default: the current directory); scripts that save run first,
                 one at a time, in the order given
  -loadvm FILE   start every script without a loadvm line from this snapshot
  -race          run the data-race detector: a race fails the script, with the
                 report (symbolized with xv6's kernel ELF beside -hda) as the reason
  -race-rate N   sample each CPU's accesses about every N instructions (default 50000)
  -stuck-after T a guest with no console output, disk transfer or user-mode code
                 for T of virtual time, and no process waiting for the console or
                 the clock, fails the script with a report of its CPUs and
                 processes (default 5s; off turns it off)
  -symbols FILE  the kernel ELF for reports (default: xv6's kernel beside -hda,
                 else the one inside it)
  -sched-seed S  seed of the CPUs' schedule (default 1): a run is a function of
                 the images, the script and this seed
  -schedules N   play each script under N seeds (from -sched-seed, else 1), list
                 the seeds that failed, keep their transcripts and print the
                 command that replays the first failure
  -keep DIR      where -schedules keeps failing transcripts (default: a new
                 temporary directory)
  -j N           machines run at once (default: the host's cores)
  -junit FILE    write a JUnit XML report (as GitHub Actions, GitLab and Jenkins
                 read it): a test suite per kernel (the -hda path, or "bundled"),
                 a test case per script (per script and seed with -schedules,
                 named "SCRIPT seed N"), a failure's reason as its message, the
                 transcript as its output; times are host seconds
  -json FILE     write a JSON array, one object per run: kernel, script, seed,
                 result ("pass" or "fail"), kind and reason of a failure, virtual
                 and host time, instructions retired

A failure's reason is classified: expectation not met (the guest waits at its
prompt; with the last 20 lines of the transcript), virtual timeout, kernel panic
(a transcript line with "panic:"), triple fault, guest halted, guest stuck, data
race, host time limit.

` + harness.ScriptFormat + `
Example:

  $ cat ls.script
  smp 2
  timeout 10s          # virtual time
  expect "$ "
  sendline ls
  expect /README +2 +\d+/
  $ gemu test -hda xv6.img -hdb fs.img ls.script
  PASS ls.script
`

// testFlags are gemu test's options.
type testFlags struct {
	hda, hdb   string
	machine    options // smp and memMB
	smpArg     string  // -smp as given, for the replay command
	memArg     string  // -m as given
	timeout    time.Duration
	hostLimit  time.Duration
	verbose    bool
	race       bool
	raceRate   int
	schedSeed  uint64
	schedules  int
	jobs       int
	keep       string
	stuckAfter string
	symbols    string
	snapDir    string // -snapshot-dir
	loadvm     string // -loadvm
	junit      string // -junit: the JUnit XML report's file
	json       string // -json: the JSON report's file
}

// runTest is `gemu test`: it returns the exit status.
func runTest(args []string, stdout, stderr io.Writer) int {
	var f testFlags
	fs := flag.NewFlagSet("gemu test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.hda, "hda", "", "")
	fs.StringVar(&f.hdb, "hdb", "", "")
	fs.Func("smp", "", func(v string) error { f.smpArg = v; return parseSMP(&f.machine, v) })
	fs.Func("m", "", func(v string) error { f.memArg = v; return parseMem(&f.machine, v) })
	fs.DurationVar(&f.timeout, "timeout", 0, "")
	fs.DurationVar(&f.hostLimit, "host-limit", 0, "")
	fs.BoolVar(&f.verbose, "v", false, "")
	fs.BoolVar(&f.race, "race", false, "")
	fs.IntVar(&f.raceRate, "race-rate", 0, "")
	fs.Uint64Var(&f.schedSeed, "sched-seed", 0, "")
	fs.IntVar(&f.schedules, "schedules", 0, "")
	fs.IntVar(&f.jobs, "j", runtime.NumCPU(), "")
	fs.StringVar(&f.keep, "keep", "", "")
	fs.StringVar(&f.stuckAfter, "stuck-after", "", "")
	fs.StringVar(&f.symbols, "symbols", "", "")
	fs.StringVar(&f.snapDir, "snapshot-dir", "", "")
	fs.StringVar(&f.loadvm, "loadvm", "", "")
	fs.StringVar(&f.junit, "junit", "", "")
	fs.StringVar(&f.json, "json", "", "")
	scripts, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, testUsage)
			return 0
		}
		fmt.Fprintf(stderr, "gemu test: %v\n", err)
		return 1
	}
	if len(scripts) == 0 {
		fmt.Fprint(stderr, "gemu test: no script given (gemu test -h describes the format)\n")
		return 1
	}
	cfg, err := f.config()
	if err != nil {
		fmt.Fprintf(stderr, "gemu test: %v\n", err)
		return 1
	}
	if store, ok := cfg.Snapshots.(*harness.DirStore); ok {
		defer store.Close()
	}
	if f.schedules > 0 {
		return exploreSchedules(scripts, cfg, &f, stdout, stderr)
	}
	status := 0
	results := runSaversFirst(scripts, f.schedSeed, cfg, f.jobs)
	if err := f.writeReports(scripts, []uint64{f.schedSeed}, results); err != nil {
		fmt.Fprintf(stderr, "gemu test: %v\n", err)
		status = 1
	}
	for i, path := range scripts {
		r := results[i]
		if r.err != nil {
			// One line with the classified reason, then the harness's account with the
			// transcript.
			reason := classify(r.err).reason
			fmt.Fprintf(stdout, "FAIL %s: %s\n", path, reason)
			if r.err.Error() != reason {
				fmt.Fprintf(stdout, "%v\n", r.err)
			}
			status = 1
			continue
		}
		if f.verbose {
			// Only the transcript goes to stdout, so two runs can be compared with diff; the
			// host time, which varies, goes to stderr.
			fmt.Fprintf(stdout, "--- %s ---\n%s\n", path, r.transcript)
			fmt.Fprintf(stderr, "%s: %.2f s of host time\n", path, r.host.Seconds())
		}
		fmt.Fprintf(stdout, "PASS %s\n", path)
	}
	return status
}

// config builds the harness configuration the flags describe, reading the images.
func (f *testFlags) config() (harness.Config, error) {
	if f.schedules < 0 || f.jobs < 1 || f.raceRate < 0 {
		return harness.Config{}, errors.New("-schedules, -j and -race-rate take positive counts")
	}
	cfg := harness.Config{CPUs: f.machine.smp, MemoryMB: f.machine.memMB, Timeout: int64(f.timeout),
		HostLimit: f.hostLimit, SchedSeed: f.schedSeed,
		Snapshots: &harness.DirStore{Dir: f.snapDir}, LoadVM: f.loadvm}
	var err error
	if cfg.Kernel, err = readImage(f.hda); err == nil {
		cfg.FS, err = readImage(f.hdb)
	}
	if err != nil {
		return cfg, err
	}
	var o options
	if f.stuckAfter != "" {
		if err := parseStuckAfter(&o, f.stuckAfter); err != nil {
			return cfg, fmt.Errorf("-stuck-after: %w", err)
		}
	}
	syms := &kernelSyms{file: f.symbols, bootDisk: f.hda, origDisk: f.hda, bootData: cfg.Kernel}
	if cfg.Kernel == nil {
		syms.bootData = images.Kernel
	}
	if f.symbols != "" || f.race {
		if _, err := syms.load(); err != nil {
			return cfg, err
		}
	}
	if o.stuckAfter >= 0 {
		cfg.Stuck = &pc.StuckConfig{After: o.stuckAfter, Symbols: syms.get}
	}
	if f.race {
		cfg.Race = &pc.RaceConfig{Rate: f.raceRate, Symbols: syms.get()}
	}
	return cfg, nil
}

// jobResult is how one script ran under one schedule seed.
type jobResult struct {
	transcript string
	host       time.Duration
	err        error
	virtualNS  int64  // virtual time the machine ran (0 if it never started)
	retired    uint64 // instructions retired by all its CPUs
}

// runJobs plays every script under every seed (0: the default schedule), jobs machines at
// a time, and returns the results script by script, seed by seed within a script.
func runJobs(scripts []string, seeds []uint64, cfg harness.Config, jobs int) []jobResult {
	results := make([]jobResult, len(scripts)*len(seeds))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(jobs, len(results)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range work {
				c := cfg
				c.SchedSeed = seeds[k%len(seeds)]
				if c.Race != nil {
					rc := *c.Race
					rc.Seed = c.SchedSeed
					c.Race = &rc
				}
				start := time.Now()
				t, st, err := playScript(scripts[k/len(seeds)], c)
				results[k] = jobResult{transcript: t, host: time.Since(start), err: err,
					virtualNS: st.VirtualNS, retired: st.Retired}
			}
		}()
	}
	for k := range results {
		work <- k
	}
	close(work)
	wg.Wait()
	return results
}

// exploreSchedules is -schedules N: each script under N schedule seeds; the seeds that
// failed, their transcripts kept, and the command that replays the first failure.
func exploreSchedules(scripts []string, cfg harness.Config, f *testFlags, stdout, stderr io.Writer) int {
	first := max(f.schedSeed, 1)
	seeds := make([]uint64, f.schedules)
	for i := range seeds {
		seeds[i] = first + uint64(i)
	}
	keep := f.keep
	results := runJobs(scripts, seeds, cfg, f.jobs)
	status := 0
	if err := f.writeReports(scripts, seeds, results); err != nil {
		fmt.Fprintf(stderr, "gemu test: %v\n", err)
		status = 1
	}
	for i, path := range scripts {
		var failed []uint64
		var files []string // the kept transcripts
		for j, seed := range seeds {
			r := results[i*len(seeds)+j]
			if r.err == nil {
				continue
			}
			failed = append(failed, seed)
			if keep == "" {
				d, err := os.MkdirTemp("", "gemu-schedules-")
				if err != nil {
					fmt.Fprintf(stderr, "gemu test: keeping transcripts: %v\n", err)
					return 1
				}
				keep = d
			}
			if err := os.MkdirAll(keep, 0o755); err != nil {
				fmt.Fprintf(stderr, "gemu test: -keep: %v\n", err)
				return 1
			}
			name := filepath.Join(keep, fmt.Sprintf("%s.seed%d.txt", filepath.Base(path), seed))
			if err := os.WriteFile(name, []byte(r.err.Error()+"\n"), 0o644); err != nil {
				fmt.Fprintf(stderr, "gemu test: -keep: %v\n", err)
				return 1
			}
			files = append(files, name)
		}
		if len(failed) == 0 {
			fmt.Fprintf(stdout, "PASS %s: %d schedules (seeds %d-%d)\n", path, len(seeds), seeds[0], seeds[len(seeds)-1])
			continue
		}
		status = 1
		list := make([]string, len(failed))
		for k, s := range failed {
			list[k] = strconv.FormatUint(s, 10)
		}
		fmt.Fprintf(stdout, "FAIL %s: %d of %d schedules failed, seeds %s\n", path, len(failed), len(seeds), strings.Join(list, " "))
		fmt.Fprintf(stdout, "  first failure: %s\n", firstLine(results[i*len(seeds)+int(failed[0]-first)].err))
		fmt.Fprintf(stdout, "  transcripts: %s (%d, one per failed seed)\n", files[0], len(files))
		fmt.Fprintf(stdout, "  replay: %s\n", f.replayCommand(path, failed[0]))
	}
	return status
}

// firstLine is the first line of err's message.
func firstLine(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}

// replayCommand is the gemu test command line that plays script under one seed with
// the same machine and options.
func (f *testFlags) replayCommand(script string, seed uint64) string {
	args := []string{"gemu", "test"}
	add := func(flag, v string) {
		if v != "" {
			args = append(args, flag, shellQuote(v))
		}
	}
	add("-hda", f.hda)
	add("-hdb", f.hdb)
	add("-smp", f.smpArg)
	add("-m", f.memArg)
	if f.timeout != 0 {
		add("-timeout", f.timeout.String())
	}
	if f.race {
		args = append(args, "-race")
		if f.raceRate != 0 {
			add("-race-rate", strconv.Itoa(f.raceRate))
		}
	}
	add("-stuck-after", f.stuckAfter)
	add("-symbols", f.symbols)
	add("-sched-seed", strconv.FormatUint(seed, 10))
	return strings.Join(append(args, shellQuote(script)), " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// parseInterleaved parses options that may come before, between and after the other
// arguments, which it returns in order; after "--" every argument is taken as it stands.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		left := fs.Args()
		if consumed := args[:len(args)-len(left)]; len(consumed) > 0 && consumed[len(consumed)-1] == "--" {
			return append(rest, left...), nil
		}
		if len(left) == 0 {
			return rest, nil
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

// readImage reads a disk image named on the command line; "" means the bundled one (nil).
func readImage(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 || len(b)%512 != 0 {
		return nil, fmt.Errorf("%s: size %d is not a positive multiple of 512", path, len(b))
	}
	return b, nil
}

// playScript runs one script on a fresh machine built from cfg and the script's own
// smp and memory lines (flags win), or restored from its loadvm snapshot, and returns the
// transcript and the machine's counters; a failure carries the transcript too.
func playScript(path string, cfg harness.Config) (string, pc.Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", pc.Stats{}, err
	}
	defer f.Close()
	sc, err := harness.ParseScript(path, f)
	if err != nil {
		return "", pc.Stats{}, err
	}
	s, err := sc.Start(cfg) // booted, or from its loadvm snapshot (else cfg.LoadVM)
	if err != nil {
		return "", pc.Stats{}, err
	}
	defer s.Close()
	err = sc.Run(s)
	return s.Transcript(), s.Machine().Stats(), err
}

// runSaversFirst is runJobs for one seed, except that the scripts that save snapshots
// run first, one at a time in the order given, so that the scripts that start from
// their snapshots find them; the results are in the order of scripts.
func runSaversFirst(scripts []string, seed uint64, cfg harness.Config, jobs int) []jobResult {
	var savers, rest []int
	for i, path := range scripts {
		if savesSnapshot(path) {
			savers = append(savers, i)
		} else {
			rest = append(rest, i)
		}
	}
	if len(savers) == 0 {
		return runJobs(scripts, []uint64{seed}, cfg, jobs)
	}
	results := make([]jobResult, len(scripts))
	pick := func(idx []int) []string {
		var p []string
		for _, i := range idx {
			p = append(p, scripts[i])
		}
		return p
	}
	for k, r := range runJobs(pick(savers), []uint64{seed}, cfg, 1) {
		results[savers[k]] = r
	}
	for k, r := range runJobs(pick(rest), []uint64{seed}, cfg, jobs) {
		results[rest[k]] = r
	}
	return results
}

// savesSnapshot reports whether the script at path has a save step (a script that does
// not parse runs with the others, and fails there).
func savesSnapshot(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc, err := harness.ParseScript(path, f)
	if err != nil {
		return false
	}
	for _, st := range sc.Steps {
		if st.Op == "save" {
			return true
		}
	}
	return false
}
