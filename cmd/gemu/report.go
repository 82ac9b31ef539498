package main

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"gemu/harness"
	"gemu/pc"
)

// tailLines is how many lines of the transcript a failure's detail ends with.
const tailLines = 20

// reportRun is one (kernel, script, seed) run of gemu test, as the reports describe it.
type reportRun struct {
	kernel string // the -hda image path, or "bundled"
	script string
	seed   uint64
	named  bool // the test case's name carries the seed (-schedules)
	res    jobResult
}

// name is the run's test case name: the script, and its seed under -schedules.
func (r *reportRun) name() string {
	if r.named {
		return fmt.Sprintf("%s seed %d", r.script, r.seed)
	}
	return r.script
}

// failure is a classified failure: its kind, a one-line reason and a longer detail.
type failure struct {
	kind   string // expect, timeout, panic, triple-fault, halted, stuck, race, host-limit, stopped, error
	reason string // one line
	detail string // the reason and what shows it: the last lines of the transcript, a report
}

// panicLine finds a kernel panic in a transcript (xv6 prints "panic: ...").
var panicLine = regexp.MustCompile(`(?m)^.*panic:.*$`)

// classify says why err failed a run; nil for a run that passed.
func classify(err error) *failure {
	if err == nil {
		return nil
	}
	var hf *harness.Failure
	if !errors.As(err, &hf) {
		return &failure{kind: "error", reason: firstLine(err), detail: err.Error()}
	}
	why := hf.Reason
	tail := lastLines(hf.Transcript, tailLines)
	withTail := func(kind, reason string) *failure {
		return &failure{kind: kind, reason: reason,
			detail: fmt.Sprintf("%s\n--- last %d lines of the transcript ---\n%s", reason, tailLines, tail)}
	}
	if strings.HasPrefix(why, "data race found") {
		return &failure{kind: "race", reason: firstLineOf(why), detail: why}
	}
	// A panicked xv6 spins with interrupts off, which the stuck detector or the timeout
	// reports later: the panic is the news.
	if p := panicLine.FindString(hf.Transcript); p != "" {
		return withTail("panic", "kernel panic: "+strings.TrimSpace(p))
	}
	switch {
	case strings.HasPrefix(why, "guest stuck"):
		return &failure{kind: "stuck", reason: firstLineOf(why), detail: why}
	case strings.HasPrefix(why, "host time limit"):
		return withTail("host-limit", why)
	case strings.HasPrefix(why, "the machine stopped: ") && strings.Contains(why, "triple fault"):
		return withTail("triple-fault", firstLineOf(why))
	case strings.HasPrefix(why, "the machine stopped: all CPUs halted"):
		return withTail("halted", "guest halted: "+firstLineOf(strings.TrimPrefix(why, "the machine stopped: ")))
	case strings.HasPrefix(why, "the machine stopped: "):
		return withTail("stopped", firstLineOf(why))
	case strings.HasPrefix(why, "not seen within") && atPrompt(hf.Transcript):
		// The guest is waiting for input: it has said what it had to say, and not what
		// the script expected.
		return withTail("expect", fmt.Sprintf("expectation not met: %s not seen (the guest waits at its prompt)", hf.Want))
	case strings.HasPrefix(why, "not seen within"):
		return withTail("timeout", fmt.Sprintf("virtual timeout: %s %s", hf.Want, why))
	}
	return withTail("error", firstLineOf(why))
}

// atPrompt reports whether a transcript ends with a shell prompt ("$ " or "# ").
func atPrompt(t string) bool {
	return strings.HasSuffix(t, "$ ") || strings.HasSuffix(t, "# ")
}

// firstLineOf is the first line of s.
func firstLineOf(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	i := len(s)
	for range n {
		j := strings.LastIndexByte(s[:i], '\n')
		if j < 0 {
			return s
		}
		i = j
	}
	return s[i+1:]
}

// junitSuites is a JUnit XML report, as CI systems read it.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     float64      `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

// junitSuite is the test suite of one kernel.
type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     float64     `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

// junitCase is one run of one script.
type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

// junitText is text kept readable in the file as CDATA.
type junitText struct {
	Text string `xml:",cdata"`
}

// junitFailure is a failed run's reason (message) and detail (body).
type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",cdata"`
}

