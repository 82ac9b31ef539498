package pc

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// runFirmware runs a machine with no disk until it exits through isa-debug-exit; it
// returns the result and what the guest wrote to ports 0xE9 and 0x190.
func runFirmware(t *testing.T, cfg Config) (Result, string, string) {
	t.Helper()
	var con, post bytes.Buffer
	cfg.Debug = []DebugCon{{Port: 0xE9, Name: "0xe9", Out: &con}, {Port: 0x190, Name: "post", Out: &post}}
	cfg.ExitPort, cfg.ExitSize = 0xF4, 4
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := runToEnd(t, m, 1e9)
	return r, con.String(), post.String()
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMultibootELF(t *testing.T) {
	k := &Multiboot{
		Image:   readTestdata(t, "mb.elf"),
		Cmdline: "mb.elf root=1 quiet",
		Modules: []Module{{Data: []byte("hello"), Cmdline: "m1 arg"}, {Data: []byte("world!"), Cmdline: "m2"}},
	}
	r, con, _ := runFirmware(t, Config{MemoryMB: 128, Kernel: k})
	if r.Reason != DebugExit || r.Status != 0x21 {
		t.Fatalf("stopped with %+v (output %q), want isa-debug-exit status 0x21", r, con)
	}
	// mem_upper = 127 MB in KB = 0x1fc00.
	if want := "mb.elf root=1 quiet[m1 arg:hello][m2:world!]mem=0001fc00"; con != want {
		t.Errorf("kernel printed %q, want %q", con, want)
	}
}

func TestMultibootAoutKludge(t *testing.T) {
	r, con, _ := runFirmware(t, Config{MemoryMB: 32, Kernel: &Multiboot{Image: readTestdata(t, "aout.bin")}})
	if r.Reason != DebugExit || r.Status != 11 || con != "aout" {
		t.Errorf("stopped with %+v, output %q; want status 11 and \"aout\"", r, con)
	}
}

func TestMultibootBadKernels(t *testing.T) {
	elf := readTestdata(t, "mb.elf")
	badSum := bytes.Clone(elf)
	i := bytes.Index(badSum, []byte{0x02, 0xB0, 0xAD, 0x1B})
	if i < 0 {
		t.Fatal("no multiboot magic in mb.elf")
	}
	badSum[i+8]++
	tooHigh := bytes.Clone(readTestdata(t, "aout.bin"))
	for _, off := range []int{12, 16, 20, 24, 28} { // every address field moved to 0xF01xxxxx
		tooHigh[off+3] = 0xF0
	}
	for _, tc := range []struct {
		name string
		img  []byte
		want string
	}{
		{"no header", make([]byte, 9000), "no multiboot header"},
		{"bad checksum", badSum, "checksum"},
		{"outside RAM", tooHigh, "outside RAM"},
	} {
		_, err := New(Config{MemoryMB: 32, Kernel: &Multiboot{Image: tc.img}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestBIOSROM(t *testing.T) {
	rom := readTestdata(t, "rom.bin")
	for _, size := range []int{64 << 10, 128 << 10, 256 << 10} {
		img := make([]byte, size)
		copy(img[size-len(rom):], rom)
		r, con, post := runFirmware(t, Config{MemoryMB: 32, BIOS: img})
		if r.Reason != DebugExit || r.Status != 7 || con != "rom" || post != "\x01\x02\x03" {
			t.Errorf("%d KB ROM: stopped with %+v, port 0xe9 %q, port 0x190 %q", size>>10, r, con, post)
		}
	}
}
