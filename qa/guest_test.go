package qa

import (
	"context"
	"math/rand"
	"strings"
	"testing"

	"gemu/harness"
	"gemu/ide"
	"gemu/images"
	"gemu/pc"
)

// bootSector is a 512-byte disk whose sector 0 holds code and the 0x55AA signature.
func bootSector(code []byte) []byte {
	b := make([]byte, 512)
	copy(b, code)
	b[510], b[511] = 0x55, 0xAA
	return b
}

// runSector boots code from disk 0 and runs it to the end or the instruction limit.
func runSector(t *testing.T, code []byte, limit uint64) pc.Result {
	t.Helper()
	m, err := pc.New(pc.Config{
		Disks: [2]ide.Disk{harness.NewMemDisk(bootSector(code))},
		Limit: limit,
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Run(context.Background())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r
}

// TestBadGuestsEndWithAReport: the guest cannot hang or crash Gemu; each of these ends
// with its own reason and a one-line message that names the CPU state.
func TestBadGuestsEndWithAReport(t *testing.T) {
	cases := []struct {
		name   string
		code   []byte
		reason pc.Reason
		status int
		msg    string
	}{
		// lidt [0x7c10] (a zero IDT: limit 0), int3 -> #GP -> #DF -> shutdown.
		{"triple fault", []byte{0x0f, 0x01, 0x1e, 0x10, 0x7c, 0xcc}, pc.TripleFault, pc.StatusTripleFault, "EIP=00007c05"},
		// cli; hlt: nothing can ever wake the CPU.
		{"cli hlt", []byte{0xfa, 0xf4}, pc.Halted, pc.StatusHalted, "EIP=00007c02"},
		// sti; hlt with no timer or device armed: also nothing to wake it.
		{"sti hlt", []byte{0xfb, 0xf4, 0xeb, 0xfd}, pc.Halted, pc.StatusHalted, "cpu0"},
		// jmp $: only the instruction limit stops it.
		{"spin", []byte{0xeb, 0xfe}, pc.Budget, 4, "EIP=00007c00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runSector(t, c.code, 5_000_000)
			if r.Reason != c.reason || r.Status != c.status || !strings.Contains(r.Message, c.msg) {
				t.Errorf("got reason %v status %d %q; want reason %v status %d and %q in the message",
					r.Reason, r.Status, r.Message, c.reason, c.status, c.msg)
			}
			if strings.Contains(r.Message, "\n") {
				t.Errorf("message is not one line: %q", r.Message)
			}
		})
	}
}

// TestRandomBootSectors runs seeded random boot sectors (random instructions, random
// port and memory accesses in real mode, whatever they lead to) under an instruction
// limit: every one must end with a Result, never a Go panic or an error from Run.
func TestRandomBootSectors(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	reasons := map[pc.Reason]int{}
	for i := 0; i < 60; i++ {
		code := make([]byte, 510)
		rng.Read(code)
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("sector %d (seed 1): Go panic: %v\ncode: % x", i, p, code[:64])
				}
			}()
			reasons[runSector(t, code, 100_000).Reason]++
		}()
	}
	t.Logf("reasons (Reason: count): %v", reasons)
}

// TestBrokenFileSystems boots our xv6 on broken disk-1 images. xv6 may panic or fail
// commands, but the emulator must keep running and keep serving the console.
func TestBrokenFileSystems(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	garbage := make([]byte, len(images.FS))
	rng.Read(garbage)
	cases := []struct {
		name string
		fs   []byte
		want string
	}{
		{"garbage", garbage, "panic"},
		{"zeros", make([]byte, len(images.FS)), "panic"},
		{"truncated", images.FS[:100*512], "$ "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := harness.Start(harness.Config{FS: c.fs})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			s.Send("ls\n")
			if err := s.ExpectWithin(c.want, 20*harness.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
}
