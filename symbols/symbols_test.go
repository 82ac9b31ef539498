package symbols

import (
	"bufio"
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// mustAddr returns the address of a symbol or stops the test.
func mustAddr(t *testing.T, tab *Table, name string) uint32 {
	t.Helper()
	a, ok := tab.Addr(name)
	if !ok {
		t.Fatalf("Addr(%q) not found", name)
	}
	return a
}

func TestFunc(t *testing.T) {
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			tab, _ := openKernel(t, k.build)
			cases := []struct {
				sym  string // symbol the address is taken from
				off  uint32
				want string // "" for no function
			}{
				{"sys_link", 0, "sys_link"},
				{"sys_link", 0x10, "sys_link"},
				{"sleep", 3, "sleep"},
				{"alltraps", 2, "alltraps"}, // assembly, size 0
				{"swtch", 5, "swtch"},
				{"trapret", 1, "trapret"}, // a label after alltraps
				{"vector3", 1, "vector3"},
				{"ptable", 0, ""}, // data
				{"icache", 64, ""},
			}
			for _, c := range cases {
				addr := mustAddr(t, tab, c.sym) + c.off
				name, start, ok := tab.Func(addr)
				if c.want == "" {
					if ok {
						t.Errorf("Func(%s+%d) = %s, want none", c.sym, c.off, name)
					}
					continue
				}
				if !ok || name != c.want || start != addr-c.off {
					t.Errorf("Func(%s+%#x) = %q %#x %v, want %q %#x", c.sym, c.off, name, start, ok, c.want, addr-c.off)
				}
			}
			if name, _, ok := tab.Func(0x1000); ok {
				t.Errorf("Func(0x1000) = %q, want none", name)
			}
		})
	}
}

func TestData(t *testing.T) {
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			tab, _ := openKernel(t, k.build)
			cases := []struct {
				sym     string
				off     uint32
				want    string
				wantOff uint32
			}{
				{"icache", 64, "icache", 64},
				{"ptable", 0, "ptable", 0},
				{"input", 128, "input", 128},
				{"cpus", 300, "cpus", 300},
				{"sys_link", 4, "", 0}, // code
			}
			for _, c := range cases {
				name, off, ok := tab.Data(mustAddr(t, tab, c.sym) + c.off)
				if c.want == "" {
					if ok {
						t.Errorf("Data(%s+%d) = %s+%d, want none", c.sym, c.off, name, off)
					}
					continue
				}
				if !ok || name != c.want || off != c.wantOff {
					t.Errorf("Data(%s+%d) = %q+%d %v, want %q+%d", c.sym, c.off, name, off, ok, c.want, c.wantOff)
				}
			}
		})
	}
}

// declLine finds the line of a function definition "name(" at the start of a line.
func declLine(t *testing.T, file, name string) int {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.HasPrefix(sc.Text(), name+"(") {
			return n
		}
	}
	t.Fatalf("%s: no definition of %s", file, name)
	return 0
}

func TestLineAndDescribe(t *testing.T) {
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			tab, path := openKernel(t, k.build)
			root := filepath.Dir(path)
			if k.name == "xv6-src" {
				root = filepath.Dir(root) // the kernel is kernel/kernel
			}
			for _, fn := range []struct{ name, file string }{
				{"sys_link", "sysfile.c"}, {"sleep", "proc.c"}, {"bread", "bio.c"},
			} {
				want := k.file(fn.file)
				decl := declLine(t, filepath.Join(root, want), fn.name)
				addr := mustAddr(t, tab, fn.name)
				file, line, ok := tab.Line(addr)
				if !ok || file != want || line < decl || line > decl+2 {
					t.Errorf("Line(%s) = %s:%d %v, want %s:%d..%d", fn.name, file, line, ok, want, decl, decl+2)
				}
				d := tab.Describe(addr + 0x10)
				re := regexp.MustCompile(`^` + fn.name + `\+0x10 \(` + regexp.QuoteMeta(want) + `:\d+\)$`)
				if !re.MatchString(d) {
					t.Errorf("Describe(%s+0x10) = %q, want %s", fn.name, d, re)
				}
			}
			if file, line, ok := tab.Line(mustAddr(t, tab, "alltraps")); !ok || file != k.file("trapasm.S") {
				t.Errorf("Line(alltraps) = %s:%d %v, want %s", file, line, ok, k.file("trapasm.S"))
			}
			for _, c := range []struct {
				addr uint32
				want string
			}{
				{mustAddr(t, tab, "icache") + 64, "icache+64"},
				{mustAddr(t, tab, "ptable"), "ptable"},
				{0x10, "0x00000010"},
			} {
				if got := tab.Describe(c.addr); got != c.want {
					t.Errorf("Describe(%#x) = %q, want %q", c.addr, got, c.want)
				}
			}
		})
	}
}