// writeJUnit writes the runs as JUnit XML to path: one test suite per kernel, in the
// order the kernels first appear, one test case per run.
func writeJUnit(path string, runs []reportRun) error {
	top := junitSuites{Name: "gemu test"}
	index := map[string]int{}
	for i := range runs {
		r := &runs[i]
		k, ok := index[r.kernel]
		if !ok {
			k = len(top.Suites)
			index[r.kernel] = k
			top.Suites = append(top.Suites, junitSuite{Name: r.kernel})
		}
		s := &top.Suites[k]
		secs := r.res.host.Seconds()
		c := junitCase{Name: r.name(), Classname: r.kernel, Time: secs}
		if r.res.transcript != "" {
			c.SystemOut = &junitText{xmlSafe(r.res.transcript)}
		}
		if f := classify(r.res.err); f != nil {
			c.Failure = &junitFailure{Message: xmlSafe(f.reason), Type: f.kind, Body: xmlSafe(f.detail)}
			s.Failures++
			top.Failures++
		}
		s.Cases = append(s.Cases, c)
		s.Tests++
		s.Time += secs
		top.Tests++
		top.Time += secs
	}
	b, err := xml.MarshalIndent(top, "", "  ")
	if err != nil {
		return fmt.Errorf("-junit: %w", err)
	}
	b = append([]byte(xml.Header), b...)
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("-junit: %w", err)
	}
	return nil
}

// xmlSafe drops the characters XML 1.0 cannot carry (most control characters a guest
// may print), which encoding/xml would otherwise write as U+FFFD or refuse.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r != 0xFFFE && r != 0xFFFF {
			return r
		}
		return -1
	}, s)
}

// jsonRun is one run in the -json report.
type jsonRun struct {
	Kernel       string  `json:"kernel"`
	Script       string  `json:"script"`
	Seed         uint64  `json:"seed"`
	Result       string  `json:"result"`           // "pass" or "fail"
	Kind         string  `json:"kind,omitempty"`   // the failure's class (see classify)
	Reason       string  `json:"reason,omitempty"` // one line
	VirtualNS    int64   `json:"virtual_ns"`
	VirtualSec   float64 `json:"virtual_seconds"`
	HostSec      float64 `json:"host_seconds"`
	Instructions uint64  `json:"instructions"`
}

// writeJSON writes the runs as a JSON array to path, one object per run.
func writeJSON(path string, runs []reportRun) error {
	out := make([]jsonRun, 0, len(runs))
	for _, r := range runs {
		j := jsonRun{Kernel: r.kernel, Script: r.script, Seed: r.seed, Result: "pass",
			VirtualNS: r.res.virtualNS, VirtualSec: time.Duration(r.res.virtualNS).Seconds(),
			HostSec: r.res.host.Seconds(), Instructions: r.res.retired}
		if f := classify(r.res.err); f != nil {
			j.Result, j.Kind, j.Reason = "fail", f.kind, f.reason
		}
		out = append(out, j)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("-json: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("-json: %w", err)
	}
	return nil
}

// writeReports writes the -junit and -json reports the flags ask for, of results as
// runJobs returns them for scripts and seeds.
func (f *testFlags) writeReports(scripts []string, seeds []uint64, results []jobResult) error {
	if f.junit == "" && f.json == "" {
		return nil
	}
	kernel := f.hda
	if kernel == "" {
		kernel = "bundled"
	}
	runs := make([]reportRun, 0, len(results))
	for i, path := range scripts {
		for j, seed := range seeds {
			if seed == 0 {
				seed = pc.DefaultSchedSeed
			}
			runs = append(runs, reportRun{kernel: kernel, script: path, seed: seed,
				named: f.schedules > 0, res: results[i*len(seeds)+j]})
		}
	}
	if f.junit != "" {
		if err := writeJUnit(f.junit, runs); err != nil {
			return err
		}
	}
	if f.json != "" {
		if err := writeJSON(f.json, runs); err != nil {
			return err
		}
	}
	return nil
}
