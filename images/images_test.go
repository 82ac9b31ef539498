package images

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gemu/xv6fs"
)

// TestImagesMatchSources rebuilds xv6-src in a temporary copy and checks
// that the result is byte-for-byte the committed xv6.img and fs.img.
func TestImagesMatchSources(t *testing.T) {
	for _, tool := range []string{"gcc", "ld", "objcopy", "make"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: cannot rebuild xv6-src to compare with images/", tool)
		}
	}
	if testing.Short() {
		t.Skip("rebuilding xv6 takes a while; skipped with -short")
	}

	tmp := t.TempDir()
	src := filepath.Join(tmp, "xv6-src")
	if err := copyTree(filepath.Join("..", "xv6-src"), src); err != nil {
		t.Fatalf("copy xv6-src: %v", err)
	}
	mkfs := filepath.Join(tmp, "mkfs")
	run(t, "..", "go", "build", "-o", mkfs, "./cmd/mkfs")
	run(t, src, "make", "clean")
	run(t, src, "make", "-j2", "MKFS="+mkfs, "xv6.img", "fs.img")

	for _, name := range []string{"xv6.img", "fs.img"} {
		got, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("images/%s differs from a fresh build of xv6-src (%d vs %d bytes): run `make -C xv6-src images` and commit",
				name, len(want), len(got))
		}
	}
	if !bytes.Equal(Kernel[:512], mustRead(t, "xv6.img")[:512]) || len(FS) != len(mustRead(t, "fs.img")) {
		t.Errorf("embedded images do not match the files")
	}
}

// TestBootSector checks the shape the BIOS needs: 512 bytes ending 55 AA,
// followed by the kernel's ELF header.
func TestBootSector(t *testing.T) {
	if len(Kernel) < 1024 || len(Kernel)%512 != 0 {
		t.Fatalf("xv6.img is %d bytes, want a whole number of sectors past the boot sector", len(Kernel))
	}
	if Kernel[510] != 0x55 || Kernel[511] != 0xAA {
		t.Errorf("boot signature %#x %#x, want 0x55 0xaa", Kernel[510], Kernel[511])
	}
	if !bytes.Equal(Kernel[512:516], []byte("\x7fELF")) {
		t.Errorf("sector 1 does not start with an ELF header: % x", Kernel[512:516])
	}
	if len(FS) != 1000*512 {
		t.Errorf("fs.img is %d bytes, want 1000 blocks of 512", len(FS))
	}
}

// TestFSContents checks fs.img with the Go fsck and that it holds every
// program the user half lists in user/user.mk, plus README.
func TestFSContents(t *testing.T) {
	im, err := xv6fs.Parse(append([]byte(nil), FS...))
	if err != nil {
		t.Fatalf("parse fs.img: %v", err)
	}
	if err := im.Check(); err != nil {
		t.Fatalf("fs.img fails the consistency check: %v", err)
	}
	sb := im.Superblock()
	if sb.Size != 1000 || sb.NBlocks != 941 || sb.NInodes != 200 || sb.NLog != 30 ||
		sb.LogStart != 2 || sb.InodeStart != 32 || sb.BmapStart != 58 {
		t.Errorf("superblock %+v, want xv6's size 1000 nblocks 941 ninodes 200 nlog 30 logstart 2 inodestart 32 bmapstart 58", sb)
	}
	ents, err := im.ReadDir("/")
	if err != nil {
		t.Fatalf("read /: %v", err)
	}
	have := map[string]bool{}
	for _, e := range ents {
		have[e.Name] = true
	}
	mk, err := os.ReadFile(filepath.Join("..", "xv6-src", "user", "user.mk"))
	if err != nil {
		t.Fatal(err)
	}
	progs := uprogs(string(mk))
	if len(progs) < 10 {
		t.Fatalf("found only %v in UPROGS of user/user.mk", progs)
	}
	var missing []string
	for _, name := range progs {
		if !have[name] {
			missing = append(missing, name)
		}
	}
	if !have["README"] {
		missing = append(missing, "README")
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("fs.img lacks %v: run scripts/xv6-images and commit images/", missing)
	}
}

// uprogs returns the program names listed in the UPROGS variable of
// user.mk: the "user/_NAME" words of the assignment and its continuation lines.
func uprogs(mk string) []string {
	var names []string
	in := false
	for _, line := range strings.Split(mk, "\n") {
		if strings.HasPrefix(line, "UPROGS") && strings.Contains(line, "=") {
			in = true
			line = line[strings.Index(line, "=")+1:]
		} else if !in {
			continue
		}
		for _, f := range strings.Fields(strings.ReplaceAll(line, "\\", " ")) {
			if name, ok := strings.CutPrefix(f, "user/_"); ok {
				names = append(names, name)
			}
		}
		if !strings.HasSuffix(strings.TrimSpace(line), "\\") {
			in = false
		}
	}
	return names
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v in %s: %v\n%s", name, args, dir, err, tail(out, 40))
	}
}

// tail returns the last n lines of out.
func tail(out []byte, n int) []byte {
	lines := bytes.Split(out, []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return bytes.Join(lines, []byte("\n"))
}

// copyTree copies regular files and directories from src to dst.
func copyTree(src, dst string) error {
	return filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		return copyFile(path, target, info.Mode().Perm())
	})
}

func copyFile(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
