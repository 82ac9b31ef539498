// Package stockmake runs MIT's stock xv6-public Makefile with QEMU pointing at Gemu: make
// qemu-nox, make qemu-nox-gdb with a real gdb reading the Makefile's .gdbinit, and make
// qemu-gdb (the terminal screen) in tmux. It checks what a student sees, and that the
// Makefile's probe of `$(QEMU) -help` picks -gdb.
package stockmake

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gemu/internal/xv6build"
)

// liveness bounds each wait in host time (the machine may be loaded; not a speed target).
const liveness = 2 * time.Minute

var gemuBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gemu-stockmake-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "stockmake:", err)
		os.Exit(1)
	}
	gemuBin = filepath.Join(dir, "gemu")
	cmd := exec.Command("go", "build", "-o", gemuBin, "gemu/cmd/gemu")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "stockmake: go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	if err := xv6build.Cleanup(); err != nil {
		fmt.Fprintln(os.Stderr, "stockmake:", err)
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// xv6Tree returns a private copy of the built xv6-public tree (make qemu writes fs.img);
// cp -a keeps the times, so make finds everything up to date.
func xv6Tree(t *testing.T) string {
	t.Helper()
	src := xv6build.XV6Public(t, nil)
	dst := filepath.Join(t.TempDir(), "xv6-public")
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -a %s: %v\n%s", src, err, out)
	}
	return dst
}

// freePort returns a TCP port nobody listens on now (the Makefile's default, from the
// user id, is shared by everyone on the machine running as that user).
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// syncBuf is a buffer one goroutine writes and another reads.
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

// makeRun is make running a qemu target with its console on pipes.
type makeRun struct {
	t    *testing.T
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  syncBuf       // stdout and stderr together, as a terminal shows them
	done chan struct{} // closed when make has exited, with its error in err
	err  error
}

func startMake(t *testing.T, dir string, args ...string) *makeRun {
	t.Helper()
	r := &makeRun{t: t, cmd: exec.Command("make", append([]string{"QEMU=" + gemuBin, "CPUS=2"}, args...)...), done: make(chan struct{})}
	r.cmd.Dir = dir
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // make and its gemu, to end together
	var err error
	if r.in, err = r.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.err = r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		r.in.Close()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			// The process group this test made: make and the gemu it runs.
			if err := syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL); err != nil {
				t.Errorf("killing make's process group: %v", err)
			}
			<-r.done
		}
	})
	return r
}

