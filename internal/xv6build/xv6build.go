// Package xv6build builds xv6 kernels and file systems into temporary directories for tests
// anywhere in the repository: MIT's xv6-public (the reference guest, from
// ../shared/reference/xv6-public.tar.gz beside the clone) with extra user programs of our
// own, and our xv6-src with one of its planted races (make RACE=...).
//
// Builds are cached per test process: every test asking for the same build gets the same
// directory, so treat it as read-only (copy fs.img before a guest writes to it). The
// directories live under the system temporary directory as gemu-xv6build-PID-*; a later
// process removes those of processes that have ended, and Cleanup removes this process's
// at once (call it from TestMain if the package builds often).
//
// The only reason to skip is a compiler that cannot build 32-bit x86 (gcc -m32); a missing
// tarball or a failing build fails the test.
package xv6build

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
)

// TarballEnv names an environment variable that, when set, is the path of the
// xv6-public tarball to use instead of ../shared/reference/xv6-public.tar.gz.
const TarballEnv = "GEMU_XV6_PUBLIC"

// gcc 12 and later warn (and xv6-public's -Werror fails) on two things xv6-public does on
// purpose; its CFLAGS line gets these, since `make CFLAGS+=...` would replace it.
const publicCFLAGS = " -Wno-error=array-bounds -Wno-error=infinite-recursion"

// Races lists the planted mistakes XV6Src accepts besides "" (the default build).
var Races = []string{"pipe", "sock", "kalloc"}

// result is one build, shared by every test that asks for it.
type result struct {
	once sync.Once
	dir  string
	skip string // why the build cannot run here
	err  error
}

var (
	mu      sync.Mutex
	builds  = map[string]*result{}
	rootDir string // this process's directory for builds, made on first use
)

// XV6Public returns a directory holding xv6.img, fs.img and the kernel ELF (with symbols
// and DWARF) built from xv6-public, with extraProgs added to its file system: each key is
// a program name ("linkloop"), each value its C source, compiled against xv6-public's
// user.h like its own programs. Builds with the same programs are shared.
func XV6Public(t testing.TB, extraProgs map[string][]byte) string {
	t.Helper()
	names := make([]string, 0, len(extraProgs))
	for name := range extraProgs {
		names = append(names, name)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, name := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(extraProgs[name]))
		h.Write(extraProgs[name])
	}
	key := "public-" + hex.EncodeToString(h.Sum(nil))[:12]
	return get(t, key, func(dir string) (string, error) { return buildPublic(dir, names, extraProgs) })
}

// XV6Src returns a directory holding xv6.img and fs.img built from the repository's
// xv6-src, with the planted mistake race ("pipe", "sock" or "kalloc"; "" for the default
// build, which matches images/). The kernel ELF is kernel/kernel in it (see KernelELF); RACE
// builds' fs.img also holds the programs that show the damage (racepipe).
func XV6Src(t testing.TB, race string) string {
	t.Helper()
	if race != "" && !isRace(race) {
		t.Fatalf("xv6build: unknown race %q, want one of %v or \"\"", race, Races)
	}
	key := "src-" + race
	if race == "" {
		key = "src-default"
	}
	return get(t, key, func(dir string) (string, error) { return dir, buildSrc(dir, race) })
}

// Site is a line of xv6-src that takes part in a planted race: the unlocked access or the
// access it races with. The source marks it with a "race(NAME)" comment.
type Site struct {
	File string // relative to xv6-src, as the kernel's DWARF names it: "kernel/pipe.c"
	Line int
	Text string // the line, trimmed
}

// RaceSites returns the lines of xv6-src/kernel marked race(race), in file and line
// order: a race detector run on the XV6Src(t, race) kernel should name two of them.
func RaceSites(race string) ([]Site, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(root, "xv6-src", "kernel", "*.c"))
	if err != nil {
		return nil, fmt.Errorf("xv6build: %w", err)
	}
	sort.Strings(files)
	mark := "race(" + race + ")"
	var sites []Site
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("xv6build: %w", err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, mark) {
				sites = append(sites, Site{File: "kernel/" + filepath.Base(f), Line: i + 1, Text: strings.TrimSpace(line)})
			}
		}
	}
	if len(sites) == 0 {
		return nil, fmt.Errorf("xv6build: no line of xv6-src/kernel is marked %s", mark)
	}
	return sites, nil
}

// KernelELF returns the kernel ELF in a directory from XV6Public (dir/kernel) or XV6Src
// (dir/kernel/kernel).
func KernelELF(dir string) string {
	k := filepath.Join(dir, "kernel")
	if fi, err := os.Stat(k); err == nil && fi.IsDir() {
		return filepath.Join(k, "kernel")
	}
	return k
}

