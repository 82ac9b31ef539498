package baremetal

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gemu/x86"
)

// Debug ports (see ports.h).
const (
	portPOST     = 0x190
	portPOST80   = 0x80
	portConsole  = 0xE9
	portExit     = 0xF4
	exitPass     = 0x10
	ramSize      = 32 << 20
	romSize      = 64 << 10
	mbInfo       = 0x9000 // multiboot info block
	mbCmdline    = 0x9100 // and its command line
	maxInsns     = 200_000_000
	runSlice     = 1 << 20
	mbBootMagic  = 0x2BADB002
	kernelMemKB  = ramSize/1024 - 1024
	lowMemKB     = 639
	mbInfoMemory = 1 << 0
	mbInfoCmd    = 1 << 2
)

// testMachine is the smallest PC the programs need: RAM, a ROM at the top of the first
// megabyte and of the address space, and the debug ports.
type testMachine struct {
	ram     []byte
	rom     []byte
	cpu     *x86.CPU
	console bytes.Buffer
	post    []byte
	exited  bool
	exitVal uint32
}

func (m *testMachine) romPage(pa uint32) []byte {
	if m.rom == nil {
		return nil
	}
	switch {
	case pa >= 0xF0000 && pa < 0x100000:
		off := pa - 0xF0000
		return m.rom[off : off+4096 : off+4096]
	case pa >= 0xFFFF0000:
		off := pa - 0xFFFF0000
		return m.rom[off : off+4096 : off+4096]
	}
	return nil
}

func (m *testMachine) Page(pa uint32) ([]byte, bool) {
	if p := m.romPage(pa); p != nil {
		return p, false
	}
	if uint64(pa)+4096 <= uint64(len(m.ram)) {
		return m.ram[pa : pa+4096 : pa+4096], true
	}
	return nil, false
}

func (m *testMachine) Read(pa uint32, size int) uint32 {
	var v uint32
	for i := size - 1; i >= 0; i-- {
		a := pa + uint32(i)
		b := byte(0xFF)
		if p := m.romPage(a &^ 0xFFF); p != nil {
			b = p[a&0xFFF]
		} else if uint64(a) < uint64(len(m.ram)) {
			b = m.ram[a]
		}
		v = v<<8 | uint32(b)
	}
	return v
}

func (m *testMachine) Write(pa uint32, size int, v uint32) {
	for i := 0; i < size; i++ {
		a := pa + uint32(i)
		if m.romPage(a&^0xFFF) == nil && uint64(a) < uint64(len(m.ram)) {
			m.ram[a] = byte(v >> (8 * i))
		}
	}
}

func (m *testMachine) In(port uint16, size int) uint32 {
	if port == portConsole {
		return portConsole // the debug console reads back as 0xE9
	}
	return 0xFFFFFFFF >> (32 - 8*size)
}

func (m *testMachine) Out(port uint16, size int, v uint32) {
	switch port {
	case portConsole:
		m.console.WriteByte(byte(v))
	case portPOST, portPOST80:
		m.post = append(m.post, byte(v))
	case portExit:
		m.exited, m.exitVal = true, v
		m.cpu.RequestStop()
	}
}

type noIntr struct{}

func (noIntr) Pending() bool { return false }
func (noIntr) Ack() uint8    { return 0 }

func newTestMachine() *testMachine {
	m := &testMachine{ram: make([]byte, ramSize)}
	m.cpu = x86.New(m, noIntr{}, nil)
	return m
}

// loadROM maps a 64 KB image; the CPU starts from its reset state.
func (m *testMachine) loadROM(img []byte) error {
	if len(img) != romSize {
		return fmt.Errorf("ROM is %d bytes, want %d", len(img), romSize)
	}
	m.rom = img
	m.cpu.Reset()
	return nil
}