// TestFramesMatchAddr2line checks Line and Frames against binutils' addr2line -f -i
// on a sample of the kernel's text: the same functions, inlined ones included, with
// the same file base names and lines.
func TestFramesMatchAddr2line(t *testing.T) {
	if _, err := exec.LookPath("addr2line"); err != nil {
		t.Skip("addr2line is missing")
	}
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			tab, path := openKernel(t, k.build)
			lo := mustAddr(t, tab, "sys_link") &^ 0xfff
			var addrs []string
			for a := lo; a < lo+0x3000; a += 7 {
				if !inText(tab, a) {
					continue // addr2line names data addresses from variables' DWARF
				}
				addrs = append(addrs, "0x"+strconv.FormatUint(uint64(a), 16))
			}
			cmd := exec.Command("addr2line", append([]string{"-a", "-f", "-i", "-e", path}, addrs...)...)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("addr2line: %v", err)
			}
			// addr2line prints each address, then a function line and a file:line line
			// for each frame, innermost first.
			want := make(map[uint32][]string)
			var cur uint32
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			for i := 0; i < len(lines); i++ {
				if a, err := strconv.ParseUint(lines[i], 0, 32); err == nil && strings.HasPrefix(lines[i], "0x") {
					cur = uint32(a)
					continue
				}
				if i+1 >= len(lines) {
					t.Fatalf("addr2line output ends with a function name: %q", lines[i])
				}
				fn := lines[i]
				i++
				fl, _, _ := strings.Cut(lines[i], " (discriminator")
				file, ln, _ := strings.Cut(fl, ":")
				if file == "??" || ln == "?" || ln == "0" {
					fl = "??:0"
				} else {
					fl = filepath.Base(file) + ":" + ln
				}
				want[cur] = append(want[cur], fn+" "+fl)
			}
			if len(want) != len(addrs) {
				t.Fatalf("addr2line described %d addresses of %d", len(want), len(addrs))
			}
			bad, inlined := 0, 0
			for a, w := range want {
				var got []string
				frames := tab.Frames(a)
				for i, f := range frames {
					fl := "??:0"
					if f.File != "" && f.Line > 0 {
						fl = filepath.Base(f.File) + ":" + strconv.Itoa(f.Line)
					}
					if i == 0 {
						// Line is the innermost frame's line.
						file, n, ok := tab.Line(a)
						if ok != (f.Line > 0) || (ok && (file != f.File || n != f.Line)) {
							t.Errorf("%#x: Line = %s:%d %v, Frames[0] = %+v", a, file, n, ok, f)
						}
					}
					name, _, _ := strings.Cut(f.Func, ".") // gcc's clones: foo.part.0 is foo
					got = append(got, name+" "+fl)
				}
				if w[0] == "?? ??:0" || len(frames) == 0 {
					continue // padding, or no function: addr2line and the symbol table may differ
				}
				if len(w) > 1 {
					inlined++
				}
				if strings.Join(got, ", ") != strings.Join(w, ", ") && bad < 10 {
					bad++
					t.Errorf("Frames(%#x) = %s\naddr2line -i says %s", a, strings.Join(got, ", "), strings.Join(w, ", "))
				}
			}
			if inlined < 10 {
				t.Errorf("only %d of %d addresses are in inlined code: the sample tests little", inlined, len(want))
			}
			t.Logf("%d addresses, %d in inlined code", len(want), inlined)
		})
	}
}

