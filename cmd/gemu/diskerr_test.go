package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fullDisk mounts a 64 KB tmpfs (root only; the test skips elsewhere) and puts on it a
// 1 MB sparse image whose first sector is pc/testdata/diskw.bin, then fills the rest of
// the file system: the guest's writes to sectors 8-15 need a page the host cannot give.
func fullDisk(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	boot, err := os.ReadFile(testdata + "diskw.bin")
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(dir, "disk.img")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(boot); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	fill, err := os.Create(filepath.Join(dir, "fill"))
	if err != nil {
		t.Fatal(err)
	}
	defer fill.Close()
	page := make([]byte, 4096)
	for {
		if _, err := fill.Write(page); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	return img
}

// TestDiskFullStops: a guest write the host cannot store stops gemu with one line naming
// the image, the sector and the host's error, exit status 1, and -d guest_errors logs the
// transfer; with werror=report the guest sees ABRT instead and exits through isa-debug-exit
// with (4<<1)|1.
func TestDiskFullStops(t *testing.T) {
	img := fullDisk(t)
	args := []string{"-display", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4", "-d", "guest_errors"}
	_, stderr, st := runGemu(t, time.Minute, nil, append(args, "-drive", "file="+img+",index=0,format=raw")...)
	want := "gemu: disk image " + img + ": write of sector 8 failed: no space left on device\n"
	if st != 1 || !strings.HasSuffix(stderr, want) {
		t.Errorf("exit status %d, stderr %q; want 1 and the last line %q", st, stderr, want)
	}
	if !strings.Contains(stderr, "host write of sector 8 failed: no space left on device; machine stopped") {
		t.Errorf("-d guest_errors did not log the failed write: %q", stderr)
	}
	_, stderr, st = runGemu(t, time.Minute, nil, append(args, "-drive", "file="+img+",index=0,format=raw,werror=report")...)
	if st != 9 || !strings.Contains(stderr, "the guest sees an I/O error") {
		t.Errorf("werror=report: exit status %d, stderr %q; want 9 and the logged transfer", st, stderr)
	}
}
