// Package xv6test boots xv6 (built from xv6-src) under the gemu command with the real gdb
// attached, and with qemu's -d int log, and checks what an OS student would see.
package xv6test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// build holds what TestMain built: the gemu binary and xv6's images and kernel ELF.
var build struct {
	dir    string // temporary directory
	gemu   string
	xv6img string
	fsimg  string
	kernel string // the kernel ELF with symbols, for gdb
	skip   string // why the tests cannot run here
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gemu-xv6test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	build.dir = dir
	if err := buildAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, "xv6test: build failed:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// repoRoot is the module root (two levels up from this package).
func repoRoot() (string, error) {
	return filepath.Abs(filepath.Join("..", ".."))
}

// buildAll builds gemu and mkfs with go, copies the committed xv6-src to dir and makes
// xv6.img, fs.img and the kernel ELF there. Missing tools set build.skip.
func buildAll(dir string) error {
	for _, tool := range []string{"gdb", "gcc", "make", "git", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			build.skip = tool + " is not installed (CI installs it through scripts/test)"
			return nil
		}
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	run := func(wd string, name string, args ...string) error {
		cmd := exec.Command(name, args...)
		cmd.Dir = wd
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return nil
	}
	build.gemu = filepath.Join(dir, "gemu")
	mkfs := filepath.Join(dir, "mkfs")
	if err := run(root, "go", "build", "-o", build.gemu, "./cmd/gemu"); err != nil {
		return err
	}
	if err := run(root, "go", "build", "-o", mkfs, "./cmd/mkfs"); err != nil {
		return err
	}
	// The committed sources only: what CI sees, never a half-edited working tree.
	cmd := exec.Command("git", "ls-files", "-z", "xv6-src")
	cmd.Dir = root
	list, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("git ls-files: %w", err)
	}
	for _, f := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return err
		}
	}
	src := filepath.Join(dir, "xv6-src")
	if err := run(src, "make", "-j2", "MKFS="+mkfs, "xv6.img", "fs.img"); err != nil {
		return err
	}
	build.xv6img = filepath.Join(src, "xv6.img")
	build.fsimg = filepath.Join(src, "fs.img")
	build.kernel = filepath.Join(src, "kernel", "kernel")
	return nil
}

// needBuild skips a test that cannot run on this machine.
func needBuild(t *testing.T) {
	if build.skip != "" {
		t.Skip(build.skip)
	}
}

