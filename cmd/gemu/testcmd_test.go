package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeScript(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.script")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGemuTestPasses(t *testing.T) {
	p := writeScript(t, "expect \"$ \"\nsendline echo graded\nexpect graded\n")
	var out, errb bytes.Buffer
	if st := runTest([]string{"-v", p}, &out, &errb); st != 0 {
		t.Fatalf("status %d\nstdout:\n%s\nstderr:\n%s", st, &out, &errb)
	}
	if !strings.Contains(out.String(), "PASS "+p) || !strings.Contains(out.String(), "$ echo graded") {
		t.Errorf("output lacks PASS line or transcript:\n%s", &out)
	}
}

func TestGemuTestFailsWithTranscript(t *testing.T) {
	p := writeScript(t, "timeout 2s\nexpect \"$ \"\nsendline echo one\nexpect never printed\n")
	var out, errb bytes.Buffer
	if st := runTest([]string{p}, &out, &errb); st != 1 {
		t.Fatalf("status %d, want 1\n%s%s", st, &out, &errb)
	}
	for _, want := range []string{"FAIL " + p, "never printed", "not seen within 2s", "init: starting sh", "$ echo one"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, &out)
		}
	}
}

func TestGemuTestBadInput(t *testing.T) {
	bad := writeScript(t, "frobnicate\n")
	odd := filepath.Join(t.TempDir(), "odd.img")
	if err := os.WriteFile(odd, make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{}, {"-bogus", bad}, {bad}, {"-hda", odd, bad}, {"/no/such/script"}} {
		var out, errb bytes.Buffer
		if st := runTest(args, &out, &errb); st != 1 {
			t.Errorf("gemu test %q: status %d, want 1", args, st)
		}
	}
}
