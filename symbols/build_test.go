package symbols

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"gemu/internal/xv6build"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := xv6build.Cleanup(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
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

// xv6SrcKernel builds our xv6-src (the default build, as images/) and returns the path
// of its kernel ELF, kernel/kernel: the object files stay beside it, and xv6.img,
// fs.img and user/_cat (a user program without DWARF) two levels up.
func xv6SrcKernel(t *testing.T) string {
	t.Helper()
	return xv6build.KernelELF(xv6build.XV6Src(t, ""))
}

// xv6PublicKernel builds the original xv6-public and returns the path of its kernel;
// xv6.img, fs.img and the user program _cat (with DWARF) are beside it.
func xv6PublicKernel(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("building xv6-public takes a while; skipped with -short")
	}
	return xv6build.KernelELF(xv6build.XV6Public(t, nil))
}

// kernels lists the kernels a table-driven test runs on.
var kernels = []struct {
	name  string
	build func(*testing.T) string
	file  func(base string) string // source file name as Line reports it
	image string                   // the boot disk image, relative to the kernel
	fs    string                   // the file system image, relative to the kernel
	cat   string                   // the user program cat, relative to the kernel
	incs  []string                 // the kernel's include directories, relative to the kernel
}{
	{"xv6-src", xv6SrcKernel, func(b string) string { return "kernel/" + b }, "../xv6.img", "../fs.img", "../user/_cat", []string{".", "../include"}},
	{"xv6-public", xv6PublicKernel, func(b string) string { return b }, "xv6.img", "fs.img", "_cat", []string{"."}},
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