// loadMultiboot loads an ELF kernel as a multiboot (v1) loader does and starts it in flat
// 32-bit protected mode with EAX=0x2BADB002 and EBX at the info block.
func (m *testMachine) loadMultiboot(path string, cmdline string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("open kernel: %w", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		if p.Paddr+p.Memsz > uint64(len(m.ram)) {
			return fmt.Errorf("segment at %#x+%#x is outside RAM", p.Paddr, p.Memsz)
		}
		seg := m.ram[p.Paddr : p.Paddr+p.Memsz]
		clear(seg)
		if _, err := p.ReadAt(seg[:p.Filesz], 0); err != nil {
			return fmt.Errorf("read segment: %w", err)
		}
	}
	le := func(at uint32, v uint32) {
		m.ram[at], m.ram[at+1], m.ram[at+2], m.ram[at+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	le(mbInfo, mbInfoMemory|mbInfoCmd)
	le(mbInfo+4, lowMemKB)
	le(mbInfo+8, kernelMemKB)
	le(mbInfo+16, mbCmdline)
	copy(m.ram[mbCmdline:], cmdline+"\x00")

	c := m.cpu
	c.Reset()
	c.CR0 = 0x11
	code := x86.Segment{Sel: 0x08, Base: 0, Limit: 0xFFFFFFFF, Attr: 0xC09B}
	data := x86.Segment{Sel: 0x10, Base: 0, Limit: 0xFFFFFFFF, Attr: 0xC093}
	for i := range c.Seg {
		c.Seg[i] = data
	}
	c.Seg[x86.CS] = code
	c.Reg = [8]uint32{}
	c.Reg[x86.EAX] = mbBootMagic
	c.Reg[x86.EBX] = mbInfo
	c.EIP = uint32(f.Entry)
	c.SetFlags(2)
	return nil
}

// run runs until the program writes the exit port, and returns an error describing how
// it went wrong otherwise.
func (m *testMachine) run() error {
	for m.cpu.Retired < maxInsns && !m.exited {
		switch r := m.cpu.Run(runSlice); r {
		case x86.StopHalt:
			return fmt.Errorf("halted at %04x:%08x with nothing to wake it", m.cpu.Seg[x86.CS].Sel, m.cpu.EIP)
		case x86.StopTripleFault:
			return fmt.Errorf("triple fault: %s", m.cpu.Fault)
		}
	}
	if !m.exited {
		return fmt.Errorf("no exit after %d instructions (EIP %#x)", m.cpu.Retired, m.cpu.EIP)
	}
	if m.exitVal != exitPass {
		return fmt.Errorf("exit port written with %#x (status %d), want %#x", m.exitVal, m.exitVal<<1|1, exitPass)
	}
	return nil
}

func (m *testMachine) report() string {
	return fmt.Sprintf("POST trail % x\nconsole:\n%s", m.post, m.console.String())
}

// cpuWorks reports whether the x86 package executes instructions (x86-findings #1).
func cpuWorks() bool {
	m := newTestMachine()
	m.ram[0x1000], m.ram[0x1001] = 0x90, 0xF4
	c := m.cpu
	c.CR0 = 0x11
	for i := range c.Seg {
		c.Seg[i] = x86.Segment{Sel: 0x10, Limit: 0xFFFFFFFF, Attr: 0xC093}
	}
	c.Seg[x86.CS] = x86.Segment{Sel: 0x08, Limit: 0xFFFFFFFF, Attr: 0xC09B}
	c.EIP = 0x1000
	c.SetFlags(2)
	c.Run(10)
	return c.EIP == 0x1002
}

// programs lists the committed test programs.
func programs(t *testing.T) []string {
	roms, err := filepath.Glob("rom_*.bin")
	if err != nil {
		t.Fatal(err)
	}
	kernels, err := filepath.Glob("kern_*.elf")
	if err != nil {
		t.Fatal(err)
	}
	all := append(roms, kernels...)
	if len(all) == 0 {
		t.Fatal("no test programs found")
	}
	return all
}

// knownBroken names programs that fail because of an open finding in
// /work/notes/x86-findings.md; they are skipped with its number.
var knownBroken = map[string]string{}

// TestPrograms runs every ROM and multiboot kernel directly on the x86 CPU.
func TestPrograms(t *testing.T) {
	if !cpuWorks() {
		t.Skip("x86-findings #1: CPU does not execute instructions yet")
	}
	for _, p := range programs(t) {
		t.Run(p, func(t *testing.T) {
			if f, ok := knownBroken[p]; ok {
				t.Skip(f)
			}
			m := newTestMachine()
			var err error
			if strings.HasSuffix(p, ".bin") {
				var img []byte
				img, err = os.ReadFile(p)
				if err == nil {
					err = m.loadROM(img)
				}
			} else {
				err = m.loadMultiboot(p, p)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := m.run(); err != nil {
				t.Fatalf("%s: %v\n%s", p, err, m.report())
			}
			t.Logf("%s: passed in %d instructions; POST % x", p, m.cpu.Retired, m.post)
		})
	}
}

// TestBinariesUpToDate rebuilds the programs (when gcc, ld and make are here) and checks
// the committed binaries are what the sources build.
func TestBinariesUpToDate(t *testing.T) {
	for _, tool := range []string{"make", "gcc", "ld", "objcopy"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: cannot rebuild", tool)
		}
	}
	out := t.TempDir()
	cmd := exec.Command("make", "-s", "OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make: %v\n%s", err, b)
	}
	for _, p := range programs(t) {
		committed, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		built, err := os.ReadFile(filepath.Join(out, p))
		if errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is committed but the Makefile does not build it", p)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(committed, built) {
			t.Errorf("%s differs from a rebuild of its source: run make in baremetal/ and commit", p)
		}
	}
	for _, pat := range []string{"rom_*.bin", "kern_*.elf"} {
		built, err := filepath.Glob(filepath.Join(out, pat))
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range built {
			if _, err := os.Stat(filepath.Base(b)); err != nil {
				t.Errorf("the Makefile builds %s but it is not committed", filepath.Base(b))
			}
		}
	}
}

