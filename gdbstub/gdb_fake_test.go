package gdbstub

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRealGDBAgainstFake runs the real gdb against the fake target: gdb must accept the
// target description and drive registers, memory, threads, breakpoints and stepping.
func TestRealGDBAgainstFake(t *testing.T) {
	gdb, err := exec.LookPath("gdb")
	if err != nil {
		t.Skip("gdb is not installed (apt-get install gdb)")
	}
	f := newFake(2)
	f.writes[0x2008] = 0x1800
	addr, _ := startServer(t, f, false)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, gdb, "-nx", "-batch",
		"-ex", "set architecture i386",
		"-ex", "target remote "+addr,
		"-ex", "info registers",
		"-ex", "x/4xb 0x1010",
		"-ex", "info threads",
		"-ex", "thread 2",
		"-ex", "p/x $eip",
		"-ex", "thread 1",
		"-ex", "stepi",
		"-ex", "p/x $eip",
		"-ex", "break *0x2006",
		"-ex", "continue",
		"-ex", "p/x $eip",
		"-ex", "delete",
		"-ex", "watch *(int*)0x1800",
		"-ex", "continue",
		"-ex", "delete",
		"-ex", "set var $eax = 0xcafe",
		"-ex", "p/x $eax",
		"-ex", "monitor info registers",
		"-ex", "detach")
	out, err := cmd.CombinedOutput()
	s := string(out)
	if err != nil {
		t.Fatalf("gdb: %v\n%s", err, s)
	}
	for _, want := range []string{
		"eax            0x11111111",
		"eip            0x2000",
		"eflags         0x202               [ IF ]",
		"cs             0x8",
		"0x1010:\t0x70\t0x77\t0x7e\t0x85",
		"Thread 2 (CPU 1)",
		"$1 = 0x2100",
		"$2 = 0x2001",
		"hit Breakpoint 1, 0x00002006 in ?? ()",
		"$3 = 0x2006",
		"Hardware watchpoint 2: *(int*)0x1800",
		"hit Hardware watchpoint 2: *(int*)0x1800",
		"$4 = 0xcafe",
		"CPU 0 EAX=0000cafe",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("gdb output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("gdb output:\n%s", s)
	}
}
