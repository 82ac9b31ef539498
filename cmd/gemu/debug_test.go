package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDebugFlagErrors: bad -d, -D, -S and -gdb give one line and status 1.
func TestDebugFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-d", "int,bogus"}, `"bogus"`},
		{[]string{"-S"}, "-S needs -gdb"},
		{[]string{"-gdb", "tcp::notaport"}, "bad -gdb device"},
		{[]string{"-gdb", "unix:/tmp/x"}, "bad -gdb device"},
		{[]string{"-d", "int", "-D", "/nonexistent-dir/log"}, "-D"},
	} {
		_, stderr, status := runGemu(t, 30*time.Second, nil, append([]string{"-nographic"}, tc.args...)...)
		if status != 1 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("gemu %v: status %d, stderr %q (want one line with %q)", tc.args, status, stderr, tc.want)
		}
	}
}

// TestDebugLogInAsm: -d in_asm,exec -D FILE logs the boot sector's first block as qemu does.
func TestDebugLogInAsm(t *testing.T) {
	log := filepath.Join(t.TempDir(), "asm.log")
	_, stderr, status := runGemu(t, 60*time.Second, nil,
		"-nographic", "-d", "in_asm,exec", "-D", log, "-icount-limit", "2000")
	if status != 4 {
		t.Fatalf("status %d (want 4: instruction limit), stderr %q", status, stderr)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if !strings.HasPrefix(text, "----------------\nIN: \n0x00007c00:  fa                       cli\n") ||
		!strings.Contains(text, "Trace 0: 0x7c00 [00000000/00007c00/") {
		t.Errorf("log starts:\n%.600s", text)
	}
}