// inText reports whether addr is in an executable section.
func inText(tab *Table, addr uint32) bool {
	for _, s := range tab.secs {
		if s.exec && s.contains(addr) {
			return true
		}
	}
	return false
}

func TestTypes(t *testing.T) {
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			tab, _ := openKernel(t, k.build)
			// The layouts gcc itself computes from the kernel's headers.
			fields := []struct{ strct, field string }{
				{"proc", "sz"}, {"proc", "kstack"}, {"struct proc", "state"}, {"proc", "pid"},
				{"proc", "context"}, {"proc", "chan"}, {"proc", "killed"}, {"proc", "name"},
				{"context", "eip"}, {"context", "ebp"}, {"spinlock", "locked"}, {"sleeplock", "lk.locked"},
			}
			types := []string{"proc", "struct context", "spinlock", "sleeplock"}
			gccOff, gccSize := gccLayout(t, k.build(t), k.incs, fields, types)
			for i, c := range fields {
				off, size, ok := tab.Field(c.strct, c.field)
				if !ok || off != gccOff[i] || size != gccSize[i] {
					t.Errorf("Field(%s, %s) = %d, %d, %v, gcc says %d, %d", c.strct, c.field, off, size, ok, gccOff[i], gccSize[i])
				}
			}
			for i, typ := range types {
				if size, ok := tab.Sizeof(typ); !ok || size != gccSize[len(fields)+i] {
					t.Errorf("Sizeof(%s) = %d, %v, gcc says %d", typ, size, ok, gccSize[len(fields)+i])
				}
			}
			for _, c := range [][2]string{{"proc", "nosuch"}, {"nosuch", "x"}, {"proc", ""}, {"proc", "name.x"}} {
				if _, _, ok := tab.Field(c[0], c[1]); ok {
					t.Errorf("Field(%s, %s) found", c[0], c[1])
				}
			}
			if size, ok := tab.Sizeof("uint"); !ok || size != 4 {
				t.Errorf("Sizeof(uint) = %d, %v, want 4", size, ok)
			}
			if _, ok := tab.Sizeof("nosuch"); ok {
				t.Error("Sizeof(nosuch) found")
			}
			for i, name := range []string{"UNUSED", "EMBRYO", "SLEEPING", "RUNNABLE", "RUNNING", "ZOMBIE"} {
				if v, ok := tab.Enum("procstate", name); !ok || v != int64(i) {
					t.Errorf("Enum(procstate, %s) = %d, %v, want %d", name, v, ok, i)
				}
				if n, ok := tab.EnumName("enum procstate", int64(i)); !ok || n != name {
					t.Errorf("EnumName(procstate, %d) = %q, %v, want %s", i, n, ok, name)
				}
			}
			if _, ok := tab.Enum("procstate", "DEAD"); ok {
				t.Error("Enum(procstate, DEAD) found")
			}
			if _, ok := tab.EnumName("procstate", 99); ok {
				t.Error("EnumName(procstate, 99) found")
			}
		})
	}
}

