package symbols

import (
	"bytes"
	"debug/elf"
	"strings"
	"testing"

	"gemu/harness"
	"gemu/images"
)

// sameKernel reports why the ELF at path is not the kernel inside images/xv6.img ("" if
// it is): the image carries it, stripped of DWARF, after the boot sector.
func sameKernel(path string) string {
	built, err := elf.Open(path)
	if err != nil {
		return err.Error()
	}
	defer built.Close()
	if len(images.Kernel) < 512 {
		return "images/xv6.img is too short"
	}
	img, err := elf.NewFile(bytes.NewReader(images.Kernel[512:]))
	if err != nil {
		return "images/xv6.img: " + err.Error()
	}
	for _, name := range []string{".text", ".rodata", ".data"} {
		a, b := built.Section(name), img.Section(name)
		if a == nil || b == nil {
			return name + " missing"
		}
		da, err1 := a.Data()
		db, err2 := b.Data()
		if err1 != nil || err2 != nil || a.Addr != b.Addr || !bytes.Equal(da, db) {
			return name + " differs"
		}
	}
	return ""
}

// TestProcsBooted boots the bundled xv6 to its shell prompt and reads the process
// table from its RAM with the DWARF of the same kernel built from xv6-src.
func TestProcsBooted(t *testing.T) {
	tab, path := openKernel(t, xv6SrcKernel)
	if why := sameKernel(path); why != "" {
		t.Skipf("images/xv6.img is not a build of this xv6-src (%s); images' own test reports that", why)
	}
	s, err := harness.Start(harness.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Expect("$ "); err != nil {
		t.Fatal(err)
	}
	ram := s.Machine().RAM()
	read := func(va uint32, b []byte) bool {
		if va < 0x80000000 {
			return false
		}
		pa := uint64(va - 0x80000000)
		if pa+uint64(len(b)) > uint64(len(ram)) {
			return false
		}
		copy(b, ram[pa:])
		return true
	}
	procs, err := tab.Procs(read)
	if err != nil {
		t.Fatal(err)
	}
	out := tab.FormatProcs(procs)
	t.Logf("\n%s", out)
	want := []struct {
		pid           int
		name, state   string
		chanDesc, via string // via: a function the stack must pass through
	}{
		{1, "init", "SLEEPING", "ptable.proc[0]", "wait"}, // init waits for its children
		{2, "sh", "SLEEPING", "input.r", "consoleread"},   // sh reads the console
	}
	if len(procs) != len(want) {
		t.Fatalf("%d processes, want %d", len(procs), len(want))
	}
	for i, w := range want {
		p := procs[i]
		short := tab.shortStack(p.Stack, true)
		if p.PID != w.pid || p.Name != w.name || p.State != w.state || p.ChanDesc != w.chanDesc ||
			p.Killed || !strings.Contains(short, " <- "+w.via+" <- ") || !strings.HasSuffix(short, " <- trap <- alltraps") {
			t.Errorf("process %d = %+v (stack %s), want pid %d %s %s on %s through %s",
				i, p, short, w.pid, w.name, w.state, w.chanDesc, w.via)
		}
	}
}
