package pc

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"gemu/ide"
)

// failingDisk is a memDisk whose writes from sector failAt on fail with err, under a
// write policy; it names itself like an image file.
type failingDisk struct {
	memDisk
	failAt int64
	err    error
	policy ide.Policy
}

func (d *failingDisk) WriteAt(p []byte, off int64) (int, error) {
	if off/512 >= d.failAt {
		return 0, d.err
	}
	return d.memDisk.WriteAt(p, off)
}
func (d *failingDisk) Name() string                          { return "/images/test.img" }
func (d *failingDisk) ErrorPolicy() (read, write ide.Policy) { return ide.PolicyStop, d.policy }

// runDiskWriter boots testdata/diskw.bin from a disk whose writes fail from sector 12,
// with -d guest_errors's log captured.
func runDiskWriter(t *testing.T, policy ide.Policy) (Result, *failingDisk, string) {
	t.Helper()
	sector, err := os.ReadFile("testdata/diskw.bin")
	if err != nil {
		t.Fatal(err)
	}
	d := &failingDisk{memDisk: make(memDisk, 64*512), failAt: 12,
		err: &os.PathError{Op: "write", Path: "/images/test.img", Err: syscall.ENOSPC}, policy: policy}
	copy(d.memDisk, sector)
	var log strings.Builder
	m, err := New(Config{MemoryMB: 32, Disks: [2]ide.Disk{d}, ExitPort: 0xF4, ExitSize: 4,
		Log: func(guestError bool, format string, args ...any) {
			if guestError {
				fmt.Fprintf(&log, format+"\n", args...)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	r := runToEnd(t, m, 1e9)
	return r, d, log.String()
}

// A failed host write stops the machine (qemu's werror=stop; our default): one line naming
// the image, the sector and the host's error, exit status 1, the sectors written before it
// in the image, and the failed transfer in the guest_errors log.
func TestDiskWriteErrorStops(t *testing.T) {
	r, d, log := runDiskWriter(t, ide.PolicyStop)
	want := "disk image /images/test.img: write of sector 12 failed: no space left on device"
	if r.Reason != DiskError || r.Status != 1 || r.Message != want {
		t.Errorf("stopped with %+v, want DiskError, status 1, %q", r, want)
	}
	for s := 8; s < 12; s++ {
		if !bytes.Equal(d.memDisk[s*512:(s+1)*512], d.memDisk[:512]) {
			t.Errorf("sector %d, written before the failure, is not in the image", s)
		}
	}
	if !strings.Contains(log, "ide: disk 0 (/images/test.img): host write of sector 12 failed: no space left on device; machine stopped") {
		t.Errorf("guest_errors log %q lacks the failed transfer", log)
	}
}

// With werror=report the guest sees the error (ERR, ABRT in the error register) and goes
// on; the log still names the failed transfer.
func TestDiskWriteErrorReported(t *testing.T) {
	r, _, log := runDiskWriter(t, ide.PolicyReport)
	if r.Reason != DebugExit || r.Status != ide.ABRT<<1|1 {
		t.Errorf("stopped with %+v, want the guest's isa-debug-exit with ABRT (status %d)", r, ide.ABRT<<1|1)
	}
	if !strings.Contains(log, "host write of sector 12 failed: no space left on device; the guest sees an I/O error") {
		t.Errorf("guest_errors log %q lacks the failed transfer", log)
	}
}