// TestGemuCommand runs every program through the real command line (gemu -bios / -kernel
// with the debug console, a POST port file and isa-debug-exit) and expects exit status 33.
func TestGemuCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/gemu")
	}
	if !cpuWorks() {
		t.Skip("x86-findings #1: CPU does not execute instructions yet")
	}
	dir := t.TempDir()
	gemu := filepath.Join(dir, "gemu")
	if b, err := exec.Command("go", "build", "-o", gemu, "gemu/cmd/gemu").CombinedOutput(); err != nil {
		t.Fatalf("go build gemu/cmd/gemu: %v\n%s", err, b)
	}
	for _, p := range programs(t) {
		t.Run(p, func(t *testing.T) {
			if f, ok := knownBroken[p]; ok {
				t.Skip(f)
			}
			con := filepath.Join(dir, p+".con")
			post := filepath.Join(dir, p+".post")
			how := "-kernel"
			if strings.HasSuffix(p, ".bin") {
				how = "-bios"
			}
			cmd := exec.Command(gemu, how, p, "-display", "none",
				"-debugcon", "file:"+con,
				"-chardev", "file,id=post,path="+post,
				"-device", "isa-debugcon,iobase=0x190,chardev=post",
				"-device", "isa-debug-exit,iobase=0xf4,iosize=0x4")
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			status := 0
			if errors.As(err, &ee) {
				status = ee.ExitCode()
			} else if err != nil {
				t.Fatalf("run gemu: %v", err)
			}
			text, _ := os.ReadFile(con)
			trail, _ := os.ReadFile(post)
			if status != exitPass<<1|1 {
				t.Fatalf("gemu %s %s: exit status %d, want %d\noutput: %s\nPOST trail % x\nconsole:\n%s",
					how, p, status, exitPass<<1|1, out, trail, text)
			}
			if !strings.Contains(string(text), "PASS") {
				t.Errorf("console has no PASS line:\n%s", text)
			}
			if len(trail) == 0 || (trail[len(trail)-1] != 0x7f && trail[len(trail)-1] != 0xff) {
				t.Errorf("POST trail % x does not end with the final code", trail)
			}
		})
	}
}

// TestRaceKernel runs kern_race.elf with two CPUs in each of its modes through the gemu
// command: the atomic modes and the single-instruction `incl` (instructions interleave
// whole) must count every addition, the three-instruction plain mode must lose some under
// the default round-robin schedule.
func TestRaceKernel(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/gemu")
	}
	dir := t.TempDir()
	gemu := filepath.Join(dir, "gemu")
	if b, err := exec.Command("go", "build", "-o", gemu, "gemu/cmd/gemu").CombinedOutput(); err != nil {
		t.Fatalf("go build gemu/cmd/gemu: %v\n%s", err, b)
	}
	for _, mode := range []string{"plain", "incl", "lock", "spin"} {
		t.Run(mode, func(t *testing.T) {
			cmd := exec.Command(gemu, "-kernel", "kern_race.elf", "-append", mode, "-smp", "2",
				"-display", "none", "-debugcon", "stdio",
				"-device", "isa-debug-exit,iobase=0xf4,iosize=0x4")
			out, err := cmd.Output()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitPass<<1|1 {
				t.Fatalf("gemu -append %s: %v, want exit status %d\n%s", mode, err, exitPass<<1|1, out)
			}
			var n, counter, total, lost int
			var cpus int
			var got string
			for _, line := range strings.Split(string(out), "\n") {
				if _, err := fmt.Sscanf(line, "race: mode %s %d CPUs, %d each: counter %d of %d, lost %d",
					&got, &cpus, &n, &counter, &total, &lost); err == nil {
					break
				}
			}
			if got != mode+"," || cpus != 2 || total != 2*n || counter+lost != total {
				t.Fatalf("no sensible result line for mode %s (got mode %q, %d CPUs):\n%s", mode, got, cpus, out)
			}
			if mode == "plain" && lost == 0 {
				t.Errorf("plain mode lost no additions: the CPUs did not interleave\n%s", out)
			}
			if mode != "plain" && lost != 0 {
				t.Errorf("mode %s lost %d additions\n%s", mode, lost, out)
			}
			t.Logf("%s: counter %d of %d", mode, counter, total)
		})
	}
}
