package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gemu/harness"
)

// TestGemuTestReports runs a passing and a failing script with -junit and -json and
// reads both reports back.
func TestGemuTestReports(t *testing.T) {
	pass := writeScript(t, "expect \"$ \"\nsendline echo graded\nexpect graded\n")
	fail := writeScript(t, "timeout 1s\nexpect \"$ \"\nsendline echo one\nexpect never printed\n")
	dir := t.TempDir()
	xmlPath, jsonPath := filepath.Join(dir, "out.xml"), filepath.Join(dir, "out.json")
	var out, errb bytes.Buffer
	if st := runTest([]string{"-j", "2", "-junit", xmlPath, "-json", jsonPath, pass, fail}, &out, &errb); st != 1 {
		t.Fatalf("status %d, want 1\n%s%s", st, &out, &errb)
	}
	if want := "FAIL " + fail + ": expectation not met: \"never printed\" not seen"; !strings.Contains(out.String(), want+" ") {
		t.Errorf("stdout lacks the one-line reason %q:\n%s", want, &out)
	}

	b, err := os.ReadFile(xmlPath)
	if err != nil {
		t.Fatal(err)
	}
	var top junitSuites
	if err := xml.Unmarshal(b, &top); err != nil {
		t.Fatalf("JUnit report does not parse: %v\n%s", err, b)
	}
	if top.Tests != 2 || top.Failures != 1 || len(top.Suites) != 1 {
		t.Fatalf("testsuites: %d tests, %d failures, %d suites; want 2, 1, 1", top.Tests, top.Failures, len(top.Suites))
	}
	s := top.Suites[0]
	if s.Name != "bundled" || s.Tests != 2 || s.Failures != 1 || len(s.Cases) != 2 || s.Time <= 0 {
		t.Fatalf("suite %q: %d tests, %d failures, %d cases, time %v; want bundled, 2, 1, 2, > 0",
			s.Name, s.Tests, s.Failures, len(s.Cases), s.Time)
	}
	if c := s.Cases[0]; c.Name != pass || c.Failure != nil || (c.SystemOut == nil || !strings.Contains(c.SystemOut.Text, "$ echo graded")) {
		t.Errorf("first case %q, failure %v, output %v; want %q passing with its transcript", c.Name, c.Failure, c.SystemOut, pass)
	}
	c := s.Cases[1]
	if c.Name != fail || c.Failure == nil {
		t.Fatalf("second case %q, failure %v; want %q failing", c.Name, c.Failure, fail)
	}
	if c.Failure.Type != "expect" || !strings.Contains(c.Failure.Message, "expectation not met") ||
		!strings.Contains(c.Failure.Message, "never printed") || strings.Contains(c.Failure.Message, "\n") {
		t.Errorf("failure type %q, message %q; want expect, one line naming the expectation", c.Failure.Type, c.Failure.Message)
	}
	if !strings.Contains(c.Failure.Body, "$ echo one") || c.SystemOut == nil || !strings.Contains(c.SystemOut.Text, "init: starting sh") {
		t.Errorf("failure body %q / output %v lack the transcript", c.Failure.Body, c.SystemOut)
	}

	b, err = os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var runs []jsonRun
	if err := json.Unmarshal(b, &runs); err != nil {
		t.Fatalf("JSON report does not parse: %v\n%s", err, b)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs in the JSON report, want 2:\n%s", len(runs), b)
	}
	for i, want := range []struct{ script, result string }{{pass, "pass"}, {fail, "fail"}} {
		r := runs[i]
		if r.Kernel != "bundled" || r.Script != want.script || r.Result != want.result || r.Seed != 1 {
			t.Errorf("run %d: %+v; want bundled, %s, %s, seed 1", i, r, want.script, want.result)
		}
		if r.VirtualNS <= 0 || r.HostSec <= 0 || r.Instructions == 0 {
			t.Errorf("run %d: virtual %d ns, host %v s, %d instructions; want all > 0", i, r.VirtualNS, r.HostSec, r.Instructions)
		}
	}
	if runs[0].Reason != "" || runs[1].Reason != c.Failure.Message || runs[1].Kind != "expect" {
		t.Errorf("reasons %q, %q (kind %q); want none, then %q (expect)", runs[0].Reason, runs[1].Reason, runs[1].Kind, c.Failure.Message)
	}
}

