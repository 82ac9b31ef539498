package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHelpShapedLikeQemu checks -help where Makefiles grep it: every option starts its
// line, as in qemu's help, so the stock xv6 Makefile's grep -q '^-gdb' finds -gdb.
func TestHelpShapedLikeQemu(t *testing.T) {
	for name := range flagTable {
		if name == "h" || name == "help" {
			continue
		}
		if !regexp.MustCompile(`(?m)^-` + regexp.QuoteMeta(name) + `( |$)`).MatchString(usage) {
			t.Errorf("-help has no line starting with -%s", name)
		}
	}
	for _, l := range strings.Split(usage, "\n") {
		if len(l) > 80 {
			t.Errorf("-help line wider than 80 columns: %q", l)
		}
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	// The stock xv6-public Makefile's test, as it runs it.
	cmd := exec.Command(sh, "-c", `if "$1" -help | grep -q '^-gdb'; then echo "-gdb tcp::26000"; else echo "-s -p 26000"; fi`, "sh", gemuBin)
	out, err := cmd.Output()
	if err != nil || string(out) != "-gdb tcp::26000\n" {
		t.Errorf("the xv6 Makefile's QEMUGDB test gave %q, %v; want -gdb tcp::26000", out, err)
	}
}

// TestGDBFlags checks -s, -p (old qemu's port for -s), -gdb none and the refusals.
func TestGDBFlags(t *testing.T) {
	for _, tc := range []struct{ args, gdb string }{
		{"-s", "tcp::1234"},
		{"-s -p 26000", "tcp::26000"},
		{"-p 26000 -s", "tcp::26000"},
		{"-gdb tcp::5000", "tcp::5000"},
		{"-s -gdb none", ""},
	} {
		o, err := parseArgs(strings.Fields(tc.args))
		if err != nil || o.gdb != tc.gdb {
			t.Errorf("%s: gdb %q, err %v; want %q", tc.args, o.gdb, err, tc.gdb)
		}
	}
	for _, tc := range []struct{ args, want string }{
		{"-p 26000", "-gdb tcp::26000"},
		{"-s -p port", "port number"},
		{"-gdb udp::1234", "only tcp"},
		{"-gdb unix:/tmp/s", "only tcp"},
		{"-gdb stdio", "only tcp"},
	} {
		_, err := parseArgs(strings.Fields(tc.args))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.args, err, tc.want)
		}
	}
}

func TestVersion(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Version: "v0.0.0-x"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"},
			{Key: "vcs.time", Value: "2026-12-04T18:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	got := versionText(bi)
	for _, want := range []string{"gemu version v0.0.0-x\n", "revision 0123abcd (2026-12-04T18:00:00Z) with local changes\n", "go1.99"} {
		if !strings.Contains(got, want) {
			t.Errorf("versionText lacks %q:\n%s", want, got)
		}
	}
	if got := versionText(nil); !strings.Contains(got, "revision unknown") {
		t.Errorf("versionText(nil) = %q", got)
	}
	out, _, st := runGemu(t, 20*time.Second, nil, "-version")
	if st != 0 || !strings.HasPrefix(out, "gemu version ") || !strings.Contains(out, "revision ") {
		t.Errorf("-version: status %d, output %q", st, out)
	}
}

// TestListings checks the help listings qemu exits 0 after.
func TestListings(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-d", "help"}, "in_asm"},
		{[]string{"-cpu", "help"}, "pentium"},
		{[]string{"-machine", "help"}, "pc "},
		{[]string{"-M", "help"}, "i440FX"},
	} {
		out, errOut, st := runGemu(t, 20*time.Second, nil, tc.args...)
		if st != 0 || !strings.Contains(out, tc.want) || errOut != "" {
			t.Errorf("gemu %q: status %d, stdout %q, stderr %q", tc.args, st, out, errOut)
		}
	}
}

