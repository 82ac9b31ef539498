package pc

import (
	"strings"
	"testing"
)

// TestStuckSpinningGuest: a guest that spins without output is reported once, a
// stretch after its last progress, with its CPU running and no process table.
func TestStuckSpinningGuest(t *testing.T) {
	var reports []*StuckReport
	m, _ := bootTestSector(t, "spin", Config{Stuck: &StuckConfig{After: 1e8, Report: func(r *StuckReport) { reports = append(reports, r) }}})
	if _, done, err := m.RunFor(t.Context(), 3e8); done || err != nil {
		t.Fatalf("RunFor: done %v, %v", done, err)
	}
	if len(reports) != 1 {
		t.Fatalf("%d reports, want 1", len(reports))
	}
	r := reports[0]
	if r.VirtualNS < 1e8 || r.VirtualNS > 1e8+1e6 || r.Since != 0 || r.Deadlock {
		t.Errorf("report at %d ns since %d, deadlock %v: want at 0.1 s since 0, no deadlock", r.VirtualNS, r.Since, r.Deadlock)
	}
	for _, want := range []string{"guest stuck: no console output", "cpu0: running, CPL 0", "no process table"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("report lacks %q:\n%s", want, r.Text)
		}
	}
	if !strings.HasPrefix(r.Text, r.Summary+"\n") || strings.Contains(r.Summary, "\n") {
		t.Errorf("summary %q is not the report's one first line", r.Summary)
	}
	if m.Stuck() != r {
		t.Errorf("Stuck() = %v, want the report", m.Stuck())
	}
}

// TestStuckIdleGuest: a guest halted waiting for its timer, and one printing, are not
// stuck.
func TestStuckIdleGuest(t *testing.T) {
	for _, name := range []string{"timer", "echo"} {
		n := 0
		m, _ := bootTestSector(t, name, Config{Stuck: &StuckConfig{After: 1e8, Report: func(*StuckReport) { n++ }}})
		m.SendSerial([]byte("abc."))
		if _, _, err := m.RunFor(t.Context(), 20e9); err != nil {
			t.Fatal(err)
		}
		if n != 0 || m.Stuck() != nil {
			t.Errorf("%s: %d stuck reports: %v", name, n, m.Stuck())
		}
	}
}
