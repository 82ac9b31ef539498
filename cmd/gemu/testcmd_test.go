package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gemu/images"
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

func TestGemuTestOptionsAfterScripts(t *testing.T) {
	p := writeScript(t, "smp 1\nexpect \"$ \"\n")
	q := writeScript(t, "expect \"$ \"\n")
	var out, errb bytes.Buffer
	// Options after a script name are options; -smp takes gemu's topology form.
	st := runTest([]string{p, "-smp", "2,sockets=2", q, "-m", "256M", "-timeout", "20s"}, &out, &errb)
	if st != 0 {
		t.Fatalf("status %d\nstdout:\n%s\nstderr:\n%s", st, &out, &errb)
	}
	if strings.Count(out.String(), "PASS ") != 2 {
		t.Errorf("want two PASS lines:\n%s", &out)
	}
	out.Reset()
	// -v after the script must print the transcript, which shows both CPUs starting.
	if st := runTest([]string{p, "-v", "-smp", "2,sockets=2"}, &out, &errb); st != 0 || !strings.Contains(out.String(), "cpu1: starting") {
		t.Errorf("status %d, want 0 and cpu1 in the transcript:\n%s", st, &out)
	}
	for _, args := range [][]string{{p, "-smp", "3,sockets=2"}, {p, "-smp", "9"}, {p, "-m", "lots"}} {
		out.Reset()
		errb.Reset()
		if st := runTest(args, &out, &errb); st != 1 || !strings.Contains(errb.String(), "gemu test: ") {
			t.Errorf("gemu test %q: status %d, stderr %q; want 1 and a message", args, st, &errb)
		}
	}
}

func TestParseInterleaved(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	v := fs.Bool("v", false, "")
	got, err := parseInterleaved(fs, []string{"a", "-v", "b", "--", "-c", "d"})
	if err != nil || !*v || strings.Join(got, " ") != "a b -c d" {
		t.Errorf("got %q, -v %v, err %v; want [a b -c d], true, nil", got, *v, err)
	}
}

func TestGemuTestHelpDescribesFormat(t *testing.T) {
	var out, errb bytes.Buffer
	if st := runTest([]string{"-h"}, &out, &errb); st != 0 {
		t.Fatalf("status %d", st)
	}
	for _, want := range []string{"expect /re+gexp/", "sendline", "timeout 10s   # virtual time", "inside a\n\"quoted string\""} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("gemu test -h lacks %q", want)
		}
	}
	if strings.Contains(out.String(), "harness.") {
		t.Error("gemu test -h points into the source instead of describing the format")
	}
}

// readmeExamples returns the README's gemu test examples: indented blocks holding
// "$ cat NAME" with the file's lines, then "$ gemu test ARGS" with the expected output.
func readmeExamples(t *testing.T) []readmeExample {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var exs []readmeExample
	var cur *readmeExample
	var in string // "script", "output" or ""
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "    ") {
			in = ""
			continue
		}
		line = strings.TrimPrefix(line, "    ")
		switch {
		case strings.HasPrefix(line, "$ cat "):
			exs = append(exs, readmeExample{files: map[string]string{}})
			cur = &exs[len(exs)-1]
			cur.file = strings.TrimPrefix(line, "$ cat ")
			in = "script"
		case cur != nil && in != "" && strings.HasPrefix(line, "$ gemu test "):
			cur.args = strings.Fields(strings.TrimPrefix(line, "$ gemu test "))
			in = "output"
		case in == "script":
			cur.files[cur.file] += line + "\n"
		case in == "output":
			cur.output += line + "\n"
		}
	}
	return exs
}

type readmeExample struct {
	file   string            // the file being shown
	files  map[string]string // name -> contents
	args   []string          // gemu test's arguments
	output string            // what gemu test prints
}

func TestReadmeScriptExamples(t *testing.T) {
	exs := readmeExamples(t)
	if len(exs) == 0 {
		t.Fatal("README.md has no gemu test example ($ cat NAME, then $ gemu test ...)")
	}
	var help bytes.Buffer
	runTest([]string{"-h"}, &help, io.Discard)
	for _, ex := range exs {
		dir := t.TempDir()
		for name, text := range ex.files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			// gemu test -h shows the same example.
			if !strings.Contains(help.String(), "  $ cat "+name+"\n  "+strings.ReplaceAll(strings.TrimSuffix(text, "\n"), "\n", "\n  ")) {
				t.Errorf("gemu test -h does not show README's %s", name)
			}
		}
		// The README names xv6.img and fs.img in the current directory: the bundled ones.
		for name, img := range map[string][]byte{"xv6.img": images.Kernel, "fs.img": images.FS} {
			if err := os.WriteFile(filepath.Join(dir, name), img, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Chdir(dir)
		var out, errb bytes.Buffer
		st := runTest(ex.args, &out, &errb)
		if st != 0 || out.String() != ex.output {
			t.Errorf("gemu test %s: status %d, output\n%s\nwant status 0 and\n%s\nstderr:\n%s", strings.Join(ex.args, " "), st, &out, ex.output, &errb)
		}
	}
}
