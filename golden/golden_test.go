// Package golden holds the golden-output regression tests: each testdata/NAME.script is
// played against the bundled xv6 images, and the console transcript must equal
// testdata/NAME.golden byte for byte. Rewrite the goldens with `go test ./golden -update`
// and review the diff like code.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gemu/harness"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from this run")

// long names the scripts that take many virtual seconds; -short skips them.
var long = map[string]bool{"usertests": true, "usertests-smp2": true, "sockettests": true}

func TestGolden(t *testing.T) {
	scripts, err := filepath.Glob("testdata/*.script")
	if err != nil {
		t.Fatal(err)
	}
	if len(scripts) == 0 {
		t.Fatal("no scripts in testdata")
	}
	for _, path := range scripts {
		name := strings.TrimSuffix(filepath.Base(path), ".script")
		t.Run(name, func(t *testing.T) {
			if long[name] && testing.Short() {
				t.Skip("long; run without -short")
			}
			t.Parallel()
			got := play(t, path)
			goldenPath := strings.TrimSuffix(path, ".script") + ".golden"
			if *update {
				if err := os.WriteFile(goldenPath, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (create it with go test ./golden -update)", err)
			}
			if got != string(want) {
				t.Errorf("transcript differs from %s (- golden, + this run):\n%s", goldenPath, lineDiff(string(want), got))
			}
		})
	}
}

// play runs one script on a fresh machine and returns its transcript.
func play(t *testing.T, path string) string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc, err := harness.ParseScript(path, f)
	if err != nil {
		t.Fatal(err)
	}
	// The scripts' virtual-time budgets are the real limits; the host-time net only stops a
	// run that a badly loaded machine would otherwise drag past the go test timeout.
	s, err := harness.Start(harness.Config{CPUs: sc.CPUs, MemoryMB: sc.MemoryMB, HostLimit: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := sc.Run(s); err != nil {
		t.Fatal(err)
	}
	return s.Transcript()
}

// lineDiff shows the lines of want and got that differ, as a minimal longest-common-
// subsequence diff with a little context, readable in a test log.
func lineDiff(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out.WriteString("  " + a[i] + "\n")
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			out.WriteString("+ " + b[j] + "\n")
			j++
		default:
			out.WriteString("- " + a[i] + "\n")
			i++
		}
	}
	return out.String()
}

func TestLineDiffShowsDeletedLine(t *testing.T) {
	d := lineDiff("a\nb\nc", "a\nc")
	if !strings.Contains(d, "- b") || strings.Contains(d, "+ ") {
		t.Errorf("diff of a deleted line:\n%s", d)
	}
}
