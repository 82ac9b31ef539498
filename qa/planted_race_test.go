package qa

import (
	"fmt"
	"regexp"
	"testing"

	"gemu/harness"
	"gemu/internal/xv6build"
	"gemu/pc"
	"gemu/symbols"
)

// plantedRaces are the RACE builds of xv6-src, each with the program whose damage shows
// its mistake and a sampling rate at which the detector finds it within a few seeds.
var plantedRaces = []struct {
	race, command, done string
	rate                int
}{
	{"pipe", "racepipe 2", `racepipe: (ok|FAIL \d+ of)`, 50000},
	{"sock", "racesock 50", `racesock: (ok|FAIL \d+ of)`, 2000},
	{"kalloc", "racemem 200", `racemem: (ok|FAIL)`, 2000},
}

// TestPlantedRacesReported runs each planted mistake's program under the race detector
// with two CPUs, seed after seed until a race is reported: both of its instructions
// must be on lines the source marks race(NAME), and so must every other race found.
func TestPlantedRacesReported(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three xv6 kernels; skipped with -short")
	}
	for _, p := range plantedRaces {
		t.Run(p.race, func(t *testing.T) {
			dir := xv6build.XV6Src(t, p.race)
			sites, err := xv6build.RaceSites(p.race)
			if err != nil {
				t.Fatal(err)
			}
			marked := map[string]bool{}
			for _, s := range sites {
				marked[fmt.Sprintf("%s:%d", s.File, s.Line)] = true
			}
			syms, err := symbols.Open(xv6build.KernelELF(dir))
			if err != nil {
				t.Fatal(err)
			}
			kernel, fs := readPair(t, dir)
			found := false
			for seed := uint64(1); seed <= 8 && !found; seed++ {
				s, err := harness.Start(harness.Config{Kernel: kernel, FS: fs, CPUs: 2, SchedSeed: seed,
					Race: &pc.RaceConfig{Seed: seed, Rate: p.rate, Symbols: syms}})
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Expect("$ "); err != nil {
					t.Fatal(err)
				}
				s.Send(p.command + "\n")
				if _, err := s.ExpectRegexp(regexp.MustCompile(p.done), 60*harness.Second); err != nil && len(s.Races()) == 0 {
					t.Fatalf("seed %d: %v", seed, err) // a race ends the wait early; nothing else may
				}
				for _, r := range s.Races() {
					a, b := where(syms, r.First), where(syms, r.Second)
					if !marked[a] || !marked[b] {
						t.Errorf("seed %d: race between %s and %s, not both marked race(%s):\n%s", seed, a, b, p.race, r.Text)
					}
					t.Logf("seed %d: %s against %s", seed, a, b)
					found = true
				}
				s.Close()
			}
			if !found {
				t.Errorf("no race reported over 8 seeds at rate %d", p.rate)
			}
		})
	}
}

// where is the source line of an access's instruction, "kernel/pipe.c:98".
func where(syms *symbols.Table, a pc.RaceAccess) string {
	if len(a.Stack) == 0 {
		return "?"
	}
	f := syms.Frames(a.Stack[0])
	if len(f) == 0 {
		return fmt.Sprintf("0x%08x", a.Stack[0])
	}
	return fmt.Sprintf("%s:%d", f[0].File, f[0].Line)
}

// TestUnmodifiedKernelRaceFree runs sockettests and the usertests that share the most
// kernel state between processes on the bundled kernel under the race detector, with 2
// and 4 CPUs: a report would be a race in our kernel (docs/concurrency.md).
func TestUnmodifiedKernelRaceFree(t *testing.T) {
	if testing.Short() {
		t.Skip("minutes of guest time; skipped with -short")
	}
	for _, cpus := range []int{2, 4} {
		s, err := harness.Start(harness.Config{CPUs: cpus, Race: &pc.RaceConfig{Rate: 5000}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ send, want string }{
			{"", "$ "},
			{"sockettests\n", "sockettests: all"},
			{"usertests pipe linkunlink sharedfd\n", "ALL TESTS PASSED"},
		} {
			s.Send(c.send)
			if err := s.ExpectWithin(c.want, 120*harness.Second); err != nil {
				t.Errorf("%d CPUs: %v", cpus, err)
				break
			}
		}
		s.Close()
	}
}
