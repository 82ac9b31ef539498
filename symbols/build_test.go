package symbols

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The kernels the tests read are built once per test binary into buildDir.
var (
	buildDir string

	srcOnce, pubOnce     sync.Once
	srcKernel, pubKernel string // paths, "" when the build failed
	srcErr, pubErr       error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "symbols-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// needGCC32 skips the test when gcc cannot compile 32-bit x86 code.
func needGCC32(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"gcc", "ld", "make", "objcopy"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is missing: cannot build an xv6 kernel to read", tool)
		}
	}
	cmd := exec.Command("gcc", "-m32", "-nostdinc", "-fsyntax-only", "-x", "c", "-")
	cmd.Stdin = strings.NewReader("int x;\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("gcc -m32 does not work here (%v: %s): cannot build an xv6 kernel", err, out)
	}
}

// run runs a command in dir and returns its error with its output.
func run(dir string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s in %s: %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return nil
}

// xv6SrcKernel builds our xv6-src kernel (kernel/kernel) and returns its path; its
// object files stay beside it, and xv6.img (boot sector and kernel) and user/_cat (a
// user program, without DWARF) two levels up.
func xv6SrcKernel(t *testing.T) string {
	t.Helper()
	needGCC32(t)
	srcOnce.Do(func() {
		dst := filepath.Join(buildDir, "xv6-src")
		if srcErr = os.CopyFS(dst, os.DirFS(filepath.Join("..", "xv6-src"))); srcErr != nil {
			return
		}
		if srcErr = run(dst, "make", "-s", "clean"); srcErr != nil {
			return
		}
		// OBJDUMP=true skips the kernel.asm listing, which only slows the build.
		if srcErr = run(dst, "make", "-s", "-j2", "OBJDUMP=true", "kernel/kernel", "xv6.img", "user/_cat"); srcErr != nil {
			return
		}
		srcKernel = filepath.Join(dst, "kernel", "kernel")
	})
	if srcErr != nil {
		t.Fatalf("building xv6-src: %v", srcErr)
	}
	return srcKernel
}

// xv6PublicKernel builds the original xv6-public kernel from the reference tarball;
// xv6.img and the user program _cat (with DWARF) are left beside it.
func xv6PublicKernel(t *testing.T) string {
	t.Helper()
	const tarball = "/work/shared/reference/xv6-public.tar.gz"
	if _, err := os.Stat(tarball); err != nil {
		t.Skipf("no xv6-public sources (%v)", err)
	}
	if testing.Short() {
		t.Skip("building xv6-public takes a while; skipped with -short")
	}
	needGCC32(t)
	pubOnce.Do(func() {
		if pubErr = run(buildDir, "tar", "-xzf", tarball); pubErr != nil {
			return
		}
		dir := filepath.Join(buildDir, "xv6-public")
		// gcc 12 warns about two spots of xv6-public that -Werror turns into errors.
		if pubErr = run(dir, "sed", "-i", "s/^CFLAGS = -fno-pic/CFLAGS = -Wno-error=array-bounds -Wno-error=infinite-recursion -fno-pic/", "Makefile"); pubErr != nil {
			return
		}
		if pubErr = run(dir, "make", "-s", "-j2", "OBJDUMP=true", "kernel", "xv6.img", "_cat"); pubErr != nil {
			return
		}
		pubKernel = filepath.Join(dir, "kernel")
	})
	if pubErr != nil {
		t.Fatalf("building xv6-public: %v", pubErr)
	}
	return pubKernel
}

// kernels lists the kernels a table-driven test runs on.
var kernels = []struct {
	name  string
	build func(*testing.T) string
	file  func(base string) string // source file name as Line reports it
	image string                   // the boot disk image, relative to the kernel
	cat   string                   // the user program cat, relative to the kernel
	incs  []string                 // the kernel's include directories, relative to the kernel
}{
	{"xv6-src", xv6SrcKernel, func(b string) string { return "kernel/" + b }, "../xv6.img", "../user/_cat", []string{".", "../include"}},
	{"xv6-public", xv6PublicKernel, func(b string) string { return b }, "xv6.img", "_cat", []string{"."}},
}

// openKernel builds and opens one kernel.
func openKernel(t *testing.T, build func(*testing.T) string) (*Table, string) {
	t.Helper()
	path := build(t)
	tab, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return tab, path
}
