package qa

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"gemu/harness"
	"gemu/internal/xv6build"
)

// raceGuests gates the tests that build xv6 kernels with planted races or xv6-public
// (about 10-20 s each to build, and a deadlocked guest burns its whole budget): they run
// only with GEMU_RACE_GUESTS=1.
func raceGuests(t *testing.T) {
	t.Helper()
	if os.Getenv("GEMU_RACE_GUESTS") != "1" {
		t.Skip("set GEMU_RACE_GUESTS=1 to build and run the race guests")
	}
}

// bootDir starts a session on the xv6.img and fs.img in dir and waits for the shell.
func bootDir(t *testing.T, dir string, cpus int) *harness.Session {
	t.Helper()
	kernel, err := os.ReadFile(filepath.Join(dir, "xv6.img"))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := os.ReadFile(filepath.Join(dir, "fs.img"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := harness.Start(harness.Config{Kernel: kernel, FS: fs, CPUs: cpus})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Expect("$ "); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRacePipeShowsDamage runs racepipe with two CPUs on the RACE=pipe kernel, where the
// planted mistake must lose or duplicate bytes, and on the RACE=sock kernel, whose pipes
// are sound.
func TestRacePipeShowsDamage(t *testing.T) {
	raceGuests(t)
	re := regexp.MustCompile(`racepipe: (ok|FAIL \d+ of \d+ rounds)`)
	for _, c := range []struct{ race, want string }{{"pipe", "FAIL"}, {"sock", "ok"}} {
		s := bootDir(t, xv6build.XV6Src(t, c.race), 2)
		s.Send("racepipe 20\n")
		m, err := s.ExpectRegexp(re, 60*harness.Second)
		if err != nil {
			t.Fatalf("RACE=%s: %v", c.race, err)
		}
		if ok := m[1] == "ok"; ok != (c.want == "ok") {
			t.Errorf("RACE=%s: racepipe says %q, want %s\n%s", c.race, m[0], c.want, s.Transcript())
		}
		t.Logf("RACE=%s: %s", c.race, m[0])
	}
}

// TestLinkloop measures xv6-public's create/link/unlink deadlock: linkloop with two CPUs
// either finishes its 200 rounds or stops (the deadlock). It reports which; it fails only
// when linkloop does not start.
func TestLinkloop(t *testing.T) {
	raceGuests(t)
	src, err := os.ReadFile(filepath.Join("xv6public", "linkloop.c"))
	if err != nil {
		t.Fatal(err)
	}
	s := bootDir(t, xv6build.XV6Public(t, map[string][]byte{"linkloop": src}), 2)
	s.Send("linkloop 200\n")
	if err := s.Expect("linkloop: round 0"); err != nil {
		t.Fatal(err)
	}
	last := regexp.MustCompile(`linkloop: (round \d+|done)`)
	for {
		m, err := s.ExpectRegexp(last, 20*harness.Second)
		if err != nil {
			t.Logf("linkloop deadlocked (nothing for 20 virtual seconds)")
			return
		}
		if m[1] == "done" {
			t.Logf("linkloop finished 200 rounds")
			return
		}
	}
}
