package ide

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// rig is a channel with an IRQ recorder.
type rig struct {
	c     *IDE
	line  bool
	rises int
}

func newRig(t *testing.T, disks ...Disk) *rig {
	r := &rig{c: New()}
	r.c.IRQ = func(level bool) {
		if level && !r.line {
			r.rises++
		}
		r.line = level
	}
	for i, d := range disks {
		if d == nil {
			continue
		}
		if err := r.c.Attach(i, d); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// pattern returns n sectors where sector s holds bytes (s*7 + i) mod 251.
func pattern(n int) []byte {
	b := make([]byte, n*SectorSize)
	for i := range b {
		b[i] = byte((i/SectorSize*7 + i) % 251)
	}
	return b
}

// tempDisk writes data to a temporary image and opens it.
func tempDisk(t *testing.T, data []byte) (*FileDisk, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := OpenFileDisk(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, path
}

// waitdisk is the boot loader's poll: (status & 0xC0) == 0x40.
func (r *rig) waitdisk(t *testing.T) {
	t.Helper()
	for i := 0; i < 10; i++ {
		if r.c.In(Status, 1)&0xC0 == 0x40 {
			return
		}
	}
	t.Fatal("disk never ready")
}

// idewait is xv6's ide.c idewait(1): poll, then check DF and ERR.
func (r *rig) idewait() bool {
	var st uint32
	for st = r.c.In(Status, 1); st&(BSY|DRDY) != DRDY; st = r.c.In(Status, 1) {
	}
	return st&(DF|ERR) == 0
}

// readsect is the boot loader's readsect.
func (r *rig) readsect(t *testing.T, lba uint32) []byte {
	r.waitdisk(t)
	r.c.Out(SecCount, 1, 1)
	r.c.Out(LBALow, 1, lba)
	r.c.Out(LBAMid, 1, lba>>8)
	r.c.Out(LBAHigh, 1, lba>>16)
	r.c.Out(DriveHead, 1, lba>>24|0xE0)
	r.c.Out(Status, 1, 0x20)
	r.waitdisk(t)
	return r.insl(128)
}

func (r *rig) insl(n int) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		v := r.c.In(Data, 4)
		b = append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	}
	return b
}

func (r *rig) outsl(b []byte) {
	for i := 0; i+4 <= len(b); i += 4 {
		r.c.Out(Data, 4, uint32(b[i])|uint32(b[i+1])<<8|uint32(b[i+2])<<16|uint32(b[i+3])<<24)
	}
}

// start is xv6's idestart for unit dev, sector lba, command cmd.
func (r *rig) start(dev int, lba uint32, count uint8, cmd uint8) {
	r.idewait()
	r.c.Out(Control, 1, 0)
	r.c.Out(SecCount, 1, uint32(count))
	r.c.Out(LBALow, 1, lba&0xFF)
	r.c.Out(LBAMid, 1, (lba>>8)&0xFF)
	r.c.Out(LBAHigh, 1, (lba>>16)&0xFF)
	r.c.Out(DriveHead, 1, 0xE0|uint32(dev&1)<<4|(lba>>24)&0x0F)
	r.c.Out(Status, 1, uint32(cmd))
}

func TestBootLoaderRead(t *testing.T) {
	data := pattern(64)
	d, _ := tempDisk(t, data)
	r := newRig(t, d)
	for _, lba := range []uint32{0, 1, 63} {
		got := r.readsect(t, lba)
		if !bytes.Equal(got, data[lba*512:(lba+1)*512]) {
			t.Errorf("sector %d differs", lba)
		}
	}
	if st := r.c.In(Status, 1); st != DRDY|DSC {
		t.Errorf("status after read %#x, want %#x", st, DRDY|DSC)
	}
	if rd, wr := r.c.Activity(); rd != 3 || wr != 0 {
		t.Errorf("Activity %d,%d, want 3,0", rd, wr)
	}
}

func TestXV6WriteThenRead(t *testing.T) {
	fsimg := pattern(100)
	d0, _ := tempDisk(t, pattern(10))
	d1, path := tempDisk(t, fsimg)
	r := newRig(t, d0, d1)
	buf := bytes.Repeat([]byte("xv6!"), 128)
	r.start(1, 77, 1, 0x30)
	if r.rises != 0 {
		t.Error("IRQ before the write data arrived")
	}
	if st := r.c.In(Control, 1); st != DRDY|DSC|DRQ {
		t.Errorf("alt status during write %#x, want DRQ", st)
	}
	r.outsl(buf)
	if r.rises != 1 || !r.line {
		t.Fatalf("write completion: %d IRQs, line %v", r.rises, r.line)
	}
	// The bytes are in the file now: write-through.
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk[77*512:78*512], buf) || !bytes.Equal(onDisk[:77*512], fsimg[:77*512]) {
		t.Error("file does not hold exactly the written sector")
	}
	r.start(1, 77, 1, 0x20) // idewait reads status: the old IRQ is lowered first
	if r.rises != 2 {
		t.Fatalf("read completion: %d IRQs, want 2", r.rises)
	}
	if !r.idewait() { // ideintr
		t.Fatal("error status after read")
	}
	if r.line {
		t.Error("status read did not clear the IRQ")
	}
	if got := r.insl(128); !bytes.Equal(got, buf) {
		t.Error("read back differs")
	}
	if rd, wr := r.c.Activity(); rd != 1 || wr != 1 {
		t.Errorf("Activity %d,%d, want 1,1", rd, wr)
	}
	// LBA registers report the last sector transferred.
	if lo, cnt := r.c.In(LBALow, 1), r.c.In(SecCount, 1); lo != 77 || cnt != 0 {
		t.Errorf("task file after read: LBA low %d count %d, want 77 0", lo, cnt)
	}
}