// TestQemuFlagsAccepted runs the bundled xv6 briefly with each accepted qemu flag: the run
// goes on (to the instruction limit, status 4), and a flag gemu ignores says why, once.
func TestQemuFlagsAccepted(t *testing.T) {
	for _, tc := range []struct {
		args []string
		note string // a line stderr must hold once; "" means no note at all
	}{
		{[]string{"-snapshot"}, ""},
		{[]string{"-no-shutdown"}, ""},
		{[]string{"-name", "xv6 lab"}, ""},
		{[]string{"-machine", "pc"}, ""},
		{[]string{"-M", "pc-i440fx-7.2,usb=off"}, ""},
		{[]string{"-machine", "type=pc,accel=kvm:tcg"}, ""},
		{[]string{"-cpu", "qemu32"}, ""},
		{[]string{"-cpu", "486"}, "-cpu 486: the guest sees"},
		{[]string{"-cpu", "pentium"}, "not a Pentium"},
		{[]string{"-cpu", "max"}, "-cpu max"},
		{[]string{"-cpu", "qemu32,+sse2"}, "feature settings are ignored"},
		{[]string{"-boot", "c"}, ""},
		{[]string{"-boot", "order=dc,menu=off"}, ""},
		{[]string{"-boot", "menu=on"}, "no BIOS menu"},
		{[]string{"-k", "de"}, "-k: ignored"},
		{[]string{"-vga", "std"}, ""},
		{[]string{"-vga", "cirrus"}, ""},
		{[]string{"-enable-kvm"}, "falling back to tcg"},
		{[]string{"-accel", "kvm", "-enable-kvm"}, "falling back to tcg"},
		{[]string{"-usb"}, "-usb: ignored"},
	} {
		args := append([]string{"-display", "none", "-icount-limit", "2000000"}, tc.args...)
		_, errOut, st := runGemu(t, time.Minute, nil, args...)
		if st != 4 {
			t.Errorf("gemu %q: status %d, want 4 (the limit); stderr %q", tc.args, st, errOut)
			continue
		}
		notes := errOut
		if i := strings.Index(errOut, "gemu: instruction limit"); i >= 0 {
			notes = errOut[:i]
		}
		switch {
		case tc.note == "" && notes != "":
			t.Errorf("gemu %q: unexpected note %q", tc.args, notes)
		case tc.note != "" && (strings.Count(notes, "\n") != 1 || !strings.Contains(notes, tc.note)):
			t.Errorf("gemu %q: stderr %q, want one line saying %q", tc.args, notes, tc.note)
		}
	}
}

// TestSnapshot writes a file in xv6 under -snapshot: xv6 sees it, the image files do not
// change, and the temporary copies are gone at exit.
func TestSnapshot(t *testing.T) {
	tmp := t.TempDir()
	xv6, fs := freshImages(t)
	before, err := os.ReadFile(fs)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	p := startGemu(t, xv6Args(xv6, fs, "-snapshot")...)
	end := p.waitFor(0, "$ ")
	if dirs, _ := filepath.Glob(filepath.Join(tmp, runDirPrefix+"*")); len(dirs) != 1 {
		t.Errorf("run directories while running: %q, want one", dirs)
	}
	p.send("echo scratch > snap.txt\n")
	end = p.waitFor(end, "$ ")
	p.send("cat snap.txt\n")
	p.waitFor(end, "scratch\n$ ")
	p.send("\x01x")
	if st := p.wait(); st != 0 {
		t.Fatalf("Ctrl-A x: status %d; stderr %q", st, p.errOut.String())
	}
	after, err := os.ReadFile(fs)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("-snapshot: fs.img changed")
	}
	if dirs, _ := filepath.Glob(filepath.Join(tmp, runDirPrefix+"*")); len(dirs) != 0 {
		t.Errorf("run directories left after exit: %q", dirs)
	}
}

// TestStaleRunDirs kills a run with SIGKILL, which leaves its temporary directory behind:
// a later run removes it once it is a minute old, and leaves alone a live run's directory,
// a young one and other names.
func TestStaleRunDirs(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	live := startGemu(t, "-nographic")
	live.waitFor(0, "$ ")
	liveDirs, _ := filepath.Glob(filepath.Join(tmp, runDirPrefix+"*"))
	killed := startGemu(t, "-nographic")
	killed.waitFor(0, "$ ")
	if err := killed.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed.wait()
	dirs, _ := filepath.Glob(filepath.Join(tmp, runDirPrefix+"*"))
	if len(liveDirs) != 1 || len(dirs) != 2 {
		t.Fatalf("run directories: %q, then %q; want one, then two", liveDirs, dirs)
	}
	old := time.Now().Add(-2 * time.Minute)
	for _, d := range dirs {
		if err := os.Chtimes(d, old, old); err != nil {
			t.Fatal(err)
		}
	}
	young := filepath.Join(tmp, runDirPrefix+"young") // no lock file, made just now
	other := filepath.Join(tmp, "gemu-other")         // not a run directory
	for _, d := range []string{young, other} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(other, old, old); err != nil {
		t.Fatal(err)
	}
	_, errOut, st := runGemu(t, time.Minute, nil, "-display", "none", "-icount-limit", "1000")
	if st != 4 {
		t.Fatalf("status %d, stderr %q", st, errOut)
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "gemu-*"))
	want := []string{other, liveDirs[0], young}
	sort.Strings(want)
	if strings.Join(left, " ") != strings.Join(want, " ") {
		t.Errorf("left %q, want %q (the killed run's removed)", left, want)
	}
	live.send("\x01x")
	if st := live.wait(); st != 0 {
		t.Errorf("live run: status %d", st)
	}
}

