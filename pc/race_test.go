package pc

import (
	"os"
	"strings"
	"testing"

	"gemu/symbols"
)

// raceRun runs baremetal/kern_race.elf with two CPUs in the given mode under the race
// detector and returns the races it reported.
func raceRun(t *testing.T, mode string, seed uint64, syms *symbols.Table) []*Race {
	t.Helper()
	var races []*Race
	cfg := Config{CPUs: 2, MemoryMB: 32, SchedSeed: seed,
		Kernel: &Multiboot{Image: readFile(t, "../baremetal/kern_race.elf"), Cmdline: "kern_race " + mode},
		Race:   &RaceConfig{Seed: seed, Symbols: syms, Report: func(r *Race) { races = append(races, r) }}}
	r, con, _ := runFirmware(t, cfg)
	if r.Reason != DebugExit || r.Status != 0x21 {
		t.Fatalf("mode %s seed %d: stopped with %+v, console:\n%s", mode, seed, r, con)
	}
	if !strings.Contains(con, "race: mode "+mode) {
		t.Fatalf("mode %s: no result line:\n%s", mode, con)
	}
	return races
}

func kernRaceSymbols(t *testing.T) *symbols.Table {
	t.Helper()
	syms, err := symbols.Open("../baremetal/kern_race.elf")
	if err != nil {
		t.Fatal(err)
	}
	return syms
}

// TestRaceDetectorFindsPlainRace: the load/increment/store race on the shared counter is
// reported with both instructions, symbolized, and the unlocked single-instruction incl is
// a race too (it does not lose updates here only because instructions interleave whole).
func TestRaceDetectorFindsPlainRace(t *testing.T) {
	syms := kernRaceSymbols(t)
	addr := func(name string) uint32 {
		a, ok := syms.Addr(name)
		if !ok {
			t.Fatalf("kern_race.elf has no symbol %s", name)
		}
		return a
	}
	counter := addr("counter")
	for _, tc := range []struct {
		mode, insn string
		eips       []uint32 // the racing instructions
	}{
		{"plain", "mov", []uint32{addr("race_load"), addr("race_store")}},
		{"incl", "incl", []uint32{addr("race_incl")}},
	} {
		races := raceRun(t, tc.mode, 1, syms)
		if len(races) == 0 {
			t.Fatalf("mode %s: no race reported", tc.mode)
		}
		for _, r := range races {
			write := false
			for _, a := range []RaceAccess{r.First, r.Second} {
				if !containsAddr(tc.eips, a.EIP) || a.Lin != counter || a.Size != 4 {
					t.Errorf("mode %s: access %+v is not one of the racing instructions %x on counter %#x", tc.mode, a.Access, tc.eips, counter)
				}
				write = write || a.Write
			}
			if !write || r.First.CPU == r.Second.CPU {
				t.Errorf("mode %s: a race needs two CPUs and a write: %+v / %+v", tc.mode, r.First, r.Second)
			}
			for _, want := range []string{"data race", "counter", "cpu0", "cpu1", "kern_race.S:", tc.insn} {
				if !strings.Contains(r.Text, want) {
					t.Errorf("mode %s: report lacks %q:\n%s", tc.mode, want, r.Text)
				}
			}
		}
		// Each pair of instructions once: plain has at most load/store, store/store (and
		// load/load is no race); incl has one.
		if max := map[string]int{"plain": 2, "incl": 1}[tc.mode]; len(races) > max {
			t.Errorf("mode %s: %d reports, want at most %d (one per pair)", tc.mode, len(races), max)
		}
		t.Logf("mode %s:\n%s", tc.mode, races[0].Text)
	}
}

func containsAddr(list []uint32, a uint32) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

// TestRaceDetectorQuietOnAtomics: lock incl and a counter under an xchg spinlock are no
// races, whatever the seed.
func TestRaceDetectorQuietOnAtomics(t *testing.T) {
	seeds := uint64(12)
	if testing.Short() {
		seeds = 3
	}
	for _, mode := range []string{"lock", "spin"} {
		for seed := uint64(1); seed <= seeds; seed++ {
			for _, r := range raceRun(t, mode, seed, nil) {
				t.Errorf("mode %s seed %d: reported a race:\n%s", mode, seed, r.Text)
			}
		}
	}
}

// TestRaceDetectorDeterministic: the same seed gives the same reports; another seed
// samples elsewhere (the reports' virtual times differ).
func TestRaceDetectorDeterministic(t *testing.T) {
	text := func(seed uint64) string {
		var b strings.Builder
		for _, r := range raceRun(t, "plain", seed, nil) {
			b.WriteString(r.Text)
		}
		return b.String()
	}
	a, b, c := text(7), text(7), text(8)
	if a == "" || a != b {
		t.Fatalf("seed 7 twice gave different reports:\n%s\n---\n%s", a, b)
	}
	if a == c {
		t.Errorf("seeds 7 and 8 gave the same reports:\n%s", a)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