func TestMultiSector16Bit(t *testing.T) {
	data := pattern(300)
	d, _ := tempDisk(t, data)
	for _, tc := range []struct {
		lba   uint32
		count uint8
		n     int
	}{{5, 3, 3}, {10, 0, 256}} {
		r := newRig(t, d)
		r.start(0, tc.lba, tc.count, 0x20)
		var got []byte
		for s := 0; s < tc.n; s++ {
			if r.c.In(Status, 1)&DRQ == 0 {
				t.Fatalf("count %d: no DRQ for sector %d", tc.count, s)
			}
			for i := 0; i < 256; i++ {
				v := r.c.In(Data, 2)
				got = append(got, byte(v), byte(v>>8))
			}
		}
		if r.rises != tc.n {
			t.Errorf("count %d: %d IRQs, want one per sector (%d)", tc.count, r.rises, tc.n)
		}
		if !bytes.Equal(got, data[tc.lba*512:(int(tc.lba)+tc.n)*512]) {
			t.Errorf("count %d: data differs", tc.count)
		}
		if st := r.c.In(Status, 1); st != DRDY|DSC {
			t.Errorf("count %d: status after %#x", tc.count, st)
		}
	}
}

func TestMultiple(t *testing.T) {
	d, path := tempDisk(t, pattern(40))
	r := newRig(t, d)
	r.start(0, 0, 0, 0xEC)
	r.idewait()
	if w59 := word(r.insl(128), 59); w59 != 0x110 {
		t.Errorf("power-on IDENTIFY word 59 %#x, want 0x110 (multiple 16, as qemu)", w59)
	}
	r.start(0, 0, 0, 0xC6)  // SET MULTIPLE 0 disables multiple mode
	r.start(0, 0, 10, 0xC4) // so READ MULTIPLE is aborted
	if st, e := r.c.In(Status, 1), r.c.In(Error, 1); st&ERR == 0 || e != ABRT {
		t.Errorf("READ MULTIPLE disabled: status %#x error %#x", st, e)
	}
	r.start(0, 0, 3, 0xC6) // 3 is not a power of two
	if r.c.In(Status, 1)&ERR == 0 {
		t.Error("SET MULTIPLE 3 accepted")
	}
	r.start(0, 0, 4, 0xC6)
	if !r.idewait() {
		t.Fatal("SET MULTIPLE 4 failed")
	}
	w := bytes.Repeat([]byte{0xA5, 0x5A}, 10*256)
	r.rises = 0
	r.start(0, 20, 10, 0xC5)
	r.outsl(w[:4*512])
	r.idewait() // a driver waits for each block's interrupt and reads status
	r.outsl(w[4*512 : 8*512])
	r.idewait()
	r.outsl(w[8*512:])
	if r.rises != 3 {
		t.Errorf("WRITE MULTIPLE 10 in blocks of 4: %d IRQs, want 3", r.rises)
	}
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk[20*512:30*512], w) {
		t.Error("WRITE MULTIPLE data not in the file")
	}
	r.rises = 0
	r.start(0, 20, 10, 0xC4)
	var got []byte
	for blk, n := range []int{4, 4, 2} {
		if !r.idewait() {
			t.Fatalf("block %d: error", blk)
		}
		got = append(got, r.insl(n*128)...)
	}
	if r.rises != 3 || !bytes.Equal(got, w) {
		t.Errorf("READ MULTIPLE: %d IRQs, data equal %v", r.rises, bytes.Equal(got, w))
	}
	r.start(0, 0, 0, 0xEC)
	r.idewait()
	id := r.insl(128)
	if word(id, 59) != 0x104 {
		t.Errorf("IDENTIFY word 59 %#x, want 0x104", word(id, 59))
	}
}

