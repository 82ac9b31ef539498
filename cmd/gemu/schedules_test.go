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

// TestSchedulesFindAndReplay explores schedules of each planted mistake's program on its
// RACE kernel (racepipe loses bytes, racesock connects two clients to one listener,
// racemem hands a page to two processes or breaks the free list): some seed fails, and replaying the first
// failing seed with the printed command fails the same way, byte for byte, ten times.
func TestSchedulesFindAndReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the RACE kernels; skipped with -short")
	}
	for _, c := range []struct{ race, command, ok, damage string }{
		{"pipe", "racepipe 1", "racepipe: ok", "racepipe: FAIL"},
		{"sock", "racesock 20", "racesock: ok", "racesock: FAIL"},
		{"kalloc", "racemem 200 4", "racemem: ok", "racemem: FAIL|panic: "}, // a broken free list may panic
	} {
		t.Run(c.race, func(t *testing.T) { findAndReplay(t, c.race, c.command, c.ok, c.damage) })
	}
}

// findAndReplay is TestSchedulesFindAndReplay for one RACE kernel.
func findAndReplay(t *testing.T, race, command, ok, damage string) {
	dir := xv6build.XV6Src(t, race)
	script := writeScript(t, "smp 2\nexpect \"$ \"\nsendline "+command+"\ntimeout 10s\nexpect \""+ok+"\"\n")
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
			if !regexp.MustCompile(damage).MatchString(first) {
				t.Errorf("replay does not show the damage (%s):\n%s", damage, first)
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
