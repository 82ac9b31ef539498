package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"gemu/harness"
	"gemu/pc"
)

const testUsage = `usage: gemu test [options] SCRIPT... [options]

Plays each script against a fresh machine and prints PASS or FAIL with its name;
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
                 (default: the current directory)
  -loadvm FILE   start every script without a loadvm line from this snapshot
  -race          run the data-race detector: a race fails the script, with the
                 report (symbolized with xv6's kernel ELF beside -hda) as the reason
  -race-rate N   sample each CPU's accesses about every N instructions (default 50000)

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

// runTest is `gemu test`: it returns the exit status.
func runTest(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gemu test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	hda := fs.String("hda", "", "")
	hdb := fs.String("hdb", "", "")
	var machine options
	fs.Func("smp", "", func(v string) error { return parseSMP(&machine, v) })
	fs.Func("m", "", func(v string) error { return parseMem(&machine, v) })
	timeout := fs.Duration("timeout", 0, "")
	hostLimit := fs.Duration("host-limit", 0, "")
	verbose := fs.Bool("v", false, "")
	race := fs.Bool("race", false, "")
	raceRate := fs.Int("race-rate", 0, "")
	snapDir := fs.String("snapshot-dir", "", "")
	loadvm := fs.String("loadvm", "", "")
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
	cfg := harness.Config{CPUs: machine.smp, MemoryMB: machine.memMB, Timeout: int64(*timeout), HostLimit: *hostLimit}
	if cfg.Kernel, err = readImage(*hda); err == nil {
		cfg.FS, err = readImage(*hdb)
	}
	if err != nil {
		fmt.Fprintf(stderr, "gemu test: %v\n", err)
		return 1
	}
	if *race {
		syms, err := kernelSymbols(&options{drives: [2]string{*hda}})
		if err != nil {
			fmt.Fprintf(stderr, "gemu test: %v\n", err)
			return 1
		}
		cfg.Race = &pc.RaceConfig{Rate: *raceRate, Symbols: syms}
	}
	store := &harness.DirStore{Dir: *snapDir}
	defer store.Close()
	cfg.Snapshots = store
	status := 0
	for _, path := range scripts {
		if err := playScript(path, cfg, *loadvm, *verbose, stdout, stderr); err != nil {
			fmt.Fprintf(stdout, "FAIL %s: %v\n", path, err)
			status = 1
			continue
		}
		fmt.Fprintf(stdout, "PASS %s\n", path)
	}
	return status
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
// smp and memory lines (flags win), or restored from its loadvm snapshot (else from
// loadvm, the -loadvm flag, if set).
func playScript(path string, cfg harness.Config, loadvm string, verbose bool, stdout, stderr io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc, err := harness.ParseScript(path, f)
	if err != nil {
		return err
	}
	if sc.LoadVM == "" {
		sc.LoadVM = loadvm
	}
	start := time.Now()
	s, err := sc.Start(cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	err = sc.Run(s) // a failure carries the transcript
	if err == nil && verbose {
		// Only the transcript goes to stdout, so two runs can be compared with diff; the
		// host time, which varies, goes to stderr.
		fmt.Fprintf(stdout, "--- %s ---\n%s\n", path, s.Transcript())
		fmt.Fprintf(stderr, "%s: %.2f s of host time\n", path, time.Since(start).Seconds())
	}
	return err
}
