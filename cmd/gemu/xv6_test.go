package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gemu/images"
	"gemu/xv6fs"
)

// liveness bounds how long a test waits in host time for output it expects (the
// machine this runs on may be loaded; these are not speed targets).
const liveness = 180 * time.Second

// syncBuf is a buffer written by one goroutine and read by another.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a running gemu with its console on a pipe.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    syncBuf
	errOut syncBuf
	done   chan struct{}
	status int
}

func startGemu(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, cmd: exec.Command(gemuBin, args...), done: make(chan struct{})}
	var err error
	if p.in, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errOut
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := p.cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			p.status = ee.ExitCode()
		} else if err != nil {
			p.status = -1
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitFor waits until stdout from position from on contains want; it returns the
// position after it.
func (p *proc) waitFor(from int, want string) int {
	p.t.Helper()
	deadline := time.Now().Add(liveness)
	for time.Now().Before(deadline) {
		s := p.out.String()
		if i := strings.Index(s[from:], want); i >= 0 {
			return from + i + len(want)
		}
		select {
		case <-p.done:
			s = p.out.String()
			if i := strings.Index(s[from:], want); i >= 0 {
				return from + i + len(want)
			}
			p.t.Fatalf("gemu exited (%d) before printing %q; stdout:\n%s\nstderr:\n%s", p.status, want, s, p.errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	p.t.Fatalf("no %q; stdout:\n%s", want, p.out.String())
	return 0
}

func (p *proc) send(s string) {
	p.t.Helper()
	if _, err := io.WriteString(p.in, s); err != nil {
		p.t.Fatal(err)
	}
}

// wait waits for the process to exit and returns its status.
func (p *proc) wait() int {
	p.t.Helper()
	select {
	case <-p.done:
		return p.status
	case <-time.After(liveness):
		p.t.Fatalf("gemu did not exit; stderr:\n%s", p.errOut.String())
	}
	return 0
}

// freshImages copies the bundled images into a temporary directory.
func freshImages(t *testing.T) (xv6, fs string) {
	t.Helper()
	dir := t.TempDir()
	xv6, fs = filepath.Join(dir, "xv6.img"), filepath.Join(dir, "fs.img")
	if err := os.WriteFile(xv6, images.Kernel, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fs, images.FS, 0o600); err != nil {
		t.Fatal(err)
	}
	return xv6, fs
}

func xv6Args(xv6, fs string, extra ...string) []string {
	return append([]string{"-nographic",
		"-drive", "file=" + fs + ",index=1,media=disk,format=raw",
		"-drive", "file=" + xv6 + ",index=0,media=disk,format=raw", "-m", "512"}, extra...)
}

// TestXv6PipeSession types into xv6 through a pipe, uses the Ctrl-A keys, and quits.
func TestXv6PipeSession(t *testing.T) {
	counts := []string{"1", "2", "4", "8"}
	if testing.Short() {
		counts = []string{"2"}
	}
	for _, n := range counts {
		xv6, fs := freshImages(t)
		p := startGemu(t, xv6Args(xv6, fs, "-smp", n)...)
		end := p.waitFor(0, "init: starting sh\n$ ")
		for i := 0; i < int(n[0]-'0'); i++ {
			if want := fmt.Sprintf("cpu%d: starting %d\n", i, i); !strings.Contains(p.out.String(), want) {
				t.Errorf("-smp %s: no %q", n, want)
			}
		}
		p.send("echo piped\x01\x01 input\n")
		end = p.waitFor(end, "piped")
		p.waitFor(end, "input\n$ ")
		p.send("\x01h\x01c\x01x")
		if st := p.wait(); st != 0 {
			t.Errorf("-smp %s: Ctrl-A x exit status %d", n, st)
		}
		for _, want := range []string{"Ctrl-A x", "terminated"} {
			if !strings.Contains(p.errOut.String(), want) {
				t.Errorf("-smp %s: stderr lacks %q: %q", n, want, p.errOut.String())
			}
		}
		if !strings.Contains(p.out.String(), "gemu monitor") {
			t.Errorf("-smp %s: Ctrl-A c did not open the monitor: %q", n, p.out.String())
		}
	}
}

// TestXv6FileStdinReproducible runs the same input file twice with an instruction
// limit: the two transcripts must be byte-identical.
func TestXv6FileStdinReproducible(t *testing.T) {
	input := filepath.Join(t.TempDir(), "input.txt")
	if err := os.WriteFile(input, []byte("ls\necho done\nmkdir dd\nls dd\ncat README\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var outs [2]string
	for i := range outs {
		xv6, fs := freshImages(t)
		in, err := os.Open(input)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(gemuBin, xv6Args(xv6, fs, "-smp", "2", "-icount-limit", "100000000")...)
		var out, errb bytes.Buffer
		cmd.Stdin, cmd.Stdout, cmd.Stderr = in, &out, &errb
		err = cmd.Run()
		in.Close()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 4 {
			t.Fatalf("run %d: %v, want exit status 4 (instruction limit); stderr %q", i, err, errb.String())
		}
		if !strings.Contains(errb.String(), "instruction limit 100000000") {
			t.Errorf("stderr %q", errb.String())
		}
		outs[i] = out.String()
	}
	if outs[0] != outs[1] {
		t.Errorf("transcripts differ:\n%s\n-----\n%s", outs[0], outs[1])
	}
	if !strings.Contains(outs[0], "done\n") || !strings.Contains(outs[0], "README") {
		t.Errorf("commands did not run:\n%s", outs[0])
	}
}

// TestXv6DiskPersists writes files in xv6, leaves with Ctrl-A x and with SIGTERM, and
// finds them again: in fs.img through package xv6fs, and in xv6 after a second boot.
func TestXv6DiskPersists(t *testing.T) {
	xv6, fs := freshImages(t)
	p := startGemu(t, xv6Args(xv6, fs, "-smp", "2")...)
	end := p.waitFor(0, "$ ")
	p.send("echo kept across runs > keep.txt\n")
	p.waitFor(end, "$ ")
	p.send("\x01x")
	if st := p.wait(); st != 0 {
		t.Fatalf("Ctrl-A x: status %d", st)
	}
	readBack(t, fs, "keep.txt", "kept across runs\n")

	p = startGemu(t, xv6Args(xv6, fs, "-smp", "2")...)
	end = p.waitFor(0, "$ ")
	p.send("cat keep.txt\n")
	end = p.waitFor(end, "kept across runs\n$ ")
	p.send("echo after signal > sig.txt\n")
	p.waitFor(end, "$ ")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if st := p.wait(); st != 0 {
		t.Errorf("SIGTERM: status %d", st)
	}
	if !strings.Contains(p.errOut.String(), "signal") {
		t.Errorf("SIGTERM: stderr %q", p.errOut.String())
	}
	readBack(t, fs, "sig.txt", "after signal\n")
}

func readBack(t *testing.T, fs, name, want string) {
	t.Helper()
	im, err := xv6fs.Open(fs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := im.ReadFile(name)
	if err != nil {
		t.Fatalf("%s in fs.img: %v", name, err)
	}
	if string(got) != want {
		t.Errorf("%s in fs.img: %q, want %q", name, got, want)
	}
}

// TestBundledImagesBoot runs gemu with no disk option: it boots the bundled xv6 and
// leaves the embedded file system untouched (it works on a temporary copy).
func TestBundledImagesBoot(t *testing.T) {
	p := startGemu(t, "-nographic")
	end := p.waitFor(0, "$ ")
	p.send("echo bundled > b.txt\n")
	end = p.waitFor(end, "$ ")
	p.send("cat b.txt\n")
	p.waitFor(end, "bundled\n$ ")
	p.send("\x01x")
	if st := p.wait(); st != 0 {
		t.Errorf("status %d", st)
	}
	p = startGemu(t, "-nographic")
	end = p.waitFor(0, "$ ")
	p.send("cat b.txt\n")
	p.waitFor(end, "cannot open")
	p.send("\x01x")
	p.wait()
}

// TestXv6PipeIdleIsPaced leaves xv6 idle at the prompt with its console on a pipe: idle
// time must pass in host time, not be raced through at full host speed (QA-B6).
func TestXv6PipeIdleIsPaced(t *testing.T) {
	xv6, fs := freshImages(t)
	p := startGemu(t, xv6Args(xv6, fs, "-smp", "1")...)
	p.waitFor(0, "init: starting sh\n$ ")
	time.Sleep(3 * time.Second)
	p.send("\x01x")
	if st := p.wait(); st != 0 {
		t.Fatalf("Ctrl-A x exit status %d", st)
	}
	cpu := p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
	t.Logf("boot + 3 s idle: %v of host CPU", cpu)
	// Racing through idle time costs a busy core for the whole 3 s (at least ~1 s of CPU
	// even on a loaded machine); paced, boot plus idling costs a fraction of that.
	if cpu > 1200*time.Millisecond {
		t.Errorf("boot + 3 s idle at the prompt used %v of host CPU: idle time is not paced", cpu)
	}
}
