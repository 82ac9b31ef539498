// Package e2e runs the gemu binary in a terminal (tmux) the way a person does: it types with
// send-keys and reads the screen with capture-pane. The tests need tmux (Debian package
// tmux; scripts/test installs it).
package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Patience for the guest: xv6 boots in well under a second alone, but CI machines are shared.
const (
	bootTimeout = 90 * time.Second
	stepTimeout = 30 * time.Second
)

var (
	tmpRoot   string
	buildOnce sync.Once
	gemuPath  string
	buildErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gemu-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	tmpRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// gemu builds cmd/gemu once and returns the binary's path.
func gemu(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed (apt-get install tmux, or run bash scripts/test); the e2e tests drive gemu through it")
	}
	buildOnce.Do(func() {
		gemuPath = filepath.Join(tmpRoot, "gemu")
		cmd := exec.Command("go", "build", "-o", gemuPath, "./cmd/gemu")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/gemu: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return gemuPath
}

// xv6Disks copies the bundled xv6 images (the file system is written to) and returns the
// gemu arguments that boot them.
func xv6Disks(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	var args []string
	for i, name := range []string{"xv6.img", "fs.img"} {
		b, err := os.ReadFile(filepath.Join("..", "images", name))
		if err != nil {
			t.Fatalf("xv6 image: %v", err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, fmt.Sprintf("-drive file=%s,index=%d,media=disk,format=raw", p, i))
	}
	return strings.Fields(strings.Join(args, " "))
}

// term is a detached tmux session running one gemu.
type term struct {
	t    *testing.T
	sock string
}

// startTerm runs gemu with args in a new w x h tmux session. When gemu exits the pane
// shows "gemu-exit=STATUS".
func startTerm(t *testing.T, w, h int, args ...string) *term {
	t.Helper()
	bin := gemu(t)
	dir, err := os.MkdirTemp(tmpRoot, "tmux") // short: a socket path is limited to ~100 bytes
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "tmux.conf")
	// A known terminal type with 256 colours, whatever the user's tmux configuration says.
	if err := os.WriteFile(conf, []byte("set -g default-terminal tmux-256color\nset -g status off\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, sock: filepath.Join(dir, "s")}
	script := `"$0" "$@"; echo "gemu-exit=$?"; sleep 600`
	cmd := append([]string{"-f", conf, "new-session", "-d", "-s", "e2e", "-x", strconv.Itoa(w), "-y", strconv.Itoa(h),
		"sh", "-c", script, bin}, args...)
	tm.tmux(cmd...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("screen at the end:\n%s", tm.screen())
		}
		c := exec.Command("tmux", "-S", tm.sock, "kill-server")
		c.Env = tmuxEnv()
		_ = c.Run() // the server may already be gone
	})
	return tm
}

func tmuxEnv() []string {
	return append(os.Environ(), "TERM=xterm-256color")
}

// tmux runs a tmux command on this session's server and returns its output.
func (tm *term) tmux(args ...string) string {
	tm.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-S", tm.sock}, args...)...)
	cmd.Env = tmuxEnv()
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		tm.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out.String()
}

// screen returns the pane's text.
func (tm *term) screen() string {
	return tm.tmux("capture-pane", "-p", "-t", "e2e")
}

// keys sends tmux key names (Enter, Up, C-a, ...).
func (tm *term) keys(keys ...string) {
	tm.tmux(append([]string{"send-keys", "-t", "e2e"}, keys...)...)
}

// typeText sends s literally.
func (tm *term) typeText(s string) {
	tm.tmux("send-keys", "-t", "e2e", "-l", s)
}

// waitFor polls the screen until ok accepts it and returns that screen.
func (tm *term) waitFor(what string, timeout time.Duration, ok func(screen string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := tm.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("timed out after %v waiting for %s; screen:\n%s", timeout, what, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitLine waits for a screen line matching re.
func (tm *term) waitLine(what string, timeout time.Duration, re string) string {
	tm.t.Helper()
	rx := regexp.MustCompile("(?m)" + re)
	return tm.waitFor(what, timeout, rx.MatchString)
}

// waitPrompt waits for xv6's shell prompt on the last used screen line.
func (tm *term) waitPrompt(timeout time.Duration) {
	tm.t.Helper()
	tm.waitFor("the xv6 prompt", timeout, func(s string) bool {
		lines := guestLines(s)
		for i := len(lines) - 1; i >= 0; i-- {
			if l := strings.TrimRight(lines[i], " "); l != "" {
				return l == "$"
			}
		}
		return false
	})
}

// quit types Ctrl-A x and checks that gemu exits with status 0.
func (tm *term) quit() {
	tm.t.Helper()
	tm.keys("C-a", "x")
	s := tm.waitLine("gemu to exit", stepTimeout, `^gemu-exit=\d+`)
	if !strings.Contains(s, "gemu-exit=0") {
		tm.t.Errorf("gemu exit status after Ctrl-A x is not 0:\n%s", s)
	}
	if !strings.Contains(s, "terminated (Ctrl-A x)") {
		tm.t.Errorf("no Ctrl-A x message after exit:\n%s", s)
	}
}

// guestLines returns the 25 rows of the guest's text screen.
func guestLines(screen string) []string {
	lines := strings.Split(screen, "\n")
	if len(lines) > 25 {
		lines = lines[:25]
	}
	return lines
}

func TestLsShowsDirectoryListing(t *testing.T) {
	// No arguments: the bundled xv6, as `go run ./cmd/gemu` runs it.
	tm := startTerm(t, 80, 27)
	tm.waitPrompt(bootTimeout)
	s := tm.screen()
	if !strings.Contains(s, "init: starting sh") {
		t.Errorf("boot messages missing from the VGA screen:\n%s", s)
	}
	status := strings.Split(s, "\n")[25]
	if !regexp.MustCompile(`^ VGA \| [1-8] CPUs? \| [0-9.]+ MIPS \| up \d+:\d\d:\d\d \| disk r\d+ w\d+( \*)? \| Ctrl-A h: help *$`).MatchString(status) {
		t.Errorf("status line %q is not the view, CPUs, MIPS, uptime, disk activity and help hint", status)
	}

	tm.typeText("ls")
	tm.keys("Enter")
	s = tm.waitLine("the directory listing", stepTimeout, `^console +3 +\d+ +0 *$`)
	// The listing fills the 25-line screen, so the `$ ls` line itself may have scrolled away.
	for _, re := range []string{`^\. +1 +1 +\d+ *$`, `^README +2 +\d+ +\d+ *$`, `^cat +2 +\d+ +\d+ *$`,
		`^sh +2 +\d+ +\d+ *$`} {
		if !regexp.MustCompile("(?m)" + re).MatchString(s) {
			t.Errorf("listing has no line matching %s:\n%s", re, s)
		}
	}
	tm.waitPrompt(stepTimeout)
	tm.quit()
}

func TestShiftedCharactersAndArrows(t *testing.T) {
	tm := startTerm(t, 80, 27, xv6Disks(t)...)
	tm.waitPrompt(bootTimeout)

	// Every shifted character of a US keyboard that xv6's shell passes through (it treats
	// < > | & ; ( ) itself), plus capitals.
	const text = `Hello, World! {X} ~_+? @#$%^*= "Q" 'Z' A:B`
	tm.typeText("echo " + text)
	tm.keys("Enter")
	tm.waitLine("the echoed text", stepTimeout, "^"+regexp.QuoteMeta(text)+" *$")
	tm.waitPrompt(stepTimeout)

	// xv6's keyboard driver turns the grey keys (0xE0 prefix) into the codes 0xE0-0xE9, and its
	// console shows them as those CP437 characters.
	tm.keys("Home", "End", "Up", "Down", "Left", "Right", "PPage", "NPage", "IC", "DC")
	tm.waitLine("the grey keys' echo", stepTimeout, `^\$ αßΓπΣσµτΦΘ *$`)

	// Backspace erases them again; Ctrl-U (Ctrl synthesised around U) kills a line.
	for i := 0; i < 10; i++ {
		tm.keys("BSpace")
	}
	tm.typeText("garbage")
	tm.keys("C-u")
	tm.typeText("echo typed-ok")
	tm.keys("Enter")
	s := tm.waitLine("the command after Ctrl-U", stepTimeout, `^typed-ok *$`)
	if strings.Contains(s, "exec") || strings.Contains(s, "garbage") {
		t.Errorf("erased input reached the shell:\n%s", s)
	}

	// A bracketed paste of three command lines (tmux turns the line feeds into CRs). The
	// lines are typed ahead, so an output line can follow the next prompt.
	tm.waitPrompt(stepTimeout)
	tm.tmux("set-buffer", "echo Pasted-1 {one}\necho Pasted-2 ~two~\necho Pasted-3 A!B\n")
	tm.tmux("paste-buffer", "-p", "-t", "e2e")
	s = tm.waitLine("the last pasted command's output", stepTimeout, `^(\$ )?Pasted-3 A!B *$`)
	for _, re := range []string{`^(\$ )?Pasted-1 \{one\} *$`, `^(\$ )?Pasted-2 ~two~ *$`, `^echo Pasted-2 ~two~ *$`} {
		if !regexp.MustCompile("(?m)" + re).MatchString(s) {
			t.Errorf("no output line matching %s after the paste:\n%s", re, s)
		}
	}
	tm.quit()
}

// sgrCell is one screen cell read from capture-pane -e: its character and palette colours
// (-1 for the terminal's default colour).
type sgrCell struct {
	ch     rune
	fg, bg int
}

// parseSGR splits capture-pane -e output into rows of cells, following the colour changes of
// SGR escape sequences.
func parseSGR(t *testing.T, s string) [][]sgrCell {
	t.Helper()
	var rows [][]sgrCell
	var row []sgrCell
	fg, bg := -1, -1
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		switch {
		case rs[i] == '\n':
			rows = append(rows, row)
			row = nil
		case rs[i] == 0x1b && i+1 < len(rs) && rs[i+1] == '[':
			j := i + 2
			for j < len(rs) && (rs[j] < 0x40 || rs[j] > 0x7e) {
				j++
			}
			if j >= len(rs) {
				t.Fatalf("unterminated escape sequence at %d", i)
			}
			if rs[j] == 'm' {
				fg, bg = applySGR(t, string(rs[i+2:j]), fg, bg)
			}
			i = j
		default:
			row = append(row, sgrCell{rs[i], fg, bg})
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	return rows
}

func applySGR(t *testing.T, params string, fg, bg int) (int, int) {
	t.Helper()
	ps := strings.Split(params, ";")
	for k := 0; k < len(ps); k++ {
		n, err := strconv.Atoi(ps[k])
		if ps[k] == "" {
			n, err = 0, nil
		}
		if err != nil {
			t.Fatalf("bad SGR parameters %q", params)
		}
		switch {
		case n == 0:
			fg, bg = -1, -1
		case n >= 30 && n <= 37:
			fg = n - 30
		case n >= 90 && n <= 97:
			fg = n - 90 + 8
		case n == 39:
			fg = -1
		case n >= 40 && n <= 47:
			bg = n - 40
		case n >= 100 && n <= 107:
			bg = n - 100 + 8
		case n == 49:
			bg = -1
		case (n == 38 || n == 48) && k+2 < len(ps) && ps[k+1] == "5":
			c, err := strconv.Atoi(ps[k+2])
			if err != nil {
				t.Fatalf("bad SGR parameters %q", params)
			}
			if n == 38 {
				fg = c
			} else {
				bg = c
			}
			k += 2
		case n == 38 || n == 48:
			t.Fatalf("unexpected colour form in SGR %q (want palette colours)", params)
		}
	}
	return fg, bg
}

// attrsImage is the boot sector from testdata/attrs.S.
func attrsImage(t *testing.T) string {
	t.Helper()
	return testImage(t, "attrs.img")
}

// testImage copies the boot sector testdata/name to a temporary file (gemu locks its disks).
func testImage(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestColoursAndCursor(t *testing.T) {
	tm := startTerm(t, 80, 27, "-hda", attrsImage(t))
	tm.waitLine("the test pattern", bootTimeout, `^ {20}CURSOR> *$`)

	// The terminal palette index (ANSI order) each CGA colour must appear as: CGA counts
	// blue=1 and red=4, ANSI red=1 and blue=4; 8-15 are the bright versions.
	ansi := [16]int{0, 4, 2, 6, 1, 5, 3, 7, 8, 12, 10, 14, 9, 13, 11, 15}
	rows := parseSGR(t, tm.tmux("capture-pane", "-p", "-e", "-t", "e2e"))
	for a := 0; a < 256; a++ {
		r, c := a/80, a%80
		if r >= len(rows) || c >= len(rows[r]) {
			t.Fatalf("attribute %#02x: cell %d,%d missing from the capture", a, r, c)
		}
		cell := rows[r][c]
		want := sgrCell{rune("0123456789ABCDEF"[a&15]), ansi[a&15], ansi[a>>4]}
		if cell != want {
			t.Errorf("attribute %#02x: cell %q fg %d bg %d, want %q fg %d bg %d",
				a, cell.ch, cell.fg, cell.bg, want.ch, want.fg, want.bg)
		}
	}

	// The guest moves the cursor right after writing the text: allow a frame or two.
	var pos string
	for deadline := time.Now().Add(stepTimeout); ; time.Sleep(50 * time.Millisecond) {
		pos = strings.TrimSpace(tm.tmux("display-message", "-p", "-t", "e2e", "#{cursor_x},#{cursor_y},#{cursor_flag}"))
		if pos == "27,10,1" || time.Now().After(deadline) {
			break
		}
	}
	if pos != "27,10,1" {
		t.Errorf("cursor (x,y,shown) = %s, want 27,10,1 (after CURSOR> on row 10)", pos)
	}

	// The guest prints every scan code it reads from the 8042 in hex on row 12.
	tm.typeText("A")
	tm.keys("Up")
	tm.typeText("!")
	tm.keys("C-c", "F12")
	want := "2A 1E 9E AA E0 48 E0 C8 2A 02 82 AA 1D 2E AE 9D 58 D8"
	tm.waitLine("the scan codes", stepTimeout, "^"+want+" *$")
	tm.quit()
}

func TestSmallTerminalThenResize(t *testing.T) {
	tm := startTerm(t, 60, 20, "-hda", attrsImage(t))
	s := tm.waitFor("the size notice", bootTimeout, func(s string) bool {
		return strings.Contains(strings.Join(strings.Fields(s), " "), "at least 80x25")
	})
	if strings.Contains(s, "CURSOR>") || strings.Contains(s, "0123456789ABCDEF") {
		t.Errorf("guest screen drawn on a 60x20 terminal:\n%s", s)
	}
	tm.tmux("resize-window", "-t", "e2e", "-x", "80", "-y", "26")
	s = tm.waitLine("the test pattern after the resize", stepTimeout, `^ {20}CURSOR> *$`)
	if strings.Contains(s, "at least") {
		t.Errorf("notice left on the screen after the resize:\n%s", s)
	}
	if !strings.HasPrefix(s, strings.Repeat("0123456789ABCDEF", 5)+"\n") {
		t.Errorf("first row is not the attribute pattern after the resize:\n%s", s)
	}
	tm.quit()
}

func TestSerialViewAndLog(t *testing.T) {
	log := filepath.Join(t.TempDir(), "com1.log")
	tm := startTerm(t, 80, 27, append(xv6Disks(t), "-serial", "file:"+log)...)
	tm.waitPrompt(bootTimeout)

	// Ctrl-A c shows COM1: xv6 prints "xv6..." there only.
	tm.keys("C-a", "c")
	tm.waitLine("the serial view", stepTimeout, `^xv6\.\.\. *$`)
	tm.typeText("echo via-serial")
	tm.keys("Enter")
	tm.waitLine("the command's output on the serial view", stepTimeout, `^via-serial *$`)

	// Back on the VGA screen, xv6's console has echoed the same command.
	// (The status line names the view; the VGA screen never shows the serial-only "xv6...".)
	tm.keys("C-a", "c")
	echoed := regexp.MustCompile(`(?m)^via-serial *$`)
	tm.waitFor("the VGA view with the echoed command", stepTimeout, func(s string) bool {
		lines := strings.Split(s, "\n")
		return len(lines) > 25 && strings.HasPrefix(lines[25], " VGA") && echoed.MatchString(s) &&
			!strings.Contains(s, "xv6...")
	})
	tm.quit()

	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"xv6...", "init: starting sh", "via-serial"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("-serial file log lacks %q:\n%s", want, b)
		}
	}
}

func TestHaltedGuestKeepsItsScreen(t *testing.T) {
	tm := startTerm(t, 80, 26, "-hda", testImage(t, "panic.img"))
	// The guest writes its message and halts for good; the screen stays, with the reason.
	s := tm.waitLine("the halt reason on the status line", bootTimeout, `^ all CPUs halted with nothing to wake them.*\| q: quit *$`)
	if !strings.HasPrefix(s, "panic: e2e test") {
		t.Errorf("the guest's last screen is gone:\n%s", s)
	}
	if strings.Contains(s, "gemu-exit=") {
		t.Fatalf("gemu exited at once:\n%s", s)
	}
	tm.typeText("ls")
	tm.keys("Enter")
	time.Sleep(300 * time.Millisecond)
	if s := tm.screen(); strings.Contains(s, "gemu-exit=") || !strings.HasPrefix(s, "panic: e2e test") {
		t.Fatalf("typing closed the final screen:\n%s", s)
	}
	tm.typeText("q")
	s = tm.waitLine("gemu to exit", stepTimeout, `^gemu-exit=\d+`)
	if !strings.Contains(s, "gemu-exit=3") {
		t.Errorf("exit status is not 3 (halted for good):\n%s", s)
	}
	if !regexp.MustCompile(`(?m)^gemu: all CPUs halted with nothing to wake them: cpu0 EIP=`).MatchString(s) {
		t.Errorf("no reason printed on the restored terminal:\n%s", s)
	}
}
