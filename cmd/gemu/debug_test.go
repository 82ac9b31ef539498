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
		{[]string{"-gdb", "unix:/tmp/x"}, "only tcp"},
		{[]string{"-d", "int", "-D", "/nonexistent-dir/log"}, "-D"},
	} {
		_, stderr, status := runGemu(t, 30*time.Second, nil, append([]string{"-nographic"}, tc.args...)...)
		if status != 1 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("gemu %v: status %d, stderr %q (want one line with %q)", tc.args, status, stderr, tc.want)
		}
	}
}

// TestDebugLogInAsm: -d in_asm,exec -D FILE logs the first blocks as qemu does.
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
	// The reset vector's far jump first, then the boot sector.
	if !strings.HasPrefix(text, "----------------\nIN: \n0x000ffff0:  ea 00 7c 00 00           ljmp") ||
		!strings.Contains(text, "IN: \n0x00007c00:  fa                       cli\n") ||
		!strings.Contains(text, "Trace 0: 0x7c00 [00000000/00007c00/") {
		t.Errorf("log starts:\n%.600s", text)
	}
}

// TestDebugLogGuestErrors: -d guest_errors logs a read of a port no device claims.
func TestDebugLogGuestErrors(t *testing.T) {
	dir := t.TempDir()
	img := make([]byte, 512)
	copy(img, []byte{0xe4, 0x99, 0xf4}) // in $0x99,%al; hlt
	img[510], img[511] = 0x55, 0xaa
	disk := filepath.Join(dir, "boot.img")
	if err := os.WriteFile(disk, img, 0o644); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "err.log")
	runGemu(t, 60*time.Second, nil, "-nographic", "-hda", disk, "-d", "guest_errors", "-D", log,
		"-icount-limit", "1000")
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "0x99") {
		t.Errorf("guest_errors log %q does not name port 0x99", b)
	}
}
