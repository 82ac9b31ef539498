package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const testdata = "../../pc/testdata/"

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBIOSCommandLine runs issue 9's ROM command line: a ROM from reset, with port 0xE9
// and port 0x190 captured in files, ending through isa-debug-exit.
func TestBIOSCommandLine(t *testing.T) {
	dir := t.TempDir()
	out, post := filepath.Join(dir, "out.txt"), filepath.Join(dir, "post.bin")
	_, stderr, st := runGemu(t, time.Minute, nil, "-bios", testdata+"rom.bin", "-display", "none",
		"-debugcon", "file:"+out, "-device", "isa-debugcon,iobase=0x190,chardev=post",
		"-chardev", "file,id=post,path="+post, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4")
	if st != 7 {
		t.Errorf("exit status %d, want 7; stderr %q", st, stderr)
	}
	if got := readFile(t, out); got != "rom" {
		t.Errorf("out.txt %q", got)
	}
	if got := readFile(t, post); got != "\x01\x02\x03" {
		t.Errorf("post.bin %q", got)
	}
}

// TestKernelCommandLine runs issue 9's multiboot command line with modules.
func TestKernelCommandLine(t *testing.T) {
	dir := t.TempDir()
	m1, m2 := filepath.Join(dir, "m1"), filepath.Join(dir, "m2")
	os.WriteFile(m1, []byte("first"), 0o600)
	os.WriteFile(m2, []byte("second"), 0o600)
	stdout, stderr, st := runGemu(t, time.Minute, nil, "-kernel", testdata+"mb.elf", "-append", "a=1 b",
		"-initrd", m1+" x y,"+m2, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4",
		"-display", "none", "-serial", "stdio", "-debugcon", "stdio", "-m", "64")
	if st != 0x21 {
		t.Errorf("exit status %d, want 0x21; stderr %q", st, stderr)
	}
	want := testdata + "mb.elf a=1 b[" + m1 + " x y:first][" + m2 + ":second]mem=0000fc00"
	if stdout != want {
		t.Errorf("debug console %q, want %q", stdout, want)
	}
	_, stderr, st = runGemu(t, time.Minute, nil, "-kernel", testdata+"aout.bin", "-display", "none",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x4")
	if st != 11 {
		t.Errorf("a.out kludge: exit status %d, want 11; stderr %q", st, stderr)
	}
}

// TestStopReports checks the one-line reports and statuses of a guest halted for good
// and of the instruction limit.
func TestStopReports(t *testing.T) {
	_, stderr, st := runGemu(t, time.Minute, nil, "-hda", testdata+"halt.bin", "-display", "none", "-debugcon", "null", "-smp", "2")
	if st != 3 || !strings.Contains(stderr, "cpu0 EIP=") || !strings.Contains(stderr, "port 0xe9: last 0x42") {
		t.Errorf("halt: status %d, stderr %q", st, stderr)
	}
	if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("halt: report is not one line: %q", stderr)
	}
	_, stderr, st = runGemu(t, time.Minute, nil, "-hda", testdata+"spin.bin", "-display", "none", "-icount-limit", "5000000")
	if st != 4 || !strings.Contains(stderr, "instruction limit 5000000") {
		t.Errorf("limit: status %d, stderr %q", st, stderr)
	}
	_, stderr, st = runGemu(t, time.Minute, nil, "-hda", testdata+"triple.bin", "-display", "none")
	if st != 2 || !strings.Contains(stderr, "triple fault") {
		t.Errorf("triple fault: status %d, stderr %q", st, stderr)
	}
	stdout, _, st := runGemu(t, time.Minute, []byte("ok."), "-hda", testdata+"echo.bin", "-nographic")
	if st != 0 || stdout != "hi\nOK" {
		t.Errorf("power-off: status %d, stdout %q", st, stdout)
	}
}

// TestBIOSSmallMemory: `gemu -bios ROM -m 1` and `-m 2` run the ROM to its exit.
func TestBIOSSmallMemory(t *testing.T) {
	for _, m := range []string{"1", "2M"} {
		_, stderr, st := runGemu(t, time.Minute, nil, "-bios", testdata+"rom.bin", "-m", m, "-display", "none",
			"-device", "isa-debug-exit,iobase=0xf4,iosize=0x4")
		if st != 7 {
			t.Errorf("-m %s: exit status %d, want 7; stderr %q", m, st, stderr)
		}
	}
}