func TestDataPath(t *testing.T) {
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			tab, _ := openKernel(t, k.build)
			spin, _ := tab.Sizeof("spinlock")
			inode, _ := tab.Sizeof("inode")
			lockOff, _, _ := tab.Field("inode", "lock")
			procSize, _ := tab.Sizeof("proc")
			icache := mustAddr(t, tab, "icache")
			ptable := mustAddr(t, tab, "ptable")
			inode1lock := icache + spin + inode + lockOff // icache.inode follows its lock
			pidOff, _, _ := tab.Field("proc", "pid")
			nameOff, _, _ := tab.Field("proc", "name")
			gdt, _, ok := tab.Field("cpu", "gdt")
			if !ok {
				t.Fatal("no struct cpu member gdt")
			}
			for _, c := range []struct {
				addr uint32
				want string // "" for none
			}{
				{inode1lock, "icache.inode[1].lock"},
				{inode1lock + 2, "icache.inode[1].lock.locked+2"},
				{inode1lock + 4, "icache.inode[1].lock.lk"},
				{icache + spin, "icache.inode[0]"},
				{icache, "icache"},
				{mustAddr(t, tab, "input") + 128, "input.r"},
				{ptable + spin + 2*procSize, "ptable.proc[2]"},
				{ptable + spin + 2*procSize + pidOff, "ptable.proc[2].pid"},
				{ptable + spin + 2*procSize + nameOff + 1, "ptable.proc[2].name[1]"},
				// struct segdesc is bit fields: byte 5 holds type, s, dpl and p; the
				// path names the first.
				{mustAddr(t, tab, "cpus") + gdt + 8 + 2, "cpus[0].gdt[1].base_15_0"},
				{mustAddr(t, tab, "cpus") + gdt + 8 + 5, "cpus[0].gdt[1].type"},
				{mustAddr(t, tab, "cpus") + gdt + 8 + 7, "cpus[0].gdt[1].base_31_24"},
				{mustAddr(t, tab, "sys_link"), ""},
				{0x10, ""},
			} {
				got, ok := tab.DataPath(c.addr)
				if got != c.want || ok != (c.want != "") {
					t.Errorf("DataPath(%#x) = %q, %v, want %q", c.addr, got, ok, c.want)
				}
			}
		})
	}
}

func TestFindKernel(t *testing.T) {
	elfBytes := []byte("\x7fELF\x01\x01\x01")
	cases := []struct {
		name  string
		files map[string][]byte
		want  string // relative path, "" for none
	}{
		{"xv6-public", map[string][]byte{"xv6.img": nil, "kernel": elfBytes}, "kernel"},
		{"xv6-src", map[string][]byte{"xv6.img": nil, "kernel/kernel": elfBytes, "kernel/main.c": nil}, "kernel/kernel"},
		{"not an ELF", map[string][]byte{"xv6.img": nil, "kernel": []byte("#!/bin/sh")}, ""},
		{"none", map[string][]byte{"xv6.img": nil}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, b := range c.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, ok := FindKernel(filepath.Join(dir, "xv6.img"))
			want := ""
			if c.want != "" {
				want = filepath.Join(dir, c.want)
			}
			if got != want || ok != (c.want != "") {
				t.Errorf("FindKernel = %q, %v, want %q", got, ok, want)
			}
		})
	}
}

// TestUserProgram reads cat, a user program linked at address 0: xv6-public's keeps
// its DWARF, ours is linked without it.
func TestUserProgram(t *testing.T) {
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			kernel := k.build(t)
			tab, err := Open(filepath.Join(filepath.Dir(kernel), k.cat))
			if err != nil {
				t.Fatal(err)
			}
			_, _, hasLines := tab.Line(mustAddr(t, tab, "main"))
			dwarf := k.name == "xv6-public"
			if hasLines != dwarf {
				t.Errorf("Line(main) ok = %v, want %v", hasLines, dwarf)
			}
			mainAddr := mustAddr(t, tab, "main")
			if name, start, ok := tab.Func(mainAddr + 4); !ok || name != "main" || start != mainAddr {
				t.Errorf("Func(main+4) = %q %#x %v", name, start, ok)
			}
			buf := mustAddr(t, tab, "buf")
			if name, off, ok := tab.Data(buf + 10); !ok || name != "buf" || off != 10 {
				t.Errorf("Data(buf+10) = %q+%d %v", name, off, ok)
			}
			wantPath := ""
			if dwarf {
				wantPath = "buf[10]"
			}
			if p, ok := tab.DataPath(buf + 10); p != wantPath || ok != dwarf {
				t.Errorf("DataPath(buf+10) = %q %v, want %q", p, ok, wantPath)
			}
			wantDesc := regexp.MustCompile(`^main\+0x4$`)
			if dwarf {
				wantDesc = regexp.MustCompile(`^main\+0x4 \(cat\.c:\d+\)$`)
			}
			if d := tab.Describe(mainAddr + 4); !wantDesc.MatchString(d) {
				t.Errorf("Describe(main+4) = %q, want %s", d, wantDesc)
			}
			if _, err := tab.Procs(fakeMem{}.read); err == nil {
				t.Error("Procs on a user program gave no error")
			}
		})
	}
}

