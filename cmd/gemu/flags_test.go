package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gemuBin is the command built once for the tests that run it.
var gemuBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gemu-test-")
	if err != nil {
		panic(err)
	}
	gemuBin = filepath.Join(dir, "gemu")
	out, err := exec.Command("go", "build", "-o", gemuBin, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runGemu runs the built command with args and stdin, with a time limit.
func runGemu(t *testing.T, timeout time.Duration, stdin []byte, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, gemuBin, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		status = ee.ExitCode()
	default:
		t.Fatalf("gemu %v: %v", args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("gemu %v: did not finish in %v; stderr %q", args, timeout, e.String())
	}
	return o.String(), e.String(), status
}

func TestParseGoodFlags(t *testing.T) {
	o, err := parseArgs(strings.Fields("-drive file=fs.img,index=1,media=disk,format=raw " +
		"-drive file=xv6.img,index=0,media=disk,format=raw -smp 2 -m 512 -nographic -no-reboot " +
		"-monitor none -net none -display none --serial mon:stdio -accel interp"))
	if err != nil {
		t.Fatal(err)
	}
	if !o.interp {
		t.Error("-accel interp: still translating")
	}
	if o, err := parseArgs([]string{"-accel", "interp", "-accel", "tcg"}); err != nil || o.interp {
		t.Errorf("-accel tcg after interp: %+v, %v", o, err)
	}
	if o.drives != [2]string{"xv6.img", "fs.img"} || o.smp != 2 || o.memMB != 512 || !o.nographic ||
		!o.noReboot || o.display != "none" || o.serial != "mon:stdio" {
		t.Errorf("parsed %+v", o)
	}
	for _, tc := range []struct {
		arg  string
		smp  int
		mem  int
		hdas [2]string
	}{
		{"-smp 4,sockets=2,cores=2", 4, 0, [2]string{}},
		{"-smp cpus=3", 3, 0, [2]string{}},
		{"-smp sockets=2,cores=4", 8, 0, [2]string{}},
		{"-m 1G", 0, 1024, [2]string{}},
		{"-m 64M", 0, 64, [2]string{}},
		{"-m size=32m", 0, 32, [2]string{}},
		{"-m 65536K", 0, 64, [2]string{}},
		{"-hda a.img -hdb b,,c.img", 0, 0, [2]string{"a.img", "b,,c.img"}},
		{"-drive file=a,,b.img", 0, 0, [2]string{"a,b.img", ""}},
		{"-drive file=x.img -drive file=y.img", 0, 0, [2]string{"x.img", "y.img"}},
	} {
		o, err := parseArgs(strings.Fields(tc.arg))
		if err != nil {
			t.Errorf("%s: %v", tc.arg, err)
			continue
		}
		if o.smp != tc.smp || o.memMB != tc.mem || o.drives != tc.hdas {
			t.Errorf("%s: smp %d mem %d drives %q", tc.arg, o.smp, o.memMB, o.drives)
		}
	}
	o, err = parseArgs([]string{"-device", "isa-debug-exit,iobase=0xf4,iosize=0x4", "-chardev",
		"file,id=post,path=post.bin", "-device", "isa-debugcon,iobase=0x190,chardev=post",
		"-debugcon", "file:out.txt", "-icount-limit", "1000000", "-kernel", "k.elf", "-append", "a b",
		"-initrd", "m1 x,m2"})
	if err != nil {
		t.Fatal(err)
	}
	if o.exitPort != 0xF4 || o.exitSize != 4 || o.chardevs["post"] != "post.bin" ||
		len(o.debugcons) != 1 || o.debugcons[0].port != 0x190 || o.debugcon != "file:out.txt" ||
		o.icount != 1000000 || o.kernel != "k.elf" || o.appendArg != "a b" || o.initrd != "m1 x,m2" {
		t.Errorf("parsed %+v", o)
	}
}

// TestBadInputExits runs the command with each bad input: one line on stderr that
// names the flag or the file, exit status 1, and no Go panic.
func TestBadInputExits(t *testing.T) {
	dir := t.TempDir()
	odd := filepath.Join(dir, "odd.img")
	nosig := filepath.Join(dir, "nosig.img")
	good := filepath.Join(dir, "good.img")
	small := filepath.Join(dir, "small.rom")
	notmb := filepath.Join(dir, "notmb.elf")
	for path, data := range map[string][]byte{
		odd:   make([]byte, 1000),
		nosig: make([]byte, 4096),
		good:  append(make([]byte, 510), 0x55, 0xAA),
		small: make([]byte, 1000),
		notmb: []byte("\x7fELF not really"),
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	missing := filepath.Join(dir, "missing.img")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-foo"}, "-foo"},
		{[]string{"--bogus-flag", "x"}, "--bogus-flag"},
		{[]string{"stray"}, "stray"},
		{[]string{"-hda"}, "-hda"},
		{[]string{"-smp", "0"}, "-smp"},
		{[]string{"-smp", "9"}, "-smp"},
		{[]string{"-smp", "two"}, "-smp"},
		{[]string{"-smp", "4,sockets=3"}, "-smp"},
		{[]string{"-smp", "2,bogus=1"}, "-smp"},
		{[]string{"-m", "512K"}, "-m"},
		{[]string{"-m", "lots"}, "-m"},
		{[]string{"-m", "5G"}, "-m"},
		{[]string{"-m", "-5"}, "-m"},
		{[]string{"-drive", "file=" + good + ",format=qcow2"}, "-drive"},
		{[]string{"-drive", "file=" + good + ",index=2"}, "-drive"},
		{[]string{"-drive", "file=" + good + ",media=cdrom"}, "-drive"},
		{[]string{"-drive", "file=" + good + ",colour=blue"}, "-drive"},
		{[]string{"-drive", "index=0"}, "-drive"},
		{[]string{"-drive", "junk"}, "-drive"},
		{[]string{"-hda", good, "-hda", good}, "-hda"},
		{[]string{"-serial", "tcp::4444"}, "-serial"},
		{[]string{"-serial", "stdio", "-serial", "null"}, "-serial"},
		{[]string{"-monitor", "stdio"}, "-monitor"},
		{[]string{"-net", "nic"}, "-net"},
		{[]string{"-display", "vnc"}, "-display"},
		{[]string{"-accel", "hvf"}, "-accel"},
		{[]string{"-M", "q35"}, "-M q35"},
		{[]string{"-machine", "pc,frobnicate=on"}, "frobnicate"},
		{[]string{"-cpu", "pentium4"}, "-cpu pentium4"},
		{[]string{"-boot", "d"}, "only the hard disk"},
		{[]string{"-boot", "order=x"}, "-boot"},
		{[]string{"-vga", "qxl"}, "-vga qxl"},
		{[]string{"-gdb", "udp::1234"}, "only tcp"},
		{[]string{"-p", "26000"}, "-gdb tcp::26000"},
		{[]string{"-hda", good, "-hdb", good}, "both"},
		{[]string{"-drive", "file=" + good + ",index=0", "-drive", "file=" + good + ",index=1"}, "both"},
		{[]string{"-device", "e1000"}, "-device"},
		{[]string{"-device", "isa-debug-exit,iosize=3"}, "-device"},
		{[]string{"-device", "isa-debug-exit,iobase=0xffff,iosize=4"}, "past the last I/O port 0xffff"},
		{[]string{"-drive", "file=" + good + ",werror=retry"}, "werror="},
		{[]string{"-device", "isa-debug-exit,iobase=0xfffe,iosize=0x4"}, "ends at port 0x10001"},
		{[]string{"-hda", good, "-device", "isa-debugcon,iobase=0x190,chardev=nope"}, "nope"},
		{[]string{"-chardev", "socket,id=x,path=y"}, "-chardev"},
		{[]string{"-icount-limit", "many"}, "-icount-limit"},
		{[]string{"-rtc", "base=yesterday"}, "-rtc"},
		{[]string{"-hda", missing}, "missing.img"},
		{[]string{"-drive", "file=" + missing + ",index=0,media=disk,format=raw"}, "missing.img"},
		{[]string{"-hda", odd}, "multiple of 512"},
		{[]string{"-hda", good, "-hdb", odd}, "multiple of 512"},
		{[]string{"-hda", nosig}, "boot signature"},
		{[]string{"-hdb", good}, "boot disk"},
		{[]string{"-bios", small}, "bios"},
		{[]string{"-bios", missing}, "missing.img"},
		{[]string{"-kernel", notmb}, "multiboot"},
		{[]string{"-kernel", missing}, "missing.img"},
		{[]string{"-append", "x", "-hda", good}, "-append"},
	} {
		_, stderr, status := runGemu(t, 20*time.Second, nil, tc.args...)
		if status != 1 {
			t.Errorf("gemu %q: exit status %d, want 1 (stderr %q)", tc.args, status, stderr)
		}
		if !strings.Contains(stderr, tc.want) {
			t.Errorf("gemu %q: stderr %q does not name %q", tc.args, stderr, tc.want)
		}
		if strings.Count(stderr, "\n") != 1 || strings.Contains(stderr, "panic") {
			t.Errorf("gemu %q: stderr is not one line: %q", tc.args, stderr)
		}
	}
}

func TestHelp(t *testing.T) {
	out, _, status := runGemu(t, 20*time.Second, nil, "-help")
	if status != 0 || !strings.Contains(out, "-drive") || !strings.Contains(out, "-smp") {
		t.Errorf("-help: status %d, output %q", status, out)
	}
}

// TestImageLocked runs a second gemu on a disk image a first one is using: it must
// refuse with one line naming the image, as qemu does.
func TestImageLocked(t *testing.T) {
	xv6, fs := freshImages(t)
	p := startGemu(t, xv6Args(xv6, fs)...)
	p.waitFor(0, "xv6...")
	_, stderr, st := runGemu(t, time.Minute, nil, "-hda", xv6, "-hdb", fs, "-display", "none")
	if st != 1 || !strings.Contains(stderr, "another process") || !strings.Contains(stderr, "xv6.img") {
		t.Errorf("second gemu on the same images: status %d, stderr %q", st, stderr)
	}
	p.send("\x01x")
	p.wait()
	// Once the first has exited, the images are free again.
	p = startGemu(t, xv6Args(xv6, fs)...)
	p.waitFor(0, "xv6...")
	p.send("\x01x")
	if st := p.wait(); st != 0 {
		t.Errorf("after the first exited: status %d; stderr %q", st, p.errOut.String())
	}
}

// TestImageLockedByQemu holds an image in qemu: gemu must refuse it too.
func TestImageLockedByQemu(t *testing.T) {
	qemu, err := exec.LookPath("qemu-system-i386")
	if err != nil {
		t.Skip("no qemu-system-i386")
	}
	xv6, fs := freshImages(t)
	q := exec.Command(qemu, "-drive", "file="+fs+",index=1,media=disk,format=raw", "-display", "none", "-S", "-monitor", "none")
	if err := q.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { q.Process.Kill(); q.Wait() }()
	for i := 0; ; i++ { // qemu takes its locks as it opens the image
		_, stderr, st := runGemu(t, time.Minute, nil, "-hda", xv6, "-hdb", fs, "-display", "none", "-icount-limit", "1000")
		if st == 1 && strings.Contains(stderr, "qemu lock") {
			return
		}
		if i == 50 {
			t.Fatalf("gemu on an image qemu holds: status %d, stderr %q", st, stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
