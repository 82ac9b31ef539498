package main

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Ctrl-A v in a -nographic session saves a snapshot and names it; -loadvm starts a new
// session from it, at the prompt, and gemu test scripts start from it with loadvm.
func TestLoadVM(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "snaps", "new") // made by the first save
	xv6, fs := freshImages(t)
	p := startGemu(t, xv6Args(xv6, fs, "-snapshot-dir", dir, "-snapshot")...)
	end := p.waitFor(0, "init: starting sh\n$ ")
	p.send("mkdir before\n")
	p.waitFor(end, "$ ")
	p.send("\x01v")
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(p.errOut.String(), "snapshot saved to ") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	p.send("\x01x")
	if st := p.wait(); st != 0 {
		t.Fatalf("exit status %d; stderr %q", st, p.errOut.String())
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, "gemu-*.snap"))
	if len(snaps) != 1 || !strings.Contains(p.errOut.String(), "snapshot saved to "+snaps[0]) {
		t.Fatalf("snapshots %q; stderr %q", snaps, p.errOut.String())
	}

	// -snapshot kept the images as they were: the snapshot's sectors apply to them.
	q := startGemu(t, xv6Args(xv6, fs, "-snapshot", "-loadvm", snaps[0])...)
	q.send("ls before\n")
	q.waitFor(0, ".              ")
	q.send("\x01x")
	if st := q.wait(); st != 0 {
		t.Fatalf("-loadvm: exit status %d; stderr %q", st, q.errOut.String())
	}
	if strings.Contains(q.out.String(), "init: starting sh") {
		t.Errorf("-loadvm booted instead of starting at the prompt:\n%s", q.out.String())
	}

	script := writeScript(t, "loadvm "+snaps[0]+"\nsendline ls before\nexpect \".  \"\n")
	var out, errb bytes.Buffer
	if st := runTest([]string{"-hda", xv6, "-hdb", fs, script}, &out, &errb); st != 0 {
		t.Fatalf("gemu test from the snapshot: status %d\n%s%s", st, &out, &errb)
	}
}

// A snapshot file that is truncated, damaged, of another version, or taken on other
// images is refused with one line and exit status 1, and the images stay as they were.
func TestLoadVMBadInput(t *testing.T) {
	dir := t.TempDir()
	boot := writeScript(t, "expect \"$ \"\nsendline echo x > f\nexpect \"$ \"\nsave "+filepath.Join(dir, "p.snap")+"\n")
	var out, errb bytes.Buffer
	if st := runTest([]string{boot}, &out, &errb); st != 0 {
		t.Fatalf("saving: status %d\n%s%s", st, &out, &errb)
	}
	good, err := os.ReadFile(filepath.Join(dir, "p.snap"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/3] ^= 4
	version := bytes.Clone(good)
	version[8] = 2
	xv6, fs := freshImages(t)
	other := filepath.Join(dir, "other.img")
	img, err := os.ReadFile(fs)
	if err != nil {
		t.Fatal(err)
	}
	img[200000] ^= 1
	if err := os.WriteFile(other, img, 0o644); err != nil {
		t.Fatal(err)
	}
	before := sha256.Sum256(img)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"truncated", xv6Args(xv6, other, "-loadvm", write("t.snap", good[:len(good)/2])), "truncated snapshot"},
		{"bit flip", xv6Args(xv6, other, "-loadvm", write("f.snap", flipped)), "checksum mismatch"},
		{"version", xv6Args(xv6, other, "-loadvm", write("v.snap", version)), "format version 2"},
		{"missing", xv6Args(xv6, other, "-loadvm", filepath.Join(dir, "none.snap")), "no such file"},
		{"other image", xv6Args(xv6, other, "-loadvm", filepath.Join(dir, "p.snap")), "disk 1: image differs"},
	} {
		_, stderr, st := runGemu(t, 30*time.Second, nil, c.args...)
		if st != 1 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: status %d, stderr %q; want 1 and one line with %q", c.name, st, stderr, c.want)
		}
		now, err := os.ReadFile(other)
		if err != nil {
			t.Fatal(err)
		}
		if sha256.Sum256(now) != before {
			t.Fatalf("%s: the image changed", c.name)
		}
	}
}

// gemu test runs the scripts that save first, so a script that starts from a snapshot may
// come before the one that saves it; each script from the snapshot sees the saved state,
// not the other's changes.
func TestGemuTestSaveThenLoad(t *testing.T) {
	dir := t.TempDir()
	use := func(name string) string {
		return writeScript(t, "loadvm prompt\nsendline ls\nexpect \"saved\"\nexpect \"$ \"\nsendline echo x > "+name+"\nexpect \"$ \"\nsendline ls "+name+"\nexpect \""+name+"\"\n")
	}
	a, b := use("fromA"), use("fromB")
	boot := writeScript(t, "expect \"$ \"\nsendline echo s > saved\nexpect \"$ \"\nsave prompt\n")
	var out, errb bytes.Buffer
	if st := runTest([]string{"-snapshot-dir", dir, "-j", "2", a, b, boot}, &out, &errb); st != 0 {
		t.Fatalf("status %d\n%s%s", st, &out, &errb)
	}
	if _, err := os.Stat(filepath.Join(dir, "prompt.snap")); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "PASS "+a) || !strings.HasPrefix(lines[2], "PASS "+boot) {
		t.Errorf("results not in the order given:\n%s", &out)
	}
}
