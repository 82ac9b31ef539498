package xv6build

import (
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gemu/xv6fs"
)

func TestPatchPublicMakefile(t *testing.T) {
	mk := "CFLAGS = -O2 -Werror\nCFLAGS += -x\nUPROGS=\\\n\t_cat\\\n\n"
	got, err := patchPublicMakefile(mk, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	want := "CFLAGS = -O2 -Werror" + publicCFLAGS + "\nCFLAGS += -x\nUPROGS=\\\n\t_a\\\n\t_b\\\n\t_cat\\\n\n"
	if got != want {
		t.Errorf("patched Makefile:\n%s\nwant:\n%s", got, want)
	}
	if _, err := patchPublicMakefile("all:\n", nil); err == nil {
		t.Error("a Makefile without CFLAGS was accepted")
	}
}

// fileNames lists the root directory of the file system image at path.
func fileNames(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	im, err := xv6fs.Parse(b)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	ents, err := im.ReadDir("/")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, e := range ents {
		have[e.Name] = true
	}
	return have
}

// hasDWARFLine reports whether the ELF at path has line information for a file whose
// name ends in file.
func hasDWARFLine(t *testing.T, path, file string) bool {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	r := d.Reader()
	for {
		cu, err := r.Next()
		if err != nil || cu == nil {
			return false
		}
		if name, _ := cu.Val(0x03).(string); strings.HasSuffix(name, file) { // DW_AT_name
			return true
		}
		r.SkipChildren()
	}
}

// TestXV6Public builds xv6-public with linkloop (about 15 s) and checks the results and
// the per-process cache.
func TestXV6Public(t *testing.T) {
	if testing.Short() {
		t.Skip("builds xv6-public")
	}
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "qa", "xv6public", "linkloop.c"))
	if err != nil {
		t.Fatal(err)
	}
	progs := map[string][]byte{"linkloop": src}
	dir := XV6Public(t, progs)
	if again := XV6Public(t, map[string][]byte{"linkloop": src}); again != dir {
		t.Errorf("second build with the same programs went to %s, not %s", again, dir)
	}
	for _, f := range []string{"xv6.img", "fs.img"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if !fileNames(t, filepath.Join(dir, "fs.img"))["linkloop"] {
		t.Error("fs.img has no linkloop")
	}
	if !hasDWARFLine(t, KernelELF(dir), "sysfile.c") {
		t.Error("the kernel ELF has no DWARF for sysfile.c")
	}
}

// TestXV6SrcRace builds xv6-src with RACE=pipe (about 10 s).
func TestXV6SrcRace(t *testing.T) {
	if testing.Short() {
		t.Skip("builds xv6-src")
	}
	dir := XV6Src(t, "pipe")
	if !fileNames(t, filepath.Join(dir, "fs.img"))["racepipe"] {
		t.Error("a RACE build's fs.img has no racepipe")
	}
	if !hasDWARFLine(t, KernelELF(dir), "kernel/pipe.c") {
		t.Error("the kernel ELF has no DWARF for kernel/pipe.c")
	}
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "xv6-src", ".racecopy")); err == nil {
		t.Error("the RACE build marked the source tree as a copy")
	}
}

// TestXV6SrcDefault builds the default xv6-src (about 8 s), which must be images/.
func TestXV6SrcDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("builds xv6-src")
	}
	dir := XV6Src(t, "")
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"xv6.img", "fs.img"} {
		got, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(root, "images", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s of the default build differs from images/%s", f, f)
		}
	}
	if _, err := os.Stat(KernelELF(dir)); err != nil {
		t.Error(err)
	}
}

// lineAddrs returns the addresses the ELF's DWARF line table gives each "file:line" whose
// file name ends in one of the sites' files.
func lineAddrs(t *testing.T, path string) map[string][]uint64 {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		t.Fatal(err)
	}
	addrs := map[string][]uint64{}
	r := d.Reader()
	for {
		cu, err := r.Next()
		if err != nil || cu == nil {
			return addrs
		}
		lr, err := d.LineReader(cu)
		if err == nil && lr != nil {
			var e dwarf.LineEntry
			for lr.Next(&e) == nil {
				if e.File != nil && e.IsStmt {
					key := fmt.Sprintf("%s:%d", filepath.Clean(e.File.Name), e.Line)
					addrs[key] = append(addrs[key], e.Address)
				}
			}
		}
		r.SkipChildren()
	}
}

// TestRaceSites checks that every planted race marks at least two lines and that its
// kernel's DWARF has code at each of them (builds all three RACE kernels, about 25 s).
func TestRaceSites(t *testing.T) {
	for _, race := range Races {
		sites, err := RaceSites(race)
		if err != nil {
			t.Fatal(err)
		}
		if len(sites) < 2 {
			t.Errorf("race %s marks only %v", race, sites)
		}
		if testing.Short() {
			continue
		}
		addrs := lineAddrs(t, KernelELF(XV6Src(t, race)))
		for _, s := range sites {
			if len(addrs[s.File+":"+strconv.Itoa(s.Line)]) == 0 {
				t.Errorf("RACE=%s kernel has no code at %s:%d (%s)", race, s.File, s.Line, s.Text)
			}
		}
	}
}