// TestLogWriteError runs with the -d log on a full device: the run stops at the first
// failed write and says so in one line, with status 1.
func TestLogWriteError(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	_, errOut, st := runGemu(t, time.Minute, nil, "-display", "none", "-d", "int,cpu_reset", "-D", "/dev/full", "-icount-limit", "500000000")
	if st != 1 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "-D /dev/full") || !strings.Contains(errOut, "no space") {
		t.Errorf("status %d, stderr %q; want 1 and one line naming /dev/full", st, errOut)
	}
}

// TestNoShutdown powers a guest off under -no-shutdown: gemu says it stopped and waits,
// as qemu does, until Ctrl-A x, or until console input ends.
func TestNoShutdown(t *testing.T) {
	for _, quit := range []string{"ctrl-a x", "end of input"} {
		p := startGemu(t, "-hda", testdata+"echo.bin", "-nographic", "-no-shutdown")
		p.send("ok.")
		p.waitFor(0, "OK")
		deadline := time.Now().Add(liveness)
		for !strings.Contains(p.errOut.String(), "stopped (-no-shutdown): Ctrl-A x quits") {
			if time.Now().After(deadline) {
				t.Fatalf("no -no-shutdown notice; stderr %q", p.errOut.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		select {
		case <-p.done:
			t.Fatalf("%s: gemu exited at the power-off (status %d)", quit, p.status)
		case <-time.After(200 * time.Millisecond):
		}
		if quit == "ctrl-a x" {
			p.send("\x01x")
		} else if err := p.in.Close(); err != nil {
			t.Fatal(err)
		}
		if st := p.wait(); st != 0 {
			t.Errorf("%s: status %d, stderr %q", quit, st, p.errOut.String())
		}
	}
}

// TestNographicMonitor opens the monitor with Ctrl-A c in a -nographic xv6 session: the
// commands answer in qemu's formats, stop holds the guest until cont, Ctrl-A c returns to
// the shell, and the monitor's quit ends gemu.
func TestNographicMonitor(t *testing.T) {
	xv6, fs := freshImages(t)
	p := startGemu(t, xv6Args(xv6, fs, "-smp", "2")...)
	end := p.waitFor(0, "$ ")
	p.send("\x01c")
	end = p.waitFor(end, "(qemu) ")
	p.send("x/4wx 0x80100000\n")
	end = p.waitFor(end, "80100000: 0x1badb002 0x00000000 0xe4524ffe 0x83e0200f\n(qemu) ")
	p.send("info cpus\n")
	end = p.waitFor(end, "* CPU #0: pc=0x")
	end = p.waitFor(end, "  CPU #1: pc=0x")
	p.send("stop\n")
	end = p.waitFor(end, "(qemu) ")
	p.send("\x01cecho held\n") // typed while stopped: the guest sees it only after cont
	time.Sleep(300 * time.Millisecond)
	if strings.Contains(p.out.String()[end:], "held") {
		t.Fatalf("the stopped guest echoed input: %q", p.out.String()[end:])
	}
	p.send("\x01ccont\n\x01c")
	end = p.waitFor(end, "held\n$ ")
	p.send("\x01cquit\n")
	if st := p.wait(); st != 0 {
		t.Errorf("quit: status %d; stderr %q", st, p.errOut.String())
	}
}

// TestMonitorStdio runs -monitor stdio with -display none: commands from stdin answer on
// stdout with qemu's prompt, and quit ends gemu; with the console on stdio it is refused.
func TestMonitorStdio(t *testing.T) {
	xv6, fs := freshImages(t)
	p := startGemu(t, "-display", "none", "-monitor", "stdio", "-hda", xv6, "-hdb", fs)
	end := p.waitFor(0, "(qemu) ")
	p.send("xp/3wx 0x100000\n")
	end = p.waitFor(end, "0000000000100000: 0x1badb002 0x00000000 0xe4524ffe\n(qemu) ")
	p.send("info registers\n")
	p.waitFor(end, "CPU#0\nEAX=")
	p.send("quit\n")
	if st := p.wait(); st != 0 {
		t.Errorf("quit: status %d; stderr %q", st, p.errOut.String())
	}
	for _, args := range [][]string{{"-monitor", "stdio", "-nographic"}, {"-monitor", "stdio", "-display", "none", "-serial", "stdio"}} {
		_, stderr, st := runGemu(t, 20*time.Second, nil, args...)
		if st != 1 || !strings.Contains(stderr, "-monitor stdio") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("gemu %q: status %d, stderr %q", args, st, stderr)
		}
	}
}