// waitFor waits until the output from position from on holds want; it returns the position
// after it.
func (r *makeRun) waitFor(from int, want string) int {
	r.t.Helper()
	deadline := time.Now().Add(liveness)
	for {
		s := r.out.String()
		if i := strings.Index(s[from:], want); i >= 0 {
			return from + i + len(want)
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("no %q in make's output:\n%s", want, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *makeRun) send(s string) {
	r.t.Helper()
	if _, err := io.WriteString(r.in, s); err != nil {
		r.t.Fatal(err)
	}
}

// quit types Ctrl-A x and waits for make to end well.
func (r *makeRun) quit() {
	r.t.Helper()
	r.send("\x01x")
	select {
	case <-r.done:
		if r.err != nil {
			r.t.Errorf("make after Ctrl-A x: %v\n%s", r.err, r.out.String())
		}
	case <-time.After(liveness):
		r.t.Fatalf("make still running after Ctrl-A x:\n%s", r.out.String())
	}
}

// TestStockQemuNox is `make qemu-nox`: xv6-public boots on two CPUs, runs ls, and Ctrl-A x
// quits.
func TestStockQemuNox(t *testing.T) {
	r := startMake(t, xv6Tree(t), "qemu-nox")
	end := r.waitFor(0, "cpu1: starting")
	end = r.waitFor(end, "$ ")
	r.send("ls\n")
	r.waitFor(end, "README")
	r.quit()
}

// gdbSession runs gdb in batch mode in dir, as a student does after make qemu-gdb: the
// Makefile's .gdbinit connects and loads the kernel, then gdb breaks at main, lists the CPUs
// and detaches, leaving xv6 to boot on. With autoLoad, gdb reads .gdbinit itself, trusted
// with -iex add-auto-load-safe-path as docs/debugging.md says; otherwise it runs it with -x.
// Either way the tester's own gdbinit files stay out (-nh, -nx).
func gdbSession(t *testing.T, dir, port string, autoLoad bool) string {
	t.Helper()
	gdb, err := exec.LookPath("gdb")
	if err != nil {
		t.Skip("gdb is not installed (apt-get install gdb, or run bash scripts/test)")
	}
	waitListening(t, port)
	ctx, cancel := context.WithTimeout(context.Background(), liveness)
	defer cancel()
	args := []string{"-nx", "-batch", "-x", filepath.Join(dir, ".gdbinit")}
	if autoLoad {
		args = []string{"-nh", "-batch", "-iex", "add-auto-load-safe-path " + filepath.Join(dir, ".gdbinit")}
	}
	cmd := exec.CommandContext(ctx, gdb, append(args, "-ex", "break main", "-ex", "continue",
		"-ex", "info threads", "-ex", "delete", "-ex", "detach")...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gdb: %v\n%s", err, out)
	}
	for _, want := range []string{"Breakpoint 1, main () at main.c", "Thread 1 (CPU 0)", "Thread 2 (CPU 1)"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("gdb output lacks %q:\n%s", want, out)
		}
	}
	return string(out)
}

// waitListening waits until something listens on the port (gemu starts after make's
// echo). It looks in /proc/net/tcp rather than connecting: a debugger that connects and
// goes away lets the guest run on, as under qemu, and -S would be lost.
func waitListening(t *testing.T, port string) {
	t.Helper()
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	local := fmt.Sprintf(":%04X ", n)
	deadline := time.Now().Add(liveness)
	for {
		b, err := os.ReadFile("/proc/net/tcp")
		if err != nil {
			t.Skipf("cannot tell when gemu listens: %v", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			// sl local_address rem_address st ...; st 0A is LISTEN.
			if len(f) > 3 && strings.HasSuffix(f[1]+" ", local) && f[3] == "0A" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on port %s", port)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestStockQemuNoxGDB is `make qemu-nox-gdb` and gdb: the Makefile's probe of gemu -help
// picks -gdb tcp::PORT, gdb stops at main with two CPUs, and after it detaches xv6 boots.
func TestStockQemuNoxGDB(t *testing.T) {
	if _, err := exec.LookPath("gdb"); err != nil {
		t.Skip("gdb is not installed (apt-get install gdb, or run bash scripts/test)")
	}
	dir := xv6Tree(t)
	port := freePort(t)
	r := startMake(t, dir, "GDBPORT="+port, "qemu-nox-gdb")
	r.waitFor(0, "-S -gdb tcp::"+port)
	gdbSession(t, dir, port, true)
	end := r.waitFor(0, "cpu1: starting")
	r.waitFor(end, "$ ")
	r.quit()
}

// TestStockQemuGDB is `make qemu-gdb` in tmux: gemu shows xv6's screen in the terminal,
// gdb stops at main with two CPUs, and after it detaches the screen shows the shell.
func TestStockQemuGDB(t *testing.T) {
	for _, tool := range []string{"gdb", "tmux"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install %s, or run bash scripts/test)", tool, tool)
		}
	}
	dir := xv6Tree(t)
	port := freePort(t)
	sockDir, err := os.MkdirTemp("", "gemu-tmux-") // short: socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(sockDir)
	sock := filepath.Join(sockDir, "s")
	tmux := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("tmux", append([]string{"-S", sock}, args...)...)
		cmd.Env = append(os.Environ(), "TERM=xterm-256color")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %q: %v\n%s", args, err, out)
		}
		return string(out)
	}
	script := fmt.Sprintf(`cd %q && make QEMU=%q CPUS=2 GDBPORT=%s qemu-gdb; echo "make-exit=$?"; sleep 600`, dir, gemuBin, port)
	tmux("-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "26", "sh", "-c", script)
	defer func() {
		cmd := exec.Command("tmux", "-S", sock, "kill-server")
		if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(string(out), "no server") {
			t.Logf("tmux kill-server: %v %s", err, out)
		}
	}()
	screen := func() string { return tmux("capture-pane", "-p") }
	waitScreen := func(want string) {
		t.Helper()
		deadline := time.Now().Add(liveness)
		for !strings.Contains(screen(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("the screen never showed %q:\n%s", want, screen())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	gdbSession(t, dir, port, false)
	waitScreen("init: starting sh")
	tmux("send-keys", "l", "s", "Enter")
	waitScreen("README")
	tmux("send-keys", "C-a", "x")
	waitScreen("make-exit=0")
}
