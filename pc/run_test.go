package pc

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"gemu/ide"
)

// bootTestSector builds a machine booting testdata/name.bin.
func bootTestSector(t *testing.T, name string, cfg Config) (*Machine, *bytes.Buffer) {
	t.Helper()
	sector, err := os.ReadFile("testdata/" + name + ".bin")
	if err != nil {
		t.Fatal(err)
	}
	d := make(memDisk, 64*512)
	copy(d, sector)
	var out bytes.Buffer
	cfg.Disks = [2]ide.Disk{d}
	cfg.Serial = &out
	if cfg.MemoryMB == 0 {
		cfg.MemoryMB = 32
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, &out
}

// runToEnd runs m until it stops, failing after limit ns of virtual time.
func runToEnd(t *testing.T, m *Machine, limit int64) Result {
	t.Helper()
	r, done, err := m.RunFor(context.Background(), limit)
	if err != nil {
		t.Fatal(err)
	}
	if !done {
		t.Fatalf("still running after %d ns of virtual time: %s", limit, m.report())
	}
	return r
}

func TestSerialOutputAndPowerOff(t *testing.T) {
	m, out := bootTestSector(t, "echo", Config{})
	m.SendSerial([]byte("abc XYZ."))
	r := runToEnd(t, m, 1e9)
	if r.Reason != PowerOff {
		t.Errorf("stopped with %+v, want power-off", r)
	}
	if got := out.String(); got != "hi\nABC XYZ" {
		t.Errorf("serial output %q", got)
	}
}

func TestInputArrivesBetweenRuns(t *testing.T) {
	m, out := bootTestSector(t, "echo", Config{})
	if _, done, err := m.RunFor(context.Background(), 1e6); done || err != nil {
		t.Fatalf("stopped early: %v %v", done, err)
	}
	m.SendSerial([]byte("q"))
	if _, done, _ := m.RunFor(context.Background(), 1e6); done {
		t.Fatal("stopped early")
	}
	if got := out.String(); got != "hi\nQ" {
		t.Errorf("serial output %q", got)
	}
	m.SendSerial([]byte("."))
	if r := runToEnd(t, m, 1e9); r.Reason != PowerOff {
		t.Errorf("stopped with %+v", r)
	}
}

func TestSMPStartup(t *testing.T) {
	for _, n := range []int{1, 2, 4, 8} {
		m, out := bootTestSector(t, "smp", Config{CPUs: n})
		r := runToEnd(t, m, 1e9)
		if r.Reason != PowerOff {
			t.Errorf("-smp %d: stopped with %+v", n, r)
		}
		if want := string(rune('0'+n-1)) + "\n"; out.String() != want {
			t.Errorf("-smp %d: %q CPUs counted in, want %q", n, out.String(), want)
		}
		st := m.Stats()
		for i, c := range st.PerCPU {
			if c == 0 {
				t.Errorf("-smp %d: CPU %d retired nothing", n, i)
			}
		}
	}
}

// TestIdleSkipsToTimer checks that a halted CPU waiting 12.8 s of virtual time for its
// LAPIC timer costs next to no instructions: the clock jumps to the timer.
func TestIdleSkipsToTimer(t *testing.T) {
	m, out := bootTestSector(t, "timer", Config{})
	r := runToEnd(t, m, 60e9)
	if r.Reason != PowerOff || out.String() != "TW" {
		t.Fatalf("stopped with %+v, output %q", r, out.String())
	}
	st := m.Stats()
	if st.VirtualNS < 12_800_000_000 {
		t.Errorf("woke at %d ns of virtual time, before the 12.8 s timer", st.VirtualNS)
	}
	if st.VirtualNS > 12_800_000_000+1_000_000 {
		t.Errorf("woke at %d ns of virtual time, long after the 12.8 s timer", st.VirtualNS)
	}
	if st.Retired > 10000 {
		t.Errorf("%d instructions retired: the idle CPU was spinning", st.Retired)
	}
}

func TestHaltForever(t *testing.T) {
	var dbg bytes.Buffer
	m, _ := bootTestSector(t, "halt", Config{CPUs: 2, Debug: []DebugCon{{Port: 0xE9, Name: "0xe9", Out: &dbg}}})
	r := runToEnd(t, m, 1e9)
	if r.Reason != Halted || r.Status != StatusHalted {
		t.Fatalf("stopped with %+v", r)
	}
	for _, want := range []string{"cpu0 EIP=", "IF=0", "cpu1", "SIPI", "0xe9: last 0x42"} {
		if !strings.Contains(r.Message, want) {
			t.Errorf("report %q lacks %q", r.Message, want)
		}
	}
	if strings.Contains(r.Message, "\n") {
		t.Errorf("report is not one line: %q", r.Message)
	}
	if dbg.String() != "B" {
		t.Errorf("debug port got %q", dbg.String())
	}
}

func TestInstructionLimit(t *testing.T) {
	m, _ := bootTestSector(t, "spin", Config{Limit: 123457})
	r := runToEnd(t, m, 1e9)
	if r.Reason != Budget || r.Status != StatusBudget {
		t.Fatalf("stopped with %+v", r)
	}
	if st := m.Stats(); st.Retired != 123457 {
		t.Errorf("retired %d instructions, limit 123457", st.Retired)
	}
}

func TestTripleFault(t *testing.T) {
	m, _ := bootTestSector(t, "triple", Config{})
	r := runToEnd(t, m, 1e9)
	if r.Reason != TripleFault || r.Status == 0 {
		t.Fatalf("stopped with %+v", r)
	}
	if !strings.Contains(r.Message, "cpu0") || !strings.Contains(r.Message, "triple fault") {
		t.Errorf("message %q", r.Message)
	}
}

func TestDebugPortsAndExit(t *testing.T) {
	var post, con bytes.Buffer
	m, _ := bootTestSector(t, "exit", Config{
		Debug:    []DebugCon{{Port: 0x190, Name: "post", Out: &post}, {Port: 0xE9, Name: "0xe9", Out: &con}},
		ExitPort: 0xF4, ExitSize: 4,
	})
	r := runToEnd(t, m, 1e9)
	if r.Reason != DebugExit || r.Status != 0x43 {
		t.Fatalf("stopped with %+v, want isa-debug-exit status 0x43", r)
	}
	if post.String() != "post" || con.String() != "*" {
		t.Errorf("debug ports got %q and %q", post.String(), con.String())
	}
}

// TestDeterministic runs the same SMP boot twice and compares everything observable.
func TestDeterministic(t *testing.T) {
	var stats [2]Stats
	for i := range stats {
		m, out := bootTestSector(t, "smp", Config{CPUs: 4})
		runToEnd(t, m, 1e9)
		stats[i] = m.Stats()
		if out.String() != "3\n" {
			t.Fatalf("output %q", out.String())
		}
	}
	a, b := stats[0], stats[1]
	if a.VirtualNS != b.VirtualNS || a.Retired != b.Retired {
		t.Errorf("runs differ: %+v vs %+v", a, b)
	}
}