func word(b []byte, i int) uint16 { return uint16(b[2*i]) | uint16(b[2*i+1])<<8 }

func TestIdentify(t *testing.T) {
	d, _ := tempDisk(t, make([]byte, 2048*512))
	r := newRig(t, d)
	r.start(0, 0, 0, 0xEC)
	if !r.idewait() || r.rises != 1 {
		t.Fatal("IDENTIFY did not complete with an IRQ")
	}
	id := r.insl(128)
	for _, c := range []struct {
		w    int
		want uint16
	}{
		{0, 0x0040}, {1, 2}, {3, 16}, {6, 63}, {47, 0x8010}, {49, 0x0200},
		{57, 2016}, {58, 0}, {59, 0x110}, {60, 2048}, {61, 0},
	} {
		if got := word(id, c.w); got != c.want {
			t.Errorf("IDENTIFY word %d = %#x, want %#x", c.w, got, c.want)
		}
	}
	model := make([]byte, 40)
	for i := range model {
		model[i] = id[54+i^1]
	}
	if got := strings.TrimSpace(string(model)); got != "GEMU HARDDISK" {
		t.Errorf("model %q", got)
	}
	if r.c.In(Status, 1)&DRQ != 0 {
		t.Error("DRQ after all IDENTIFY data was read")
	}
}

func TestSlaveProbe(t *testing.T) {
	d, _ := tempDisk(t, pattern(4))
	for _, tc := range []struct {
		name  string
		slave Disk
		want  bool
	}{{"absent", nil, false}, {"present", d, true}} {
		r := newRig(t, d, tc.slave)
		r.c.Out(DriveHead, 1, 0xE0|1<<4)
		have := false
		for i := 0; i < 1000; i++ {
			if r.c.In(Status, 1) != 0 {
				have = true
				break
			}
		}
		r.c.Out(DriveHead, 1, 0xE0)
		if have != tc.want {
			t.Errorf("%s slave: probe says %v", tc.name, have)
		}
		if r.c.In(Status, 1) != DRDY|DSC {
			t.Errorf("%s slave: master not ready after probe", tc.name)
		}
	}
}

func TestBadLBA(t *testing.T) {
	d, _ := tempDisk(t, pattern(8))
	r := newRig(t, d)
	r.start(0, 8, 1, 0x20)
	if st, e := r.c.In(Status, 1), r.c.In(Error, 1); st != DRDY|DSC|ERR || e != IDNF {
		t.Errorf("read past end: status %#x error %#x", st, e)
	}
	if r.rises != 1 {
		t.Errorf("error completion raised %d IRQs, want 1", r.rises)
	}
	// A transfer that runs off the end: sectors 6 and 7 arrive, then IDNF at 8.
	r.start(0, 6, 3, 0x20)
	r.insl(256)
	if st, e, lo := r.c.In(Status, 1), r.c.In(Error, 1), r.c.In(LBALow, 1); st&ERR == 0 || e != IDNF || lo != 8 {
		t.Errorf("run-off read: status %#x error %#x LBA %d", st, e, lo)
	}
	r.start(0, 0x0FFFFFFF, 1, 0x30)
	if st := r.c.In(Status, 1); st&ERR == 0 || st&DRQ != 0 {
		t.Errorf("write past end: status %#x", st)
	}
	r.start(0, 0, 1, 0x99)
	if st, e := r.c.In(Status, 1), r.c.In(Error, 1); st&ERR == 0 || e != ABRT {
		t.Errorf("unknown command: status %#x error %#x", st, e)
	}
	r.start(0, 0, 1, 0x20) // the next good command clears the error
	if st := r.c.In(Status, 1); st != DRDY|DSC|DRQ {
		t.Errorf("good read after errors: status %#x", st)
	}
}