// freePort returns a TCP port nobody listens on now.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// output collects a process's output and lets a test wait for text in it.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// wait waits until s appears in the output, or fails after d.
func (o *output) wait(t *testing.T, s string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !strings.Contains(o.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q after %v; output:\n%s", s, d, tail(o.String()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func tail(s string) string {
	if len(s) > 4000 {
		return "..." + s[len(s)-4000:]
	}
	return s
}

// gemuProc is a running gemu.
type gemuProc struct {
	cmd   *exec.Cmd
	out   *output
	stdin io.WriteCloser
	done  chan error
}

// startGemu boots the built xv6 with a fresh copy of fs.img and extra arguments.
func startGemu(t *testing.T, extra ...string) *gemuProc {
	t.Helper()
	fs := filepath.Join(t.TempDir(), "fs.img")
	data, err := os.ReadFile(build.fsimg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fs, data, 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-nographic",
		"-drive", "file=" + build.xv6img + ",index=0,media=disk,format=raw",
		"-drive", "file=" + fs + ",index=1,media=disk,format=raw", "-m", "512"}, extra...)
	p := &gemuProc{cmd: exec.Command(build.gemu, args...), out: &output{}, done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// exited waits for gemu to end and returns its exit status (-1: still running after d).
func (p *gemuProc) exited(d time.Duration) int {
	select {
	case <-p.done:
		p.done <- nil
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		return -1
	}
}

// gdbArgs builds a batch gdb command line from commands.
func gdbArgs(port int, cmds ...string) []string {
	args := []string{"-nx", "-batch", "-ex", "set pagination off", "-ex", "set confirm off",
		"-ex", "set tcp connect-timeout 20",
		"-ex", "file " + build.kernel, "-ex", fmt.Sprintf("target remote 127.0.0.1:%d", port)}
	for _, c := range cmds {
		args = append(args, "-ex", c)
	}
	return args
}

// runGDB runs gdb in batch mode and returns its output.
func runGDB(t *testing.T, port int, cmds ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "gdb", gdbArgs(port, cmds...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("gdb: %v\n%s", err, out)
	}
	return string(out)
}

// expect checks that each regular expression matches the text.
func expect(t *testing.T, what, text string, res ...string) {
	t.Helper()
	for _, re := range res {
		if !regexp.MustCompile(re).MatchString(text) {
			t.Errorf("%s lacks /%s/", what, re)
		}
	}
	if t.Failed() {
		t.Logf("%s:\n%s", what, tail(text))
	}
}

// runGDBInit runs gdb in batch mode as a student does after `make qemu-gdb`: in xv6-src,
// with the .gdbinit the Makefile writes (set architecture, target remote localhost:PORT,
// symbol-file kernel/kernel).
func runGDBInit(t *testing.T, port int, cmds ...string) string {
	t.Helper()
	src := filepath.Dir(build.xv6img)
	_ = os.Remove(filepath.Join(src, ".gdbinit"))
	mk := exec.Command("make", fmt.Sprintf("GDBPORT=%d", port), ".gdbinit")
	mk.Dir = src
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("make .gdbinit: %v\n%s", err, out)
	}
	args := []string{"-nx", "-batch", "-ex", "set pagination off", "-ex", "set confirm off",
		"-ex", "set tcp connect-timeout 20", "-x", ".gdbinit"}
	for _, c := range cmds {
		args = append(args, "-ex", c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "gdb", args...)
	cmd.Dir = src
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gdb: %v\n%s", err, out)
	}
	return string(out)
}

// TestGDBSession is xv6's `make qemu-gdb` session: -S, break at main, registers, memory,
// stepi, every CPU a thread, a system call from user space, a watchpoint, then kill.
func TestGDBSession(t *testing.T) {
	needBuild(t)
	port := freePort(t)
	g := startGemu(t, "-smp", "2", "-S", "-gdb", fmt.Sprintf("tcp::%d", port))
	out := runGDBInit(t, port,
		"info registers eip",
		"tbreak *0x7c00",
		"continue",
		"p/x $pc",
		"break main",
		"continue",
		"info registers",
		"x/4x 0x80100000",
		"p/x $eip",
		"stepi",
		"p/x $eip",
		"info threads",
		"break sys_write",
		"continue",
		"bt",
		"p/x cpus[$_thread - 1].proc->tf->cs",
		"p cpus[$_thread - 1].proc->name",
		"monitor info mem",
		"monitor info cpus",
		"delete",
		"watch ticks",
		"continue",
		"delete",
		"hbreak trap",
		"continue",
		"finish",
		"delete",
		"monitor system_reset",
		"break main",
		"continue",
		"kill")
	expect(t, "gdb output", out,
		`eip\s+0xfff0\s`, // -S: nothing ran, CPU 0 sits at the reset vector
		`Temporary breakpoint 1, 0x00007c00 in \?\? \(\)`, `\$1 = 0x7c00`, // the boot sector
		`Breakpoint 2 at 0x[0-9a-f]+: file kernel/main.c`,
		`hit Breakpoint 2, main \(\) at kernel/main.c`,
		`eax\s+0x[0-9a-f]+`, `eflags\s+0x[0-9a-f]+\s+\[`, `cs\s+0x8\s`, `ss\s+0x10\s`,
		`0x80100000 <multiboot_header>:\s+0x1badb002`,
		`(?s)\$2 = (0x[0-9a-f]+).*\$3 = 0x`,
		`\* 1\s+Thread 1 \(CPU 0\)\s+0x[0-9a-f]+ in main`,
		`2\s+Thread 2 \(CPU 1\)`,
		`hit Breakpoint 3, sys_write \(\) at kernel/sysfile.c`,
		`#1 .* in syscall \(\)`,
		`in alltraps \(\)`,
		`\$4 = 0x1b`, // the trap frame says the call came from ring 3
		`\$5 = "(init|sh)`,
		`(?m)^00000000-0000[0-9a-f]000 0000[0-9a-f]000 urw$`, // the process's pages, user-writable
		`(?m)^80100000-801[0-9a-f]{4}0 [0-9a-f]{8} -r-$`,     // kernel text: read-only, supervisor
		`(?m)^\* CPU #[01]: pc=0x8010[0-9a-f]{4}$`,
		`Hardware watchpoint 4: ticks`,
		`(?s)hit Hardware watchpoint 4: ticks\s+Old value = \d+\s+New value = \d+`,
		`Hardware assisted breakpoint 5 at 0x[0-9a-f]+: file kernel/trap.c`,
		`hit Breakpoint 5, trap \(`,
		`(?s)hit Breakpoint 5, trap \(.*\nalltraps \(\) at kernel/trapasm.S`, // finish returns to alltraps
		`hit Breakpoint 6, main \(\) at kernel/main.c`,                       // after system_reset
		`Inferior 1 \(Remote target\) killed`)
	// stepi moved EIP by one instruction from main.
	m := regexp.MustCompile(`\$2 = (0x[0-9a-f]+)\n(?s:.*)\$3 = (0x[0-9a-f]+)`).FindStringSubmatch(out)
	if m == nil || m[1] == m[2] {
		t.Errorf("stepi did not move EIP: %v", m)
	}
	if st := g.exited(10 * time.Second); st != 0 {
		t.Errorf("gemu after gdb's kill: status %d (-1: still running)\n%s", st, tail(g.out.String()))
	}
}

// TestGDBInterrupt: Ctrl-C in gdb while the guest runs stops it, and the guest runs on
// after detach.
func TestGDBInterrupt(t *testing.T) {
	needBuild(t)
	port := freePort(t)
	g := startGemu(t, "-smp", "2", "-gdb", fmt.Sprintf("tcp:127.0.0.1:%d", port))
	g.out.wait(t, "$ ", 30*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "gdb", gdbArgs(port, "continue", "p/x $eip", "info threads", "detach")...)
	gout := &output{}
	cmd.Stdout, cmd.Stderr = gout, gout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// gdb prints the frame where it attached (its "Continuing." may sit in a pipe buffer);
	// the guest answering a command proves that gdb's continue reached the stub.
	gout.wait(t, " in ", 30*time.Second)
	if _, err := io.WriteString(g.stdin, "echo cont-ok\n"); err != nil {
		t.Fatal(err)
	}
	g.out.wait(t, "cont-ok\n$ ", 30*time.Second)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	text := gout.String()
	if err != nil {
		t.Fatalf("gdb: %v\n%s", err, text)
	}
	expect(t, "gdb output", text,
		`received signal SIGINT`,
		`\$1 = 0x[0-9a-f]+`,
		`Thread 1 \(CPU 0\)`, `Thread 2 \(CPU 1\)`,
		`\[Inferior 1 \(Remote target\) detached\]`)
	// Detached: the guest runs and answers the console again.
	if _, err := io.WriteString(g.stdin, "echo after-gdb\n"); err != nil {
		t.Fatal(err)
	}
	g.out.wait(t, "after-gdb\n", 30*time.Second)
}

// pageFault is qemu's -d int line for a user-mode read of a kernel address.
var pageFault = regexp.MustCompile(`(?m)^ +\d+: v=0e e=0005 i=0 cpl=3 IP=001b:([0-9a-f]{8}) pc=([0-9a-f]{8}) SP=0023:[0-9a-f]{8} CR2=80000000\nEAX=`)

// TestIntLogPageFault: with -d int, the page fault usertests provokes (sbrkfault reads
// kernel memory from user space) appears with its vector, error code, CPL and CR2.
func TestIntLogPageFault(t *testing.T) {
	needBuild(t)
	logf := filepath.Join(t.TempDir(), "int.log")
	g := startGemu(t, "-smp", "1", "-d", "int", "-D", logf)
	g.out.wait(t, "$ ", 30*time.Second)
	if _, err := io.WriteString(g.stdin, "usertests sbrkfault\n"); err != nil {
		t.Fatal(err)
	}
	g.out.wait(t, "ALL TESTS PASSED", 60*time.Second)
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	g.exited(10 * time.Second)
	f, err := os.Open(logf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Scan the log (large: every timer interrupt has a register dump) in overlapping windows.
	r := bufio.NewReaderSize(f, 1<<20)
	var window []byte
	found := ""
	buf := make([]byte, 1<<20)
	for found == "" {
		n, err := r.Read(buf)
		window = append(window, buf[:n]...)
		if m := pageFault.FindSubmatch(window); m != nil {
			found = string(m[0])
			if string(m[1]) != string(m[2]) {
				t.Errorf("IP %s and pc %s differ with a zero CS base", m[1], m[2])
			}
		}
		if len(window) > 4096 {
			window = window[len(window)-4096:]
		}
		if err != nil {
			break
		}
	}
	if found == "" {
		t.Fatalf("no user-mode page fault at CR2=80000000 in the -d int log")
	}
	t.Logf("found: %s", strings.TrimSuffix(found, "\nEAX="))
}

// TestGDBDeterministic runs one gdb session twice: every stop (15 crossings of a
// breakpoint, each a stop and a resume, then timer-driven watchpoint hits) must find the
// machine in the same state, down to the tick count and the registers of both CPUs.
func TestGDBDeterministic(t *testing.T) {
	needBuild(t)
	session := func() string {
		port := freePort(t)
		g := startGemu(t, "-smp", "2", "-S", "-gdb", fmt.Sprintf("tcp::%d", port))
		out := runGDB(t, port,
			"break sys_write",
			"continue 15",
			"p ticks",
			"info registers",
			"delete",
			"watch ticks",
			"continue",
			"continue",
			"delete",
			"stepi",
			"info threads",
			"thread 2",
			"info registers",
			"monitor info registers",
			"kill")
		g.exited(10 * time.Second)
		return out
	}
	a, b := session(), session()
	expect(t, "first session", a, `hit Breakpoint 1, sys_write`, `\$1 = \d+`,
		`hit Hardware watchpoint 2: ticks`, `EAX=[0-9a-f]{8} EBX=`)
	if a != b {
		al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
		for i := 0; i < len(al) && i < len(bl); i++ {
			if al[i] != bl[i] {
				t.Errorf("sessions differ at line %d:\n first: %s\nsecond: %s", i+1, al[i], bl[i])
				break
			}
		}
		t.Logf("first session:\n%s", tail(a))
	}
}

// TestGDBLoadVM: a snapshot saved with Ctrl-A v at the shell prompt starts a new session
// under gdb (-loadvm with -S): both CPUs are threads at once, and the guest goes on from
// the prompt with the saved file there, without booting.
func TestGDBLoadVM(t *testing.T) {
	needBuild(t)
	dir := t.TempDir()
	g := startGemu(t, "-smp", "2", "-snapshot-dir", dir)
	g.out.wait(t, "init: starting sh\n$ ", 60*time.Second)
	io.WriteString(g.stdin, "echo saved > f\n")
	g.out.wait(t, "echo saved > f\n$ ", 30*time.Second)
	io.WriteString(g.stdin, "\x01v")
	g.out.wait(t, "snapshot saved to ", 30*time.Second)
	io.WriteString(g.stdin, "\x01x")
	if st := g.exited(10 * time.Second); st != 0 {
		t.Fatalf("Ctrl-A x: status %d\n%s", st, tail(g.out.String()))
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, "*.snap"))
	if len(snaps) != 1 {
		t.Fatalf("snapshots in %s: %q", dir, snaps)
	}

	port := freePort(t)
	h := startGemu(t, "-smp", "2", "-loadvm", snaps[0], "-S", "-gdb", fmt.Sprintf("tcp::%d", port))
	io.WriteString(h.stdin, "cat f\n") // taken when gdb lets the guest run
	out := runGDB(t, port,
		"info threads",
		"break sys_write",
		"continue",
		"p cpus[$_thread - 1].proc->name",
		"delete",
		"finish",
		"kill")
	expect(t, "gdb output", out,
		`\* 1\s+Thread 1 \(CPU 0\)`, `2\s+Thread 2 \(CPU 1\)`,
		`hit Breakpoint 1, sys_write \(\) at kernel/sysfile.c`,
		`\$1 = "cat`)
	if text := h.out.String(); strings.Contains(text, "init: starting sh") || !strings.Contains(text, "saved\n") {
		t.Errorf("the restored session booted, or cat f did not print the saved file:\n%s", tail(text))
	}
}
