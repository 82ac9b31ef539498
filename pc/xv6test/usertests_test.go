package xv6test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"gemu/ide"
	"gemu/images"
	"gemu/pc"
)

// memDisk is an in-memory disk image.
type memDisk []byte

func (d memDisk) ReadAt(p []byte, off int64) (int, error)  { return copy(p, d[off:]), nil }
func (d memDisk) WriteAt(p []byte, off int64) (int, error) { return copy(d[off:], p), nil }
func (d memDisk) Size() int64                              { return int64(len(d)) }

// session is xv6 on fresh copies of the bundled images, driven in virtual time.
type session struct {
	t   *testing.T
	m   *pc.Machine
	out bytes.Buffer
}

func boot(t *testing.T, ncpu int) *session {
	t.Helper()
	s := &session{t: t}
	m, err := pc.New(pc.Config{CPUs: ncpu, Serial: &s.out,
		Disks: [2]ide.Disk{append(memDisk(nil), images.Kernel...), append(memDisk(nil), images.FS...)}})
	if err != nil {
		t.Fatal(err)
	}
	s.m = m
	return s
}

// expect runs until the output after from contains want, within budget ns of virtual
// time; it returns the position after it.
func (s *session) expect(from int, want string, budget int64) int {
	s.t.Helper()
	const step = 50_000_000
	for spent := int64(0); ; spent += step {
		if i := strings.Index(s.out.String()[from:], want); i >= 0 {
			return from + i + len(want)
		}
		if spent >= budget {
			s.t.Fatalf("no %q within %d s of virtual time; output:\n%s", want, budget/1e9, s.out.String())
		}
		r, done, err := s.m.RunFor(context.Background(), step)
		if err != nil {
			s.t.Fatal(err)
		}
		if done {
			s.t.Fatalf("machine stopped (%s) waiting for %q; output:\n%s", r.Message, want, s.out.String())
		}
	}
}

// command types line at the prompt and waits for want and the next prompt.
func (s *session) command(line, want string, budget int64) string {
	s.t.Helper()
	start := s.out.Len()
	s.m.SendSerial([]byte(line + "\n"))
	end := s.expect(start, want, budget)
	s.expect(end, "$ ", budget)
	return s.out.String()[start:]
}

// TestUsertests runs usertests on 1 and 2 CPUs in process. CI already runs them through
// golden/testdata/usertests*.script, so this copy is opt-in: GEMU_LONG=1.
func TestUsertests(t *testing.T) {
	if os.Getenv("GEMU_LONG") == "" {
		t.Skip("usertests takes minutes; the golden scripts run it in CI; set GEMU_LONG=1 to run it here")
	}
	for _, n := range []int{1, 2} {
		t.Run(fmt.Sprintf("smp%d", n), func(t *testing.T) {
			s := boot(t, n)
			s.expect(0, "$ ", 20e9)
			out := s.command("usertests", "ALL TESTS PASSED", 3000e9)
			if strings.Contains(out, "FAILED") {
				t.Errorf("a test failed:\n%s", out)
			}
			st := s.m.Stats()
			t.Logf("-smp %d: passed at %.1f s of virtual time, %d instructions", n, float64(st.VirtualNS)/1e9, st.Retired)
		})
	}
}

func TestForktestStressfs(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	s := boot(t, 2)
	s.expect(0, "$ ", 20e9)
	s.command("forktest", "fork test OK", 100e9)
	s.command("stressfs", "stressfs ok", 200e9)
}
