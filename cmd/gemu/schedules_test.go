package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gemu/internal/xv6build"
)

// TestSchedulesFindAndReplay explores schedules of racepipe on the RACE=pipe kernel,
// whose lost updates show in its output: some seed fails, and replaying the first
// failing seed with the printed command fails the same way, byte for byte, ten times.
func TestSchedulesFindAndReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the RACE=pipe kernel; skipped with -short")
	}
	dir := xv6build.XV6Src(t, "pipe")
	script := writeScript(t, "smp 2\nexpect \"$ \"\nsendline racepipe 1\ntimeout 2s\nexpect \"racepipe: ok\"\n")
	keep := t.TempDir()
	args := []string{"-hda", filepath.Join(dir, "xv6.img"), "-hdb", filepath.Join(dir, "fs.img"), "-j", "2", "-keep", keep}
	var out, errb bytes.Buffer
	if st := runTest(append(args, "-schedules", "10", script), &out, &errb); st != 1 {
		t.Fatalf("status %d, want 1 (a failing seed)\n%s%s", st, &out, &errb)
	}
	t.Logf("\n%s", &out)
	m := regexp.MustCompile(`(?m)^  replay: gemu test (.*) -sched-seed (\d+) (\S+)$`).FindStringSubmatch(out.String())
	if m == nil || !strings.Contains(out.String(), "FAIL "+script+": ") || !strings.Contains(out.String(), keep) {
		t.Fatalf("no FAIL line, kept transcript or replay command:\n%s", &out)
	}
	replay := append(strings.Fields(m[1]), "-sched-seed", m[2], m[3])
	seed, _ := strconv.Atoi(m[2])
	var first string
	for i := range 10 {
		var rout, rerr bytes.Buffer
		if st := runTest(replay, &rout, &rerr); st != 1 {
			t.Fatalf("replay %d of seed %d: status %d, want the failure\n%s%s", i, seed, st, &rout, &rerr)
		}
		if i == 0 {
			first = rout.String()
			if !strings.Contains(first, "racepipe: FAIL") {
				t.Errorf("replay does not show racepipe's damage:\n%s", first)
			}
		} else if rout.String() != first {
			t.Fatalf("replay %d of seed %d differs from the first:\n%s\nfirst:\n%s", i, seed, &rout, first)
		}
	}
}

// TestSchedulesUnmodifiedKernel: the bundled kernel passes the pipe and linkunlink
// usertests under 200 schedule seeds with 2 CPUs.
func TestSchedulesUnmodifiedKernel(t *testing.T) {
	if testing.Short() {
		t.Skip("200 runs; skipped with -short")
	}
	script := writeScript(t, "smp 2\nexpect \"$ \"\nsendline usertests pipe linkunlink\nexpect \"ALL TESTS PASSED\"\n")
	var out, errb bytes.Buffer
	if st := runTest([]string{"-schedules", "200", script}, &out, &errb); st != 0 {
		t.Fatalf("status %d\n%s%s", st, &out, &errb)
	}
	if want := "PASS " + script + ": 200 schedules (seeds 1-200)\n"; out.String() != want {
		t.Errorf("output %q, want %q", &out, want)
	}
}