func TestBitStart(t *testing.T) {
	uint32Type := &dwarf.UintType{BasicType: dwarf.BasicType{CommonType: dwarf.CommonType{ByteSize: 4, Name: "uint"}}}
	cases := []struct {
		name string
		f    dwarf.StructField
		want int64
	}{
		{"DWARF 4 data_bit_offset", dwarf.StructField{Type: uint32Type, DataBitOffset: 40, BitSize: 4}, 40},
		{"DWARF 4 first bit", dwarf.StructField{Type: uint32Type, DataBitOffset: 0, BitSize: 16}, 0},
		{"DWARF 3 bit_offset from the top", dwarf.StructField{Type: uint32Type, ByteOffset: 4, ByteSize: 4, BitOffset: 20, BitSize: 4}, 40},
		{"DWARF 3 without byte_size", dwarf.StructField{Type: uint32Type, ByteOffset: 4, BitOffset: 20, BitSize: 4}, 40},
	}
	for _, c := range cases {
		if got := bitStart(&c.f); got != c.want {
			t.Errorf("%s: bitStart = %d, want %d", c.name, got, c.want)
		}
	}
}

// gccLayout compiles the kernel's headers with gcc and returns, for each field, its
// offset and size, and then the size of each type: the answers Field and Sizeof must
// give. Each number is the size of a char array in the object file's symbol table.
func gccLayout(t *testing.T, kernel string, incs []string, fields []struct{ strct, field string }, types []string) (off, size []uint32) {
	t.Helper()
	var src strings.Builder
	for _, h := range []string{"types.h", "defs.h", "param.h", "memlayout.h", "mmu.h", "x86.h", "proc.h", "spinlock.h", "sleeplock.h"} {
		fmt.Fprintf(&src, "#include \"%s\"\n", h)
	}
	tag := func(s string) string { return "struct " + strings.TrimPrefix(s, "struct ") }
	for i, f := range fields {
		fmt.Fprintf(&src, "char off%d[__builtin_offsetof(%s, %s) + 1];\n", i, tag(f.strct), f.field)
		fmt.Fprintf(&src, "char size%d[sizeof(((%s *)0)->%s) + 1];\n", i, tag(f.strct), f.field)
	}
	for i, typ := range types {
		fmt.Fprintf(&src, "char size%d[sizeof(%s) + 1];\n", len(fields)+i, tag(typ))
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "layout.c"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-m32", "-nostdinc", "-fno-builtin", "-fno-pic", "-fno-common", "-c", "-o", "layout.o", "layout.c"}
	for _, inc := range incs {
		args = append(args, "-I", filepath.Join(filepath.Dir(kernel), inc))
	}
	if err := run(dir, "gcc", args...); err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(filepath.Join(dir, "layout.o"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	n := len(fields) + len(types)
	off, size = make([]uint32, n), make([]uint32, n)
	for _, s := range syms {
		var i int
		if _, err := fmt.Sscanf(s.Name, "off%d", &i); err == nil && i < n {
			off[i] = uint32(s.Size) - 1
		} else if _, err := fmt.Sscanf(s.Name, "size%d", &i); err == nil && i < n {
			size[i] = uint32(s.Size) - 1
		}
	}
	return off, size
}

// TestConcurrentQueries asks one Table from several goroutines (go test -race checks
// the claim that a Table is safe for concurrent use).
func TestConcurrentQueries(t *testing.T) {
	tab, _ := openKernel(t, xv6SrcKernel)
	icache := mustAddr(t, tab, "icache")
	sleep := mustAddr(t, tab, "sleep")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range uint32(200) {
				tab.Describe(sleep + i)
				tab.Frames(sleep + i)
				tab.DataPath(icache + i*uint32(g+1))
				tab.Field("proc", "state")
				tab.EnumName("procstate", int64(i%6))
			}
		}()
	}
	wg.Wait()
}
