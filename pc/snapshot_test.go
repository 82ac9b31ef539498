package pc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"gemu/ide"
	"gemu/images"
)

// atPromptAfterLs boots xv6 with ncpu CPUs, runs ls and returns the session at the prompt.
func atPromptAfterLs(t testing.TB, ncpu int) *xv6 {
	t.Helper()
	x := bootXv6T(t, ncpu)
	x.expect(0, "init: starting sh\n$ ", 20e9)
	if out := x.run("ls", 5e9); !strings.Contains(out, "README") {
		t.Fatalf("ls printed %q", out)
	}
	return x
}

// bootXv6T is bootXv6 for tests and benchmarks.
func bootXv6T(t testing.TB, ncpu int) *xv6 {
	t.Helper()
	fs := append(memDisk(nil), images.FS...)
	out := &bytes.Buffer{}
	m, err := New(Config{CPUs: ncpu, Disks: [2]ide.Disk{append(memDisk(nil), images.Kernel...), fs}, Serial: out})
	if err != nil {
		t.Fatal(err)
	}
	return &xv6{t: t, m: m, out: out, fs: fs}
}

// encode returns the snapshot's file bytes.
func encode(t testing.TB, s *Snapshot) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := s.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// restored builds a fresh machine on fresh copies of the images and restores the
// snapshot file b into it.
func restored(t testing.TB, ncpu int, b []byte) *xv6 {
	t.Helper()
	s, err := ReadSnapshot(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	x := bootXv6T(t, ncpu)
	if err := x.m.Restore(s); err != nil {
		t.Fatal(err)
	}
	return x
}

func hashOf(t testing.TB, m *Machine) [32]byte {
	t.Helper()
	h, err := m.StateHash()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// A snapshot taken at the prompt after ls, written to a file and restored into a new
// machine, gives the same transcript for the next commands (and the same disk) as the
// run that never stopped.
func TestSnapshotTranscript(t *testing.T) {
	cmds := []string{"echo hello snapshot", "cat README | wc", "mkdir snapdir", "ls snapdir", "ls"}
	for _, ncpu := range []int{1, 2} {
		t.Run(fmt.Sprintf("smp%d", ncpu), func(t *testing.T) {
			a := atPromptAfterLs(t, ncpu)
			s, err := a.m.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			file := encode(t, s)
			if again := encode(t, s); !bytes.Equal(file, again) {
				t.Fatal("the same snapshot encodes to different bytes")
			}
			hs, err := s.Hash()
			if err != nil {
				t.Fatal(err)
			}
			if ha := hashOf(t, a.m); ha != hs {
				t.Fatalf("machine hash %x, its snapshot's %x", ha[:8], hs[:8])
			}
			b := restored(t, ncpu, file)
			if hb := hashOf(t, b.m); hb != hs {
				t.Fatalf("restored machine hash %x, the snapshot's %x", hb[:8], hs[:8])
			}
			aStart, bStart := a.out.Len(), b.out.Len()
			for _, c := range cmds {
				a.run(c, 10e9)
				b.run(c, 10e9)
			}
			ta, tb := a.out.String()[aStart:], b.out.String()[bStart:]
			if ta != tb {
				t.Fatalf("transcripts differ:\n--- never stopped:\n%s\n--- restored:\n%s", ta, tb)
			}
			if !strings.Contains(ta, "hello snapshot") || !strings.Contains(ta, "snapdir") {
				t.Fatalf("commands did not run:\n%s", ta)
			}
			if !bytes.Equal(a.fs, b.fs) {
				t.Fatal("file system images differ after the same commands")
			}
			if ha, hb := hashOf(t, a.m), hashOf(t, b.m); ha != hb {
				t.Fatalf("state hashes differ after the same commands: %x %x", ha[:8], hb[:8])
			}
		})
	}
}

// Two machines that ran the same way give byte-identical snapshot files.
func TestSnapshotDeterministic(t *testing.T) {
	var files [2][]byte
	for i := range files {
		x := atPromptAfterLs(t, 2)
		s, err := x.m.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		files[i] = encode(t, s)
		s.Close()
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatalf("two identical runs gave different snapshots (%d and %d bytes)", len(files[0]), len(files[1]))
	}
	t.Logf("snapshot of xv6 at the prompt, 2 CPUs: %d bytes", len(files[0]))
}

// stepUntil runs x a round at a time until cond holds, at most rounds rounds.
func stepUntil(t *testing.T, x *xv6, rounds int, cond func(*MachineState) bool) bool {
	t.Helper()
	for i := 0; i < rounds; i++ {
		if _, done, err := x.m.RunFor(context.Background(), DefaultSlice); err != nil || done {
			t.Fatalf("machine stopped: %v", err)
		}
		st := x.m.machineState()
		if cond(&st) {
			return true
		}
	}
	return false
}

// checkExact snapshots x, runs it on for d ns, then restores the snapshot into a fresh
// machine and runs that for d ns too: the state hashes match right after the restore and
// again at the end.
func checkExact(t *testing.T, x *xv6, ncpu int, d int64) {
	t.Helper()
	s, err := x.m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hs, err := s.Hash()
	if err != nil {
		t.Fatal(err)
	}
	file := encode(t, s)
	if _, _, err := x.m.RunFor(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	ha := hashOf(t, x.m)
	b := restored(t, ncpu, file)
	if hb := hashOf(t, b.m); hb != hs {
		t.Fatalf("restored hash %x, snapshot's %x", hb[:8], hs[:8])
	}
	if _, _, err := b.m.RunFor(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if hb := hashOf(t, b.m); hb != ha {
		t.Fatalf("after %d ns: restored machine's hash %x, the original's %x", d, hb[:8], ha[:8])
	}
	if ha == hs {
		t.Fatal("the machine did not change in the run after the snapshot")
	}
}

// A snapshot taken while the IDE holds a sector the guest has not read yet (DRQ set)
// restores exactly; so does one taken at such a moment with a timer interrupt requested
// too (the last CPU's LAPIC timer vector raised as its timer raises it: the two rarely
// meet on their own, xv6 ticks every 10 ms).
func TestSnapshotDiskTransfer(t *testing.T) {
	for _, c := range []struct {
		ncpu  int
		timer bool
	}{{1, false}, {2, false}, {1, true}, {2, true}} {
		t.Run(fmt.Sprintf("smp%d-timer%v", c.ncpu, c.timer), func(t *testing.T) {
			ncpu := c.ncpu
			x := bootXv6T(t, ncpu)
			inFlight := func(st *MachineState) bool {
				for _, d := range st.IDE.Drive {
					if d.Status&ide.DRQ != 0 && len(d.Buf) > 0 && d.Pos < len(d.Buf) {
						return true
					}
				}
				return false
			}
			if !stepUntil(t, x, 200000, inFlight) {
				t.Fatal("no round ended with a disk transfer in flight")
			}
			if c.timer {
				i := ncpu - 1
				x.m.apics[i].Accept(32) // T_IRQ0 + IRQ_TIMER, what the timer requests
				x.m.cpus[i].PollInterrupts()
				if st := x.m.machineState(); st.LAPIC[i].IRR[1]&1 == 0 || !inFlight(&st) {
					t.Fatal("not both a disk transfer and a timer interrupt in flight")
				}
			}
			checkExact(t, x, ncpu, 50e6)
		})
	}
}

// A snapshot taken while a local APIC timer interrupt is requested but not yet taken
// (IRR set) restores exactly.
func TestSnapshotTimerInFlight(t *testing.T) {
	for _, ncpu := range []int{1, 2} {
		t.Run(fmt.Sprintf("smp%d", ncpu), func(t *testing.T) {
			x := bootXv6T(t, ncpu)
			x.expect(0, "init: starting sh\n$ ", 20e9)
			timer := func(st *MachineState) bool {
				for _, a := range st.LAPIC {
					if a.Armed && a.IRR[1]&1 != 0 { // vector 32, xv6's T_IRQ0 + IRQ_TIMER
						return true
					}
				}
				return false
			}
			if !stepUntil(t, x, 100000, timer) {
				t.Fatal("no round ended with a timer interrupt pending")
			}
			checkExact(t, x, ncpu, 50e6)
		})
	}
}

// Bad snapshot files and images that differ are refused with an error naming the
// problem, and nothing is written to the images.
func TestSnapshotBadInput(t *testing.T) {
	x := atPromptAfterLs(t, 1)
	x.run("echo written > newfile", 5e9) // a sector written since the images were opened
	s, err := x.m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	file := encode(t, s)
	s.Close()
	if len(s.Disks[1].Sectors) == 0 {
		t.Fatal("no written sectors recorded for the file system disk")
	}

	flip := append([]byte(nil), file...)
	flip[len(flip)/2] ^= 0x10
	version := append([]byte(nil), file...)
	version[8] = 99
	magic := append([]byte(nil), file...)
	magic[0] = 'X'
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"truncated", file[:len(file)-100], "truncated"},
		{"short", file[:10], "truncated"},
		{"bit flipped", flip, "checksum"},
		{"other version", version, "version 99"},
		{"not a snapshot", magic, "not a Gemu snapshot"},
		{"empty", nil, "not a Gemu snapshot"},
	} {
		_, err := ReadSnapshot(bytes.NewReader(c.b))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is more than one line: %q", c.name, err)
		}
	}

	// An image that differs from the one the snapshot was taken on.
	s, err = ReadSnapshot(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	y := bootXv6T(t, 1)
	y.fs[1000] ^= 0xFF
	before := append([]byte(nil), y.fs...)
	hBefore := hashOf(t, y.m)
	err = y.m.Restore(s)
	if err == nil || !strings.Contains(err.Error(), "disk 1: image differs") {
		t.Fatalf("restore onto another image: error %v, want one saying disk 1's image differs", err)
	}
	if !bytes.Equal(before, y.fs) {
		t.Fatal("a refused restore wrote to the image")
	}
	if hashOf(t, y.m) != hBefore {
		t.Fatal("a refused restore changed the machine")
	}

	// A machine of another shape.
	z, err := New(Config{CPUs: 2, Disks: [2]ide.Disk{append(memDisk(nil), images.Kernel...), append(memDisk(nil), images.FS...)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := z.Restore(s); err == nil || !strings.Contains(err.Error(), "has 1 CPU, this machine 2") {
		t.Fatalf("restore of a 1-CPU snapshot on 2 CPUs: error %v", err)
	}

	// The image as it is at save time is accepted as it is: nothing to write.
	w := bootXv6T(t, 1)
	copy(w.fs, x.fs)
	if err := w.m.Restore(s); err != nil {
		t.Fatalf("restore onto the image as saved: %v", err)
	}
	if !bytes.Equal(w.fs, x.fs) {
		t.Fatal("restore onto the image as saved changed it")
	}
}

// Restoring a snapshot into the machine it came from, after the machine has run on and
// written its disk, brings back the state exactly, disk included.
func TestSnapshotRestoreInPlace(t *testing.T) {
	x := atPromptAfterLs(t, 2)
	s, err := x.m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hs, _ := s.Hash()
	fs := append([]byte(nil), x.fs...)
	x.run("mkdir later", 5e9)
	x.run("echo x > later/f", 5e9)
	if bytes.Equal(fs, x.fs) {
		t.Fatal("the commands wrote nothing")
	}
	if err := x.m.Restore(s); err != nil {
		t.Fatal(err)
	}
	if h := hashOf(t, x.m); h != hs {
		t.Fatalf("hash after restore in place %x, snapshot's %x", h[:8], hs[:8])
	}
	if !bytes.Equal(fs, x.fs) {
		t.Fatal("the disk was not rolled back")
	}
	if out := x.run("ls later", 5e9); !strings.Contains(out, "cannot open") {
		t.Fatalf("ls later after the restore: %q", out)
	}
}

// BenchmarkSnapshotRestore restores xv6 at the prompt (1 CPU, 512 MB) into the machine
// it came from, which has run on meanwhile; the first command after it pays the
// copy-on-write faults, which are not counted. Issue 17 asks for at most 20 ms.
func BenchmarkSnapshotRestore(b *testing.B) {
	x := atPromptAfterLs(b, 1)
	s, err := x.m.Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	x.run("echo hi", 5e9)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := x.m.Restore(s); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		x.run("echo hi", 5e9)
		b.StartTimer()
	}
}

// BenchmarkSnapshotRestoreNew builds a machine on fresh images and restores xv6 at the
// prompt into it: a grading run that starts every test from the prompt.
func BenchmarkSnapshotRestoreNew(b *testing.B) {
	x := atPromptAfterLs(b, 1)
	s, err := x.m.Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		y, err := New(Config{Disks: [2]ide.Disk{append(memDisk(nil), images.Kernel...), append(memDisk(nil), images.FS...)}})
		if err != nil {
			b.Fatal(err)
		}
		if err := y.Restore(s); err != nil {
			b.Fatal(err)
		}
		y.Close()
	}
}

// BenchmarkSnapshotSave takes and encodes a snapshot of xv6 at the prompt (after the
// first, incremental ones: the encoding is the same).
func BenchmarkSnapshotSave(b *testing.B) {
	x := atPromptAfterLs(b, 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := x.m.Snapshot()
		if err != nil {
			b.Fatal(err)
		}
		n := len(encode(b, s))
		s.Close()
		b.ReportMetric(float64(n), "file-bytes")
	}
}

// BenchmarkSnapshotLoad reads a snapshot file of xv6 at the prompt.
func BenchmarkSnapshotLoad(b *testing.B) {
	x := atPromptAfterLs(b, 1)
	s, err := x.m.Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	file := encode(b, s)
	s.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := ReadSnapshot(bytes.NewReader(file))
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// After a whole snapshot, RAM maps its image and the next snapshots hold only the pages
// written since; they restore exactly and encode to the same bytes as whole ones.
func TestSnapshotIncremental(t *testing.T) {
	a := atPromptAfterLs(t, 2)
	s1, err := a.m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	if inc, _ := s1.Incremental(); inc {
		t.Fatal("the first snapshot of a booted machine is incremental")
	}
	a.run("echo one > f1", 5e9)
	s2, err := a.m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	inc, n := s2.Incremental()
	if !inc || n == 0 {
		t.Skipf("no incremental snapshot here (incremental %v, %d pages): the host does not tell written pages", inc, n)
	}
	t.Logf("incremental snapshot after a command: %d pages", n)
	h2, err := s2.Hash()
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := a.m.StateHash(); h != h2 {
		t.Fatal("incremental snapshot's hash differs from the machine's")
	}
	file2 := encode(t, s2)
	a.run("echo two > f2", 5e9)
	s3, err := a.m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()

	// Restored into a new machine, in memory and from the file: the same state, and a
	// snapshot of either encodes to the same bytes.
	b := bootXv6T(t, 2)
	if err := b.m.Restore(s2); err != nil {
		t.Fatal(err)
	}
	if h := hashOf(t, b.m); h != h2 {
		t.Fatal("restored incremental snapshot: hash differs")
	}
	sb, err := b.m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encode(t, sb), file2) {
		t.Fatal("a snapshot of the restored machine encodes differently")
	}
	sb.Close()
	c := restored(t, 2, file2)
	sc, err := c.m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encode(t, sc), file2) {
		t.Fatal("a snapshot of the machine restored from the file encodes differently")
	}
	sc.Close()

	// Back and forth on the original machine: s2, then s3, then s2 again.
	h3, _ := s3.Hash()
	for _, s := range []*Snapshot{s2, s3, s2} {
		if err := a.m.Restore(s); err != nil {
			t.Fatal(err)
		}
		want := h2
		if s == s3 {
			want = h3
		}
		if h := hashOf(t, a.m); h != want {
			t.Fatal("restore in place of an incremental snapshot: hash differs")
		}
	}
	if out := a.run("ls f2", 5e9); !strings.Contains(out, "cannot open") {
		t.Fatalf("after going back to before f2 was made, ls f2 says %q", out)
	}
}

// BenchmarkSnapshotIncremental takes a snapshot of xv6 after a command, on a machine
// whose RAM maps an earlier snapshot: only the pages written since are copied.
func BenchmarkSnapshotIncremental(b *testing.B) {
	x := atPromptAfterLs(b, 1)
	s0, err := x.m.Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	defer s0.Close()
	x.run("echo hi", 5e9)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := x.m.Snapshot()
		if err != nil {
			b.Fatal(err)
		}
		_, n := s.Incremental()
		b.ReportMetric(float64(n), "pages")
		s.Close()
	}
}

// BenchmarkSnapshotWhole takes the first snapshot of a booted xv6 at the prompt: every
// page that is not zero is copied.
func BenchmarkSnapshotWhole(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		x := atPromptAfterLs(b, 1)
		b.StartTimer()
		s, err := x.m.Snapshot()
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		x.m.Close()
		b.StartTimer()
	}
}

// A snapshot's image hash is computed when first needed: after the machine has gone on
// writing its disk, it is still the hash of the image as it was at the snapshot.
func TestSnapshotDiskHashLater(t *testing.T) {
	x := atPromptAfterLs(t, 1)
	x.run("echo a > before", 5e9)
	s, err := x.m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := sha256.Sum256(x.fs)
	x.run("echo b > after; mkdir d2", 5e9)
	if sha256.Sum256(x.fs) == want {
		t.Fatal("the command wrote nothing")
	}
	r, err := ReadSnapshot(bytes.NewReader(encode(t, s)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Disks[1].Hash != want {
		t.Fatalf("hash of the image as saved %x, want %x", r.Disks[1].Hash[:8], want[:8])
	}
	if len(r.Disks[1].Sectors) == 0 {
		t.Fatal("no sectors written since the base")
	}
}
