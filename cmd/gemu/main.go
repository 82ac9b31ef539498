// Command gemu is a PC emulator that runs xv6. It takes qemu's command-line spelling,
// so xv6's Makefile can run it in qemu's place; with no disk options it boots the
// bundled xv6.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"gemu/ide"
	"gemu/pc"
	"gemu/tui"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// session is everything a run opens, to be closed at the end.
type session struct {
	files   []*os.File
	tmpDirs []string
	dir     string      // the run's temporary directory, "" until runDir makes it
	log     *logFile    // the -D file, nil without one
	ui      *tuiFront   // the screen front end, nil without a display (tui.go)
	console *consoleOut // stdout when the console or a debug port is on stdio
	syms    *kernelSyms // the kernel's symbols for reports (symbols.go)
}

func (s *session) close() error {
	var errs []error
	for _, f := range s.files {
		if err := f.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, d := range s.tmpDirs {
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// openOut opens an output destination: stdio, file:PATH, null or none.
func (s *session) openOut(dest string, stdout io.Writer) (io.Writer, error) {
	switch {
	case dest == "stdio" || dest == "mon:stdio":
		if s.console == nil {
			s.console = newConsoleOut(stdout)
		}
		return s.console, nil
	case dest == "null" || dest == "none" || dest == "":
		return io.Discard, nil
	case strings.HasPrefix(dest, "file:"):
		return s.create(strings.TrimPrefix(dest, "file:"))
	}
	return nil, fmt.Errorf("unsupported destination %q", dest)
}

func (s *session) create(path string) (*os.File, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	s.files = append(s.files, f)
	return f, nil
}

// run is gemu's main program; it returns the exit status.
func run(args []string, stdin *os.File, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "gemu: %v\n", err)
		return 1
	}
	if len(args) > 0 && args[0] == "test" {
		return runTest(args[1:], stdout, stderr)
	}
	o, err := parseArgs(args)
	if err != nil {
		return fail(err)
	}
	switch {
	case o.help:
		fmt.Fprint(stdout, usage)
		return 0
	case o.listing != "":
		fmt.Fprint(stdout, o.listing)
		return 0
	case o.version:
		bi, _ := debug.ReadBuildInfo() // nil without build information, which versionText says
		fmt.Fprint(stdout, versionText(bi))
		return 0
	}
	if err := checkDebugOptions(o); err != nil {
		return fail(err)
	}
	for _, n := range o.notes {
		fmt.Fprintf(stderr, "gemu: %s\n", n)
	}
	if err := cleanStaleRunDirs(); err != nil {
		fmt.Fprintf(stderr, "gemu: warning: %v\n", err)
	}
	s := &session{ui: newTUIFront(o, stdin, stdout)}
	defer func() {
		if err := s.close(); err != nil {
			fmt.Fprintf(stderr, "gemu: %v\n", err)
		}
	}()
	if o.monitor == "stdio" && (s.ui != nil || serialMode(o) == "mon:stdio" || serialMode(o) == "stdio" || o.debugcon == "stdio") {
		return fail(errors.New("-monitor stdio: stdin/stdout are the console's; use -display none " +
			"(with -serial file:PATH or null), or -nographic and Ctrl-A c"))
	}
	cfg, err := s.config(o, stdout)
	if err != nil {
		return fail(err)
	}
	logger, err := s.openLog(o, stderr, cfg)
	if err != nil {
		closeDisks(cfg)
		return fail(err)
	}
	races, err := s.raceConfig(o, cfg, stderr)
	if err != nil {
		closeDisks(cfg)
		return fail(err)
	}
	if o.symbols != "" { // named by the user: a file that cannot be read is an error now
		if _, err := s.syms.load(); err != nil {
			closeDisks(cfg)
			return fail(err)
		}
	}
	stuck := s.stuckConfig(o, cfg, stderr)
	snap, err := loadVM(o, cfg)
	if err != nil {
		closeDisks(cfg)
		return fail(err)
	}
	m, err := pc.New(*cfg)
	if err != nil {
		snap.Close()
		for _, d := range cfg.Disks {
			if c, ok := d.(io.Closer); ok {
				c.Close()
			}
		}
		return fail(err)
	}
	if err := restoreVM(o, m, snap); err != nil {
		m.Close()
		return fail(err)
	}
	attachLog(logger, m)
	if s.log != nil {
		s.log.setStop(m.Stop)
	}
	status := s.runMachine(m, o, cfg, stdin, stdout, stderr)
	stuck.finish()
	if err := races.finish(stderr, m.Races()); err != nil {
		fmt.Fprintf(stderr, "gemu: %v\n", err)
		status = 1
	}
	if err := logger.Flush(); err != nil {
		fmt.Fprintf(stderr, "gemu: -D %s: %v (the run stopped at the first failed write)\n", o.logFile, err)
		status = 1
	}
	if err := m.Close(); err != nil {
		fmt.Fprintf(stderr, "gemu: %v\n", err)
		return 1
	}
	return status
}

// serialMode is where COM1 goes: "mon:stdio", "stdio", "file:PATH" or "null".
func serialMode(o *options) string {
	switch {
	case o.serial != "":
		return o.serial
	case o.nographic:
		return "mon:stdio"
	case o.display == "none":
		return "null"
	}
	return "mon:stdio" // the screen front end is not wired in: the serial console stands in
}

// config turns options into a machine configuration, opening the files it names.
func (s *session) config(o *options, stdout io.Writer) (*pc.Config, error) {
	cfg := &pc.Config{CPUs: o.smp, MemoryMB: o.memMB, NoReboot: o.noReboot, Limit: o.icount, RTC: o.rtc, NoJIT: o.interp,
		SchedSeed: o.schedSeed}
	var err error
	if s.ui != nil {
		cfg.Serial, err = s.ui.serial(s, o)
	} else {
		cfg.Serial, err = s.openOut(serialMode(o), stdout)
	}
	if err != nil {
		return nil, fmt.Errorf("-serial: %w", err)
	}
	drives := o.drives
	if drives == [2]string{} && o.bios == "" && o.kernel == "" {
		if drives, err = s.bundledImages(); err != nil {
			return nil, err
		}
	} else if err := sameImage(drives); err != nil {
		return nil, err
	} else if o.snapshot {
		if drives, err = s.snapshotCopies(drives); err != nil {
			return nil, err
		}
	}
	for i, path := range drives {
		if path == "" {
			continue
		}
		d, err := ide.OpenFileDisk(path)
		if err != nil {
			closeDisks(cfg)
			return nil, fmt.Errorf("drive %d: %w", i, err)
		}
		d.ReadPolicy, d.WritePolicy = o.rerror[i], o.werror[i]
		cfg.Disks[i] = d
		lock, err := lockImage(path)
		if err != nil {
			closeDisks(cfg)
			return nil, fmt.Errorf("drive %d: %w", i, err)
		}
		s.files = append(s.files, lock)
	}
	s.syms = &kernelSyms{file: o.symbols, kernel: o.kernel, bootDisk: drives[0], origDisk: o.drives[0]}
	if err := s.firmware(o, cfg); err != nil {
		closeDisks(cfg)
		return nil, err
	}
	if err := s.debugDevices(o, cfg, stdout); err != nil {
		closeDisks(cfg)
		return nil, err
	}
	return cfg, nil
}

func closeDisks(cfg *pc.Config) {
	for _, d := range cfg.Disks {
		if c, ok := d.(io.Closer); ok {
			c.Close()
		}
	}
}

// firmware loads -bios or -kernel with its modules.
func (s *session) firmware(o *options, cfg *pc.Config) error {
	if o.bios != "" && o.kernel != "" {
		return errors.New("-bios and -kernel exclude each other")
	}
	if o.bios != "" {
		b, err := os.ReadFile(o.bios)
		if err != nil {
			return fmt.Errorf("-bios: %w", err)
		}
		cfg.BIOS = b
	}
	if o.kernel == "" {
		if o.appendArg != "" || o.initrd != "" {
			return errors.New("-append and -initrd need -kernel")
		}
		return nil
	}
	img, err := os.ReadFile(o.kernel)
	if err != nil {
		return fmt.Errorf("-kernel: %w", err)
	}
	k := &pc.Multiboot{Image: img, Cmdline: strings.TrimSpace(o.kernel + " " + o.appendArg)}
	if o.initrd != "" {
		for _, mod := range splitOpts(o.initrd) {
			path, _, _ := strings.Cut(strings.TrimSpace(mod), " ")
			if path == "" {
				return fmt.Errorf("-initrd %s: empty module", o.initrd)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("-initrd: %w", err)
			}
			k.Modules = append(k.Modules, pc.Module{Data: data, Cmdline: strings.TrimSpace(mod)})
		}
	}
	cfg.Kernel = k
	return nil
}

// debugDevices sets up -debugcon, isa-debugcon and isa-debug-exit.
func (s *session) debugDevices(o *options, cfg *pc.Config, stdout io.Writer) error {
	if o.debugcon != "" {
		w, err := s.openOut(o.debugcon, stdout)
		if err != nil {
			return fmt.Errorf("-debugcon: %w", err)
		}
		cfg.Debug = append(cfg.Debug, pc.DebugCon{Port: 0xE9, Name: o.debugcon, Out: w})
	}
	opened := map[string]io.Writer{}
	for _, d := range o.debugcons {
		path, ok := o.chardevs[d.chardev]
		if !ok {
			return fmt.Errorf("-device isa-debugcon: no -chardev with id=%s", d.chardev)
		}
		w := opened[d.chardev]
		if w == nil {
			f, err := s.create(path)
			if err != nil {
				return fmt.Errorf("-chardev id=%s: %w", d.chardev, err)
			}
			w = f
			opened[d.chardev] = f
		}
		cfg.Debug = append(cfg.Debug, pc.DebugCon{Port: d.port, Name: d.chardev, Out: w})
	}
	cfg.ExitPort, cfg.ExitSize = o.exitPort, o.exitSize
	return nil
}

// bundledImages copies the bundled xv6 images to the run's temporary directory (so the
// embedded file system never changes) and returns their paths.
func (s *session) bundledImages() ([2]string, error) {
	kernel, fs, err := bundled()
	if err != nil {
		return [2]string{}, err
	}
	dir, err := s.runDir()
	if err != nil {
		return [2]string{}, fmt.Errorf("bundled images: %w", err)
	}
	paths := [2]string{filepath.Join(dir, "xv6.img"), filepath.Join(dir, "fs.img")}
	for i, b := range [][]byte{kernel, fs} {
		if err := os.WriteFile(paths[i], b, 0o600); err != nil {
			return [2]string{}, fmt.Errorf("bundled images: %w", err)
		}
	}
	return paths, nil
}

// sameImage refuses one image file as both disks: the two would overwrite each other.
func sameImage(drives [2]string) error {
	if drives[0] == "" || drives[1] == "" {
		return nil
	}
	a, errA := os.Stat(drives[0])
	b, errB := os.Stat(drives[1])
	if errA == nil && errB == nil && os.SameFile(a, b) {
		return fmt.Errorf("disks 0 and 1 are both %s: each disk needs its own image file", drives[1])
	}
	return nil // a missing file is reported when it is opened
}

// snapshotCopies is -snapshot: it copies the disk images to the run's temporary directory,
// which goes away at exit, and returns the copies' paths; the originals are only read.
func (s *session) snapshotCopies(drives [2]string) ([2]string, error) {
	var copies [2]string
	for i, path := range drives {
		if path == "" {
			continue
		}
		dir, err := s.runDir()
		if err != nil {
			return copies, fmt.Errorf("-snapshot: %w", err)
		}
		copies[i] = filepath.Join(dir, fmt.Sprintf("disk%d-%s", i, filepath.Base(path)))
		if err := copyFile(copies[i], path); err != nil {
			return copies, fmt.Errorf("-snapshot: drive %d: %w", i, err)
		}
	}
	return copies, nil
}

// copyFile copies the file src to a new file dst.
func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copying %s: %w", src, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("copying %s: %w", src, err)
	}
	return nil
}

