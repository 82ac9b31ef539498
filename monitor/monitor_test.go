package monitor

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"gemu/harness"
	"gemu/ide"
	"gemu/images"
	"gemu/pc"
)

// board adapts a pc.Machine to Machine.
type board struct{ *pc.Machine }

func (b board) Reset() { b.DebugReset() }

// bootedXV6 returns the bundled xv6 on two CPUs, run for two virtual seconds (to the
// shell prompt) and stopped there.
func bootedXV6(t *testing.T) *pc.Machine {
	t.Helper()
	m, err := pc.New(pc.Config{CPUs: 2, Serial: io.Discard,
		Disks: [2]ide.Disk{harness.NewMemDisk(images.Kernel), harness.NewMemDisk(images.FS)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	if _, done, err := m.RunFor(context.Background(), 2*harness.Second); done || err != nil {
		t.Fatalf("boot: done %v, err %v", done, err)
	}
	return m
}

// TestDumpsAsQemu compares x and xp with what qemu-system-i386 7.2's monitor printed for
// the same xv6 kernel (the bundled images), command by command in this order (x remembers
// the last format and size).
func TestDumpsAsQemu(t *testing.T) {
	mon := New(board{bootedXV6(t)})
	for _, tc := range []struct{ cmd, want string }{
		{"x/4wx 0x80100000", "80100000: 0x1badb002 0x00000000 0xe4524ffe 0x83e0200f\n"},
		{"xp/3wx 0x100000", "0000000000100000: 0x1badb002 0x00000000 0xe4524ffe\n"},
		{"x/2bx 0x80100000", "80100000: 0x02 0xb0\n"},
		{"x/3xh 0x80100000", "80100000: 0xb002 0x1bad 0x0000\n"},
		{"x/2wd 0x80100000", "80100000:  464367618          0\n"},
		{"x/5c 0x80100000", `80100000: '\x02' '\xb0' '\xad' '\x1b' '\x00' '\x00' '\x00' '\x00' '\xfe' 'O' 'R' '\xe4' '\x0f' ' ' '\xe0' '\x83'` +
			"\n" + `80100010: '\xc8' '\x10' '\x0f' '"'` + "\n"},
		{"x /2wx 0x70000000", "70000000: Cannot access memory\n"},
	} {
		if got, quit := mon.Exec(tc.cmd); got != tc.want || quit {
			t.Errorf("%s:\n got %q\nwant %q", tc.cmd, got, tc.want)
		}
	}
}

// TestInfoShapes checks the info commands' line shapes against qemu's.
func TestInfoShapes(t *testing.T) {
	mon := New(board{bootedXV6(t)})
	for _, tc := range []struct {
		cmd  string
		line string // every line matches
		has  string // and the output holds this
	}{
		{"info registers", `^(CPU#0|EAX=[0-9a-f]{8} EBX=.*|ESI=.*|EIP=.*|[A-Z]{2} =.*|LDT=.*|TR =.*|GDT=.*|IDT=.*|CR0=.*|DR[0-7]=.*|EFER=.*|FCW=.*|FPR.*|XMM.*|.*)$`, "CPU#0\nEAX="},
		{"info registers -a", `^.*$`, "\nCPU#1\nEAX="},
		{"info cpus", `^[* ] CPU #[01]: pc=0x[0-9a-f]{8}( \(halted\))?$`, "* CPU #0"},
		{"info mem", `^[0-9a-f]{8}-[0-9a-f]{8,9} [0-9a-f]{8} [-u]r[-w]$`, "80000000-"},
		{"info tlb", `^[0-9a-f]{16}: [0-9a-f]{16} [-X][-G][-P][-D][-A][-C][-T][-U][-W]$`, "0000000080100000: 0000000000100000 "},
	} {
		out, _ := mon.Exec(tc.cmd)
		re := regexp.MustCompile(tc.line)
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if !re.MatchString(l) {
				t.Errorf("%s: line %q does not match %s", tc.cmd, l, tc.line)
				break
			}
		}
		if !strings.Contains(out, tc.has) {
			t.Errorf("%s: output lacks %q:\n%s", tc.cmd, tc.has, out)
		}
	}
}

func TestControlCommands(t *testing.T) {
	m := bootedXV6(t)
	mon := New(board{m})
	if out, _ := mon.Exec("stop"); out != "" || !mon.Stopped() {
		t.Errorf("stop: %q, stopped %v", out, mon.Stopped())
	}
	if mon.Exec("cont"); mon.Stopped() {
		t.Error("cont: still stopped")
	}
	if out, _ := mon.Exec("cpu 1"); out != "" {
		t.Errorf("cpu 1: %q", out)
	}
	if out, _ := mon.Exec("info cpus"); !strings.Contains(out, "* CPU #1") {
		t.Errorf("info cpus after cpu 1:\n%s", out)
	}
	for _, cmd := range []string{"cpu 2", "frob", "x/4z 0", "info nothing", "x/2wx"} {
		if out, quit := mon.Exec(cmd); out == "" || quit {
			t.Errorf("%s: no error (%q, quit %v)", cmd, out, quit)
		}
	}
	if out, _ := mon.Exec("help"); !strings.Contains(out, "info registers") {
		t.Errorf("help: %q", out)
	}
	if _, quit := mon.Exec("quit"); !quit {
		t.Error("quit does not quit")
	}
	if m.CPUs()[0].CR0&(1<<31) == 0 {
		t.Fatal("xv6 is not paging after boot")
	}
	if out, quit := mon.Exec("system_reset"); out != "" || quit {
		t.Errorf("system_reset: %q, quit %v", out, quit)
	}
	if m.CPUs()[0].CR0&(1<<31) != 0 {
		t.Error("system_reset: cpu0 still pages, as before the reset")
	}
}

// snapBoard is a machine with snapshots kept in memory by name.
type snapBoard struct {
	board
	saved map[string]*pc.Snapshot
}

func (b snapBoard) SaveVM(name string) (string, error) {
	s, err := b.Snapshot()
	if err != nil {
		return "", err
	}
	b.saved[name] = s
	return "saved " + name, nil
}

func (b snapBoard) LoadVM(name string) error {
	s := b.saved[name]
	if s == nil {
		return errors.New("no snapshot " + name)
	}
	return b.Restore(s)
}

// savevm and loadvm reach the machine's snapshots; loadvm brings the registers back.
func TestSaveLoadVM(t *testing.T) {
	m := bootedXV6(t)
	b := snapBoard{board{m}, map[string]*pc.Snapshot{}}
	mon := New(b)
	regs, _ := mon.Exec("info registers -a")
	h0, err := m.StateHash()
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := mon.Exec("savevm p"); out != "saved p\n" {
		t.Fatalf("savevm: %q", out)
	}
	m.SendSerial([]byte("ls\n"))
	if _, done, err := m.RunFor(context.Background(), harness.Second/10); done || err != nil {
		t.Fatal(done, err)
	}
	if h, _ := m.StateHash(); h == h0 {
		t.Fatal("the machine did not change in 100 ms of running ls")
	}
	if out, _ := mon.Exec("loadvm p"); out != "" {
		t.Fatalf("loadvm: %q", out)
	}
	if again, _ := mon.Exec("info registers -a"); again != regs {
		t.Errorf("registers after loadvm:\n%s\nwant\n%s", again, regs)
	}
	if h, _ := m.StateHash(); h != h0 {
		t.Error("state hash after loadvm differs from the one saved")
	}
	for cmd, want := range map[string]string{"loadvm q": "no snapshot q", "savevm": "want a snapshot name"} {
		if out, _ := mon.Exec(cmd); !strings.Contains(out, want) {
			t.Errorf("%s: %q, want %q", cmd, out, want)
		}
	}
	if out, _ := New(board{m}).Exec("savevm x"); !strings.Contains(out, "no snapshots") {
		t.Errorf("savevm without snapshots: %q", out)
	}
}