// Root returns the repository's top directory: the nearest directory above the working
// directory whose go.mod declares module gemu.
func Root() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("xv6build: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil &&
			regexp.MustCompile(`(?m)^module gemu\s*$`).Match(b) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("xv6build: no go.mod of module gemu above %s", wd)
		}
	}
}

// Cleanup removes every build this process made. Later calls build again.
func Cleanup() error {
	mu.Lock()
	defer mu.Unlock()
	builds = map[string]*result{}
	if rootDir == "" {
		return nil
	}
	err := os.RemoveAll(rootDir)
	rootDir = ""
	if err != nil {
		return fmt.Errorf("xv6build: %w", err)
	}
	return nil
}

// get runs build once per key in this process and hands every caller its outcome.
func get(t testing.TB, key string, build func(dir string) (string, error)) string {
	t.Helper()
	mu.Lock()
	r := builds[key]
	if r == nil {
		r = &result{}
		builds[key] = r
	}
	mu.Unlock()
	r.once.Do(func() {
		if why := cannotBuild32(); why != "" {
			r.skip = why
			return
		}
		base, err := processDir()
		if err != nil {
			r.err = err
			return
		}
		dir := filepath.Join(base, key)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			r.err = fmt.Errorf("xv6build: %w", err)
			return
		}
		r.dir, r.err = build(dir)
	})
	switch {
	case r.skip != "":
		t.Skip(r.skip)
	case r.err != nil:
		t.Fatal(r.err)
	}
	return r.dir
}

// processDir makes (once) this process's build directory, after removing those left by
// processes that have ended.
func processDir() (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if rootDir != "" {
		return rootDir, nil
	}
	removeStale()
	d, err := os.MkdirTemp("", fmt.Sprintf("gemu-xv6build-%d-", os.Getpid()))
	if err != nil {
		return "", fmt.Errorf("xv6build: %w", err)
	}
	rootDir = d
	return d, nil
}

var (
	m32Once sync.Once
	m32Why  string
)

// cannotBuild32 says why 32-bit x86 cannot be built here, or "" when it can.
func cannotBuild32() string {
	m32Once.Do(func() {
		for _, tool := range []string{"gcc", "ld", "objcopy", "make"} {
			if _, err := exec.LookPath(tool); err != nil {
				m32Why = fmt.Sprintf("xv6build: %s not installed: cannot build xv6", tool)
				return
			}
		}
		dir, err := os.MkdirTemp("", "gemu-m32-")
		if err != nil {
			m32Why = fmt.Sprintf("xv6build: %v", err)
			return
		}
		defer os.RemoveAll(dir)
		src := filepath.Join(dir, "t.c")
		if err := os.WriteFile(src, []byte("int f(int x) { return x + 1; }\n"), 0o644); err != nil {
			m32Why = fmt.Sprintf("xv6build: %v", err)
			return
		}
		cmd := exec.Command("gcc", "-m32", "-c", "-o", filepath.Join(dir, "t.o"), src)
		if out, err := cmd.CombinedOutput(); err != nil {
			m32Why = fmt.Sprintf("xv6build: gcc -m32 cannot build 32-bit x86 here (%v): %s",
				err, strings.TrimSpace(string(out)))
		}
	})
	return m32Why
}

// buildPublic unpacks xv6-public into dir, patches its Makefile and builds it; it returns
// the directory of the build (dir/xv6-public).
func buildPublic(dir string, names []string, progs map[string][]byte) (string, error) {
	tgz, err := tarball()
	if err != nil {
		return "", err
	}
	if err := untar(tgz, dir); err != nil {
		return "", err
	}
	// The tarball holds one top directory, xv6-public/; build in place of it.
	src := filepath.Join(dir, "xv6-public")
	if _, err := os.Stat(filepath.Join(src, "Makefile")); err != nil {
		return "", fmt.Errorf("xv6build: %s has no xv6-public/Makefile: %w", tgz, err)
	}
	for _, name := range names {
		if !regexp.MustCompile(`^[a-z][a-z0-9]*$`).MatchString(name) {
			return "", fmt.Errorf("xv6build: program name %q: want lower-case letters and digits", name)
		}
		if err := os.WriteFile(filepath.Join(src, name+".c"), progs[name], 0o644); err != nil {
			return "", fmt.Errorf("xv6build: %w", err)
		}
	}
	mk := filepath.Join(src, "Makefile")
	b, err := os.ReadFile(mk)
	if err != nil {
		return "", fmt.Errorf("xv6build: %w", err)
	}
	patched, err := patchPublicMakefile(string(b), names)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(mk, []byte(patched), 0o644); err != nil {
		return "", fmt.Errorf("xv6build: %w", err)
	}
	return src, run(src, "make", "-j2", "xv6.img", "fs.img")
}