func TestCHS(t *testing.T) {
	data := pattern(2 * 16 * 63)
	d, _ := tempDisk(t, data)
	r := newRig(t, d)
	// Cylinder 1, head 2, sector 5 = (1*16+2)*63 + 4.
	r.c.Out(SecCount, 1, 1)
	r.c.Out(LBALow, 1, 5)
	r.c.Out(LBAMid, 1, 1)
	r.c.Out(LBAHigh, 1, 0)
	r.c.Out(DriveHead, 1, 0xA2)
	r.c.Out(Status, 1, 0x20)
	r.idewait()
	lba := (1*16+2)*63 + 4
	if got := r.insl(128); !bytes.Equal(got, data[lba*512:(lba+1)*512]) {
		t.Error("CHS read returned the wrong sector")
	}
	r.c.Out(LBALow, 1, 0) // sector 0 does not exist in CHS
	r.c.Out(Status, 1, 0x20)
	if r.c.In(Error, 1) != IDNF {
		t.Error("CHS sector 0 not rejected")
	}
}

func TestNIENAndReset(t *testing.T) {
	d, _ := tempDisk(t, pattern(4))
	r := newRig(t, d)
	r.c.Out(Control, 1, NIEN)
	r.c.Out(SecCount, 1, 1)
	r.c.Out(DriveHead, 1, 0xE0)
	r.c.Out(Status, 1, 0x20)
	if r.rises != 0 {
		t.Error("IRQ raised with nIEN set")
	}
	r.c.Out(Control, 1, 0) // INTRQ still asserted: the line comes up now
	if r.rises != 1 {
		t.Error("clearing nIEN did not show the pending IRQ")
	}
	r.c.Out(Control, 1, SRST)
	if st := r.c.In(Control, 1); st&BSY == 0 {
		t.Errorf("status during reset %#x, want BSY", st)
	}
	r.c.Out(Status, 1, 0x20) // ignored while busy
	r.c.Out(Control, 1, 0)
	st, e := r.c.In(Status, 1), r.c.In(Error, 1)
	sig := [4]uint32{r.c.In(SecCount, 1), r.c.In(LBALow, 1), r.c.In(LBAMid, 1), r.c.In(LBAHigh, 1)}
	if st != DRDY|DSC || e != 1 || sig != [4]uint32{1, 1, 0, 0} {
		t.Errorf("after reset: status %#x error %#x signature %v", st, e, sig)
	}
	if r.c.In(Data, 4) != 0xFFFFFFFF {
		t.Error("data port without DRQ does not float")
	}
}

// badDisk fails every read and write with err (a plain error if nil), under policies.
type badDisk struct {
	err         error
	read, write Policy
}

func (b badDisk) fail() error {
	if b.err != nil {
		return b.err
	}
	return errors.New("boom")
}
func (b badDisk) ReadAt([]byte, int64) (int, error)  { return 0, b.fail() }
func (b badDisk) WriteAt([]byte, int64) (int, error) { return 0, b.fail() }
func (badDisk) Size() int64                          { return 4096 }
func (b badDisk) ErrorPolicy() (read, write Policy)  { return b.read, b.write }

// With werror=report and rerror=report the guest sees the error: UNC for a read, ABRT for
// a write, and the board hears of both without being asked to stop.
func TestIOErrorsReported(t *testing.T) {
	r := newRig(t, badDisk{read: PolicyReport, write: PolicyReport})
	var seen []HostError
	r.c.HostError = func(e HostError) { seen = append(seen, e) }
	r.start(0, 3, 1, 0x20)
	if st, e := r.c.In(Status, 1), r.c.In(Error, 1); st&ERR == 0 || e != UNC {
		t.Errorf("failed read: status %#x error %#x", st, e)
	}
	r.start(0, 5, 1, 0x30)
	r.outsl(make([]byte, 512))
	if st, e := r.c.In(Status, 1), r.c.In(Error, 1); st&ERR == 0 || e != ABRT {
		t.Errorf("failed write: status %#x error %#x", st, e)
	}
	if rd, wr := r.c.Activity(); rd != 0 || wr != 0 {
		t.Errorf("failed I/O counted: %d %d", rd, wr)
	}
	if len(seen) != 2 || seen[0].Write || seen[0].LBA != 3 || seen[0].Stop || !seen[1].Write || seen[1].LBA != 5 || seen[1].Stop {
		t.Errorf("board heard %+v", seen)
	}
}

// By default (and with werror=stop) a failed transfer asks the board to stop and leaves
// the drive busy with no interrupt: the guest sees no error, no completion.
func TestIOErrorsStop(t *testing.T) {
	for _, write := range []bool{false, true} {
		r := newRig(t, badDisk{})
		var seen []HostError
		r.c.HostError = func(e HostError) { seen = append(seen, e) }
		if write {
			r.start(0, 7, 2, 0x30)
			r.outsl(make([]byte, 512))
		} else {
			r.start(0, 7, 2, 0x20)
		}
		rises := r.rises
		if st := r.c.In(Status, 1); st&BSY == 0 || st&ERR != 0 || st&DRQ != 0 {
			t.Errorf("write %v: status %#x, want busy", write, st)
		}
		if len(seen) != 1 || !seen[0].Stop || seen[0].Write != write || seen[0].LBA != 7 || seen[0].Err == nil {
			t.Errorf("write %v: board heard %+v", write, seen)
		}
		if r.rises != rises || r.line {
			t.Errorf("write %v: an interrupt after the failed transfer", write)
		}
	}
}

