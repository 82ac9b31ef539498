package qa

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gemu/harness"
	"gemu/ide"
	"gemu/images"
	"gemu/pc"
	"gemu/xv6fs"
)

// lockedBuffer collects COM1 output; the board writes it from the run loop.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runUntil runs m in steps of virtual time until out contains want or the budget is spent.
func runUntil(t *testing.T, m *pc.Machine, out *lockedBuffer, want string, budget int64) {
	t.Helper()
	const step = harness.Second / 100
	for spent := int64(0); spent < budget; spent += step {
		if strings.Contains(out.String(), want) {
			return
		}
		r, done, err := m.RunFor(context.Background(), step)
		if err != nil {
			t.Fatalf("RunFor: %v", err)
		}
		if done {
			t.Fatalf("machine stopped (%s) before %q; transcript:\n%s", r.Message, want, out.String())
		}
	}
	if !strings.Contains(out.String(), want) {
		t.Fatalf("%q not seen within %v of virtual time; transcript:\n%s", want, budget, out.String())
	}
}

// TestAbandonedMidWriteRecovers plays a host crash in the middle of xv6's stressfs: the
// machine is dropped between two slices without Close or SyncDisks. Because disk writes
// go through to the file, the file must hold a state xv6's log can recover: a second boot
// from it reaches the prompt, the image then passes xv6fs.Check, and the files stressfs
// committed before the crash is there.
func TestAbandonedMidWriteRecovers(t *testing.T) {
	dir := t.TempDir()
	fsPath := filepath.Join(dir, "fs.img")
	if err := os.WriteFile(fsPath, images.FS, 0o644); err != nil {
		t.Fatal(err)
	}
	d1, err := ide.OpenFileDisk(fsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer d1.Close()
	out := &lockedBuffer{}
	m, err := pc.New(pc.Config{
		Disks:  [2]ide.Disk{harness.NewMemDisk(images.Kernel), d1},
		Serial: out,
	})
	if err != nil {
		t.Fatal(err)
	}
	runUntil(t, m, out, "$ ", 20*harness.Second)
	m.SendSerial([]byte("echo committed-data > keep\n"))
	runUntil(t, m, out, "keep\n$ ", 20*harness.Second)
	m.SendSerial([]byte("stressfs\n"))
	runUntil(t, m, out, "write 3", 60*harness.Second)
	// Go on in small steps until the file holds a committed but not yet installed
	// log transaction (the log header's count is not 0): the hardest moment to die.
	sb, err := xv6fs.Parse(images.FS)
	if err != nil {
		t.Fatal(err)
	}
	hdr := make([]byte, 4)
	for spent := int64(0); ; spent += harness.Second / 20000 {
		if _, err := d1.ReadAt(hdr, int64(sb.Superblock().LogStart)*512); err != nil {
			t.Fatal(err)
		}
		if binary.LittleEndian.Uint32(hdr) != 0 {
			break
		}
		if spent > 10*harness.Second {
			t.Fatalf("no committed log transaction seen in the file during stressfs; transcript:\n%s", out.String())
		}
		if _, done, err := m.RunFor(context.Background(), harness.Second/20000); err != nil || done {
			t.Fatalf("RunFor: done=%v err=%v", done, err)
		}
	}
	// Abandon m here: no Close, no SyncDisks (what SIGKILL would leave behind).

	img, err := os.ReadFile(fsPath)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(img, images.FS) {
		t.Fatal("nothing stressfs wrote reached the image file")
	}
	if raw, err := xv6fs.Parse(img); err == nil {
		lh := binary.LittleEndian.Uint32(img[raw.Superblock().LogStart*512:])
		t.Logf("abandoned image: %d blocks in a committed log transaction, Check: %v", lh, raw.Check())
	}
	s, err := harness.Start(harness.Config{FS: img})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.ExpectWithin("$ ", 20*harness.Second); err != nil {
		t.Fatal(err)
	}
	s.Send("ls\n")
	if err := s.ExpectWithin("stressfs0", 10*harness.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.ExpectWithin("$ ", 10*harness.Second); err != nil {
		t.Fatal(err)
	}
	fs, err := xv6fs.Parse(s.Disk(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Check(); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	keep, err := fs.ReadFile("/keep")
	if err != nil || string(keep) != "committed-data\n" {
		t.Errorf("/keep = %q, %v; want the committed \"committed-data\\n\"", keep, err)
	}
	// Whatever stressfs files survive hold whole blocks of its pattern: block j of file
	// stressfsN is 512 bytes of 'a'+N+j.
	for n := 0; n < 5; n++ {
		name := "/stressfs" + string(rune('0'+n))
		data, err := fs.ReadFile(name)
		if err != nil {
			continue // not created yet, or already unlinked
		}
		if len(data)%512 != 0 {
			t.Errorf("%s: size %d is not a whole number of blocks", name, len(data))
		}
		for i, c := range data {
			if want := byte('a' + n + i/512); c != want {
				t.Errorf("%s: byte %d = %q, want %q", name, i, c, want)
				break
			}
		}
	}
}