// patchPublicMakefile relaxes the two gcc 12 warnings on the CFLAGS line and adds the
// extra programs to UPROGS.
func patchPublicMakefile(mk string, names []string) (string, error) {
	cf := regexp.MustCompile(`(?m)^CFLAGS = .*$`)
	if !cf.MatchString(mk) {
		return "", errors.New("xv6build: xv6-public's Makefile has no `CFLAGS = ` line")
	}
	mk = cf.ReplaceAllStringFunc(mk, func(line string) string { return line + publicCFLAGS })
	if len(names) > 0 {
		up := regexp.MustCompile(`(?m)^UPROGS=\\\n`)
		if !up.MatchString(mk) {
			return "", errors.New("xv6build: xv6-public's Makefile has no `UPROGS=\\` line")
		}
		var add strings.Builder
		add.WriteString("UPROGS=\\\n")
		for _, name := range names {
			fmt.Fprintf(&add, "\t_%s\\\n", name)
		}
		mk = up.ReplaceAllLiteralString(mk, add.String())
	}
	return mk, nil
}

// buildSrc builds the repository's xv6-src into dir: RACE builds through the Makefile's
// own RACE=name O=dir, the default one in a cleaned copy.
func buildSrc(dir, race string) error {
	root, err := Root()
	if err != nil {
		return err
	}
	src := filepath.Join(root, "xv6-src")
	if race != "" {
		return run(src, "make", "-s", "-j2", "RACE="+race, "O="+dir, "xv6.img", "fs.img")
	}
	if err := copyTree(src, dir); err != nil {
		return err
	}
	if err := run(dir, "make", "-s", "clean"); err != nil { // the copy may hold stale objects
		return err
	}
	mkfs := filepath.Join(dir, "mkfs")
	if err := run(root, "go", "build", "-o", mkfs, "./cmd/mkfs"); err != nil {
		return err
	}
	return run(dir, "make", "-s", "-j2", "MKFS="+mkfs, "xv6.img", "fs.img")
}

// isRace reports whether name is one of Races.
func isRace(name string) bool {
	for _, r := range Races {
		if r == name {
			return true
		}
	}
	return false
}

// tarball finds xv6-public.tar.gz: $GEMU_XV6_PUBLIC, else ../shared/reference/ beside the
// repository.
func tarball() (string, error) {
	if p := os.Getenv(TarballEnv); p != "" {
		return p, nil
	}
	root, err := Root()
	if err != nil {
		return "", err
	}
	p := filepath.Join(filepath.Dir(root), "shared", "reference", "xv6-public.tar.gz")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("xv6build: xv6-public not found (want ../shared/reference/xv6-public.tar.gz beside the clone, or $%s): %w",
			TarballEnv, err)
	}
	return p, nil
}

// untar unpacks the gzipped tar file tgz into dir: directories and regular files (with
// their permission bits), refusing paths that leave dir.
func untar(tgz, dir string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return fmt.Errorf("xv6build: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("xv6build: %s: %w", tgz, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("xv6build: %s: %w", tgz, err)
		}
		if !filepath.IsLocal(h.Name) {
			return fmt.Errorf("xv6build: %s: entry %q leaves the directory", tgz, h.Name)
		}
		p := filepath.Join(dir, h.Name)
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			err = writeFile(p, tr, fs.FileMode(h.Mode).Perm()|0o600)
		}
		if err != nil {
			return fmt.Errorf("xv6build: unpack %s: %w", h.Name, err)
		}
	}
}

// writeFile writes r to path with mode perm, making its directory.
func writeFile(path string, r io.Reader, perm fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// copyTree copies the directories and regular files under src to dst, keeping the
// permission bits.
func copyTree(src, dst string) error {
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		return writeFile(to, in, info.Mode().Perm())
	})
	if err != nil {
		return fmt.Errorf("xv6build: copy %s: %w", src, err)
	}
	return nil
}

// run runs name with args in dir; a failure carries the end of the output.
func run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("xv6build: %s %s in %s: %w\n%s", name, strings.Join(args, " "), dir, err, tail(out, 30))
	}
	return nil
}

// tail returns the last n lines of out.
func tail(out []byte, n int) []byte {
	lines := bytes.Split(bytes.TrimRight(out, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return bytes.Join(lines, []byte("\n"))
}