// werror=enospc stops for a full host disk and reports anything else.
func TestIOErrorsENOSPC(t *testing.T) {
	for _, tc := range []struct {
		err  error
		stop bool
	}{{&os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}, true}, {errors.New("boom"), false}} {
		r := newRig(t, badDisk{err: tc.err, write: PolicyENOSPC})
		var seen []HostError
		r.c.HostError = func(e HostError) { seen = append(seen, e) }
		r.start(0, 1, 1, 0x30)
		r.outsl(make([]byte, 512))
		st := r.c.In(Status, 1)
		if tc.stop && (st&BSY == 0 || len(seen) != 1 || !seen[0].Stop) {
			t.Errorf("%v: status %#x, board heard %+v; want a stop", tc.err, st, seen)
		}
		if !tc.stop && (st&ERR == 0 || len(seen) != 1 || seen[0].Stop) {
			t.Errorf("%v: status %#x, board heard %+v; want the guest told", tc.err, st, seen)
		}
	}
}

// A real file descriptor that cannot write (the image opened read-only): the write fails
// in the host, the sectors written before it are in the file, and the board is told.
func TestIOErrorsFileDescriptor(t *testing.T) {
	_, path := tempDisk(t, make([]byte, 8*SectorSize))
	rw, err := OpenFileDisk(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	ro, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	for _, pol := range []Policy{PolicyStop, PolicyReport} {
		d := &FileDisk{f: ro, path: path, size: 8 * SectorSize, WritePolicy: pol}
		r := newRig(t, d)
		var seen []HostError
		r.c.HostError = func(e HostError) { seen = append(seen, e) }
		r.start(0, 2, 1, 0x30)
		r.outsl(pattern(1))
		st := r.c.In(Status, 1)
		if len(seen) != 1 || !errors.Is(seen[0].Err, syscall.EBADF) || seen[0].LBA != 2 {
			t.Errorf("policy %d: board heard %+v, want EBADF at sector 2", pol, seen)
		}
		if pol == PolicyStop && st&BSY == 0 || pol == PolicyReport && st&ERR == 0 {
			t.Errorf("policy %d: status %#x", pol, st)
		}
	}
	// A working descriptor on the same file: the data lands.
	r := newRig(t, rw)
	r.start(0, 1, 1, 0x30)
	r.outsl(pattern(1))
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got[SectorSize:2*SectorSize], pattern(1)) {
		t.Error("write through the read-write descriptor missing")
	}
}

func TestParsePolicy(t *testing.T) {
	for s, want := range map[string]Policy{"stop": PolicyStop, "report": PolicyReport, "enospc": PolicyENOSPC, "ignore": PolicyIgnore} {
		if p, err := ParsePolicy(s); err != nil || p != want {
			t.Errorf("ParsePolicy(%q) = %v, %v", s, p, err)
		}
	}
	if _, err := ParsePolicy("retry"); err == nil {
		t.Error("ParsePolicy accepted retry")
	}
}

func TestAttachAndFileDisk(t *testing.T) {
	c := New()
	if c.Attach(2, badDisk{}) == nil || c.Attach(0, nil) == nil {
		t.Error("bad Attach accepted")
	}
	dir := t.TempDir()
	for _, n := range []int{0, 100, 513} {
		p := filepath.Join(dir, "odd.img")
		if err := os.WriteFile(p, make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenFileDisk(p); err == nil || !strings.Contains(err.Error(), "multiple of 512") {
			t.Errorf("size %d: error %v", n, err)
		}
	}
	if _, err := OpenFileDisk(filepath.Join(dir, "missing.img")); err == nil {
		t.Error("missing file opened")
	}
	d, _ := tempDisk(t, pattern(2))
	if d.Size() != 1024 {
		t.Errorf("Size %d", d.Size())
	}
	if err := d.Sync(); err != nil {
		t.Error(err)
	}
	r := newRig(t, d)
	r.start(0, 0, 0, 0xE7)
	if !r.idewait() {
		t.Error("FLUSH CACHE failed")
	}
}