// TestGemuTestReportsSchedules checks -schedules' test case names: one per seed.
func TestGemuTestReportsSchedules(t *testing.T) {
	p := writeScript(t, "expect \"$ \"\n")
	xmlPath := filepath.Join(t.TempDir(), "out.xml")
	var out, errb bytes.Buffer
	if st := runTest([]string{"-schedules", "2", "-sched-seed", "5", "-junit", xmlPath, p}, &out, &errb); st != 0 {
		t.Fatalf("status %d\n%s%s", st, &out, &errb)
	}
	b, err := os.ReadFile(xmlPath)
	if err != nil {
		t.Fatal(err)
	}
	var top junitSuites
	if err := xml.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range top.Suites {
		for _, c := range s.Cases {
			names = append(names, c.Name)
		}
	}
	if got, want := strings.Join(names, "|"), p+" seed 5|"+p+" seed 6"; got != want || top.Failures != 0 {
		t.Errorf("cases %q, %d failures; want %q, 0", got, top.Failures, want)
	}
}

// TestGemuTestReportUnwritable checks that a report that cannot be written fails gemu test.
func TestGemuTestReportUnwritable(t *testing.T) {
	p := writeScript(t, "expect \"$ \"\n")
	var out, errb bytes.Buffer
	bad := filepath.Join(t.TempDir(), "no", "such", "dir", "out.json")
	if st := runTest([]string{"-json", bad, p}, &out, &errb); st != 1 || !strings.Contains(errb.String(), "-json") {
		t.Errorf("status %d, stderr %q; want 1 and a -json message", st, &errb)
	}
}

// TestClassify checks the failure classes on failures as the harness reports them.
func TestClassify(t *testing.T) {
	hf := func(want, reason, transcript string) error {
		return &harness.Failure{Want: want, Reason: reason, Transcript: transcript}
	}
	var long strings.Builder
	for i := range 30 {
		long.WriteString("line " + string(rune('a'+i%26)) + "\n")
	}
	for _, tc := range []struct {
		err          error
		kind, reason string
	}{
		{nil, "", ""},
		{errors.New("s.script:3: unknown command\nmore"), "error", "s.script:3: unknown command"},
		{hf(`"graded"`, "not seen within 1s of virtual time", "init: starting sh\n$ "), "expect", `expectation not met: "graded" not seen`},
		{hf(`"$ "`, "not seen within 10s of virtual time", "booting\nworking"), "timeout", "virtual timeout"},
		{hf(`"$ "`, "not seen within 10s of virtual time", "cpu0: panic: init exiting\n"), "panic", "kernel panic: cpu0: panic: init exiting"},
		{hf(`"$ "`, "the machine stopped: cpu0: triple fault: #GP", ""), "triple-fault", "the machine stopped: cpu0: triple fault"},
		{hf(`"$ "`, "the machine stopped: all CPUs halted with nothing to wake them: cpu0 ...\nregs", ""), "halted", "guest halted: all CPUs halted"},
		{hf(`"$ "`, "guest stuck: cpu0 spins in kernel\nreport", "x"), "stuck", "guest stuck: cpu0 spins in kernel"},
		{hf(`"$ "`, "guest stuck: cpu0 halted with interrupts off\nreport", "xv6...\npanic: acquire\n"), "panic", "kernel panic: panic: acquire"},
		{hf(`"$ "`, "data race found: write at 0x10\nstacks", "x"), "race", "data race found: write at 0x10"},
		{hf(`"$ "`, "host time limit 30m0s reached", long.String()), "host-limit", "host time limit 30m0s reached"},
	} {
		f := classify(tc.err)
		if tc.err == nil {
			if f != nil {
				t.Errorf("classify(nil) = %+v, want nil", f)
			}
			continue
		}
		if f == nil || f.kind != tc.kind || !strings.HasPrefix(f.reason, tc.reason) || strings.Contains(f.reason, "\n") {
			t.Errorf("classify(%q) = %+v; want kind %q, one-line reason starting %q", tc.err, f, tc.kind, tc.reason)
		}
	}
	f := classify(hf(`"$ "`, "host time limit 30m0s reached", long.String()))
	if n := strings.Count(f.detail, "line "); n != tailLines {
		t.Errorf("detail holds %d transcript lines, want %d:\n%s", n, tailLines, f.detail)
	}
}