// versionText is -version: the module version and the VCS revision the binary was built
// from, as the build recorded them (bi is debug.ReadBuildInfo's, nil if it has none).
func versionText(bi *debug.BuildInfo) string {
	version, rev, when, dirty, goVersion := "(unknown)", "", "", false, ""
	if bi != nil {
		version, goVersion = bi.Main.Version, bi.GoVersion
		for _, st := range bi.Settings {
			switch st.Key {
			case "vcs.revision":
				rev = st.Value
			case "vcs.time":
				when = st.Value
			case "vcs.modified":
				dirty = st.Value == "true"
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "gemu version %s\n", version)
	switch {
	case rev == "":
		b.WriteString("revision unknown (built without VCS stamping: -buildvcs=false, or in a git worktree)\n")
	default:
		fmt.Fprintf(&b, "revision %s", rev)
		if when != "" {
			fmt.Fprintf(&b, " (%s)", when)
		}
		if dirty {
			b.WriteString(" with local changes")
		}
		b.WriteString("\n")
	}
	if goVersion != "" {
		fmt.Fprintf(&b, "built with %s\n", goVersion)
	}
	b.WriteString("A PC emulator for xv6 with qemu-system-i386's command line\n")
	return b.String()
}

// runMachine runs m with the console on stdin/stdout as the options say, and returns
// the exit status.
func (s *session) runMachine(m *pc.Machine, o *options, cfg *pc.Config, stdin *os.File, stdout, stderr io.Writer) int {
	if s.ui != nil {
		return s.ui.run(m, o, s.syms, stderr)
	}
	mode := serialMode(o)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	x := &mux{g: stopper{m, cancel}, msg: stderr, status: consoleStatus(m), save: quickSave(m, o)}
	var link *monitorLink
	switch {
	case o.gdb != "":
	case o.monitor == "stdio":
		link = newMonitorLink(m, s.syms, o.snapshotDir)
		go link.serveStdio(stdin, stdout, x)
	case mode == "mon:stdio" && s.console != nil:
		link = newMonitorLink(m, s.syms, o.snapshotDir)
		x.monitor, x.con = link.exec, s.console
	}
	// With no console input at all (COM1 to a file or nowhere) only timers can wake an idle
	// guest: pacing then changes no output and keeps an idle guest from spending a host
	// core on timer ticks (QA-B6), and a guest halted with no timer still ends the run.
	interactive := mode != "mon:stdio" && mode != "stdio"
	m.SetNoInput(interactive)
	var stdinEOF chan struct{} // closed when console input ends; nil when nothing reads it
	if !interactive {
		feed := func(b []byte) { m.SendSerial(b) }
		if mode == "mon:stdio" {
			feed = x.feed
		}
		fd := int(stdin.Fd())
		if isTerminal(fd) {
			// Under the multiplexer Ctrl-C goes to the guest, as with qemu -nographic;
			// only Ctrl-A x quits. Plain stdio keeps the terminal's signal keys.
			stdinEOF = make(chan struct{})
			st, err := makeRaw(fd, mode != "mon:stdio")
			if err != nil {
				fmt.Fprintf(stderr, "gemu: %v\n", err)
				return 1
			}
			defer st.restore()
			interactive = true
			go pumpThen(stdin, feed, stdinEOF)
		} else if fi, err := stdin.Stat(); err == nil && fi.Mode().IsRegular() {
			// A file is read before the machine starts, so that the run is reproducible.
			b, err := io.ReadAll(stdin)
			if err != nil {
				fmt.Fprintf(stderr, "gemu: reading stdin: %v\n", err)
				return 1
			}
			feed(b)
		} else {
			// Input from a pipe comes in host time, so the run is not reproducible anyway;
			// pacing keeps an idle guest from racing through virtual time (a full host core
			// spent on timer ticks while it waits for the next line, QA-B6).
			stdinEOF = make(chan struct{})
			interactive = true
			go pumpThen(stdin, feed, stdinEOF)
		}
	}
	m.SetPace(interactive)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	var caught atomic.Int32
	go func() {
		for sig := range sigs {
			caught.Store(int32(sig.(syscall.Signal)))
			m.Stop()
			cancel()
		}
	}()

	var r pc.Result
	var err error
	if link != nil {
		r, err = link.run(ctx)
	} else {
		r, err = runGuest(ctx, m, o)
	}
	if err != nil {
		fmt.Fprintf(stderr, "gemu: %v\n", err)
		return 1
	}
	if o.noShutdown && ctx.Err() == nil && (r.Reason == pc.PowerOff || r.Reason == pc.Reset) {
		// As qemu does, the guest stays stopped until the user quits (or input ends).
		how := "a signal quits"
		if mode == "mon:stdio" && stdinEOF != nil {
			how = "Ctrl-A x quits"
		}
		s.finalLine(stderr, r.Message+"; stopped (-no-shutdown): "+how)
		select {
		case <-ctx.Done():
		case <-stdinEOF:
		}
	}
	switch {
	case x.quit.Load():
		s.finalLine(stderr, "terminated (Ctrl-A x)")
		return 0
	case caught.Load() != 0:
		s.finalLine(stderr, fmt.Sprintf("terminating on signal %d", caught.Load()))
		return 0
	}
	switch r.Reason {
	case pc.PowerOff, pc.Reset, pc.Stopped:
		return 0
	case pc.DebugExit:
		return r.Status
	}
	s.finalLine(stderr, r.Message)
	return r.Status
}

// consoleStatus returns the -nographic console's Ctrl-A s: the screen's status line for the
// serial console, with the guest's MIPS averaged since the start.
func consoleStatus(m *pc.Machine) func() string {
	start := time.Now()
	return func() string {
		st := machineStats(m)
		mips := float64(st.Instructions) / time.Since(start).Seconds() / 1e6
		return tui.FormatStatus("serial", &st, mips, false)
	}
}

// finalLine prints gemu's last message on stderr, on a fresh line when the console
// output on the terminal ended mid-line. (Raw mode keeps output processing, so a newline
// is a newline on the terminal too.)
func (s *session) finalLine(stderr io.Writer, msg string) {
	lead := ""
	if s.console != nil && s.console.midLine() {
		lead = "\n"
	}
	fmt.Fprint(stderr, lead+"gemu: "+msg+"\n")
}

// consoleOut is stdout as the guest's console: it remembers whether the output on a
// terminal ended mid-line.
type consoleOut struct {
	w        io.Writer
	terminal bool
	last     atomic.Int32 // last byte written, -1 before any
}

func newConsoleOut(w io.Writer) *consoleOut {
	c := &consoleOut{w: w}
	c.last.Store(-1)
	if f, ok := w.(*os.File); ok {
		c.terminal = isTerminal(int(f.Fd()))
	}
	return c
}

func (c *consoleOut) Write(p []byte) (int, error) {
	if len(p) > 0 {
		c.last.Store(int32(p[len(p)-1]))
	}
	return c.w.Write(p)
}

// midLine reports whether the terminal's cursor is after console output that did not
// end a line.
func (c *consoleOut) midLine() bool {
	l := c.last.Load()
	return c.terminal && l >= 0 && l != '\n'
}
