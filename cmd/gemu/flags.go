package main

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gemu/ide"
	"gemu/pc"
	"gemu/qemulog"
)

// options is a parsed command line.
type options struct {
	drives    [2]string     // disk image paths by IDE index (0 master, 1 slave)
	rerror    [2]ide.Policy // -drive rerror= by IDE index (stop unless given)
	werror    [2]ide.Policy // -drive werror= by IDE index (stop unless given)
	smp       int
	memMB     int
	nographic bool
	serial    string // "", "mon:stdio", "stdio", "file:PATH", "null"
	display   string // "", "none", "curses", ...
	noReboot  bool
	interp    bool // -accel interp: no translation to host code
	bios      string
	kernel    string
	appendArg string
	initrd    string
	debugcon  string            // -debugcon destination
	chardevs  map[string]string // id -> file path
	debugcons []debugconDev     // -device isa-debugcon
	exitPort  uint16            // -device isa-debug-exit
	exitSize  int
	icount    uint64
	rtc       time.Time
	gdb       string // -gdb dev (tcp::PORT), -s = tcp::1234
	freeze    bool   // -S: do not start the CPU
	logItems  string // -d
	logFile   string // -D
	help      bool
	version   bool

	snapshot   bool     // -snapshot: disks are temporary copies, discarded at exit
	noShutdown bool     // -no-shutdown: a power-off stops the guest, the run waits to be quit
	monitor    string   // -monitor stdio: the monitor on stdin/stdout; "" none
	name       string   // -name: the window title
	gdbShort   bool     // -s: a stub on tcp::1234, or on -p's port
	gdbPort    string   // -p PORT: old qemu's port for -s
	listing    string   // -d help, -cpu help, -machine help: print this on stdout and exit 0
	notes      []string // what accepted flags do not do, printed once each on stderr at start

	loadvm      string // -loadvm FILE: start from this snapshot
	snapshotDir string // -snapshot-dir DIR: where Ctrl-A v and savevm write snapshots

	race     bool   // -race: the data-race detector
	raceLog  string // -race-log FILE: its reports go there instead of stderr
	raceRate int    // -race-rate N: mean instructions between samples (0: the default)

	schedSeed  uint64 // -sched-seed S: the schedule's seed (0: the default)
	symbols    string // -symbols FILE: the kernel ELF for reports
	stuckAfter int64  // -stuck-after T: virtual ns without progress (0: the default, -1: off)
}

// note records one line for stderr about an accepted flag, once however often it is given.
func (o *options) note(msg string) {
	for _, n := range o.notes {
		if n == msg {
			return
		}
	}
	o.notes = append(o.notes, msg)
}

// debugconDev is one -device isa-debugcon.
type debugconDev struct {
	port    uint16
	chardev string
}

// flagError is a command-line error; its text names the flag.
type flagError struct{ flag, msg string }

func (e *flagError) Error() string { return e.flag + ": " + e.msg }

// flagSpec says whether a flag takes an argument and how to apply it.
type flagSpec struct {
	arg   bool
	apply func(o *options, v string) error
}

// flagTable lists every flag gemu accepts, in qemu's spelling.
var flagTable = map[string]flagSpec{
	"drive":     {true, parseDrive},
	"hda":       {true, func(o *options, v string) error { return setDrive(o, 0, v) }},
	"hdb":       {true, func(o *options, v string) error { return setDrive(o, 1, v) }},
	"smp":       {true, parseSMP},
	"m":         {true, parseMem},
	"nographic": {false, func(o *options, v string) error { o.nographic = true; return nil }},
	"serial":    {true, parseSerial},
	"display":   {true, parseDisplay},
	"no-reboot": {false, func(o *options, v string) error { o.noReboot = true; return nil }},
	"monitor":   {true, parseMonitor},
	"accel":     {true, parseAccel},
	"net":       {true, parseNet},
	"bios":      {true, func(o *options, v string) error { o.bios = v; return nonEmpty(v) }},
	"kernel":    {true, func(o *options, v string) error { o.kernel = v; return nonEmpty(v) }},
	"append":    {true, func(o *options, v string) error { o.appendArg = v; return nil }},
	"initrd":    {true, func(o *options, v string) error { o.initrd = v; return nonEmpty(v) }},
	"debugcon":  {true, parseDebugcon},
	"chardev":   {true, parseChardev},
	"device":    {true, parseDevice},
	"icount-limit": {true, func(o *options, v string) error {
		n, err := strconv.ParseUint(v, 0, 64)
		if err != nil || n == 0 {
			return fmt.Errorf("want a positive instruction count, got %q", v)
		}
		o.icount = n
		return nil
	}},
	"rtc": {true, parseRTC},
	"gdb": {true, parseGDB},
	"s":   {false, func(o *options, v string) error { o.gdbShort = true; return nil }},
	"p":   {true, parseGDBPort},
	"S":   {false, func(o *options, v string) error { o.freeze = true; return nil }},
	"d": {true, func(o *options, v string) error {
		if v == "help" {
			o.listing = qemulog.Help()
		}
		o.logItems = v
		return nonEmpty(v)
	}},
	"D": {true, func(o *options, v string) error { o.logFile = v; return nonEmpty(v) }},
	"help": {false, func(o *options, v string) error {
		o.help = true
		return nil
	}},
	"h":       {false, func(o *options, v string) error { o.help = true; return nil }},
	"version": {false, func(o *options, v string) error { o.version = true; return nil }},

	"snapshot":    {false, func(o *options, v string) error { o.snapshot = true; return nil }},
	"no-shutdown": {false, func(o *options, v string) error { o.noShutdown = true; return nil }},
	"name":        {true, func(o *options, v string) error { o.name = v; return nil }},
	"machine":     {true, parseMachine},
	"M":           {true, parseMachine},
	"cpu":         {true, parseCPU},
	"boot":        {true, parseBoot},
	"k":           {true, noteFlag("-k: ignored: keys come from the terminal, in its own layout")},
	"vga":         {true, parseVGA},
	"enable-kvm":  {false, func(o *options, v string) error { return parseAccel(o, "kvm") }},
	"race":        {false, func(o *options, v string) error { o.race = true; return nil }},
	"race-log":    {true, func(o *options, v string) error { o.race, o.raceLog = true, v; return nonEmpty(v) }},
	"race-rate":   {true, parseRaceRate},
	"sched-seed":  {true, parseSchedSeed},
	"symbols":     {true, func(o *options, v string) error { o.symbols = v; return nonEmpty(v) }},
	"stuck-after": {true, parseStuckAfter},
	"usb":         {false, noteFlag("-usb: ignored: gemu has no USB controller (the keyboard is the PS/2 one xv6 uses)")},

	// Snapshots (snapshot.go).
	"loadvm":       {true, func(o *options, v string) error { o.loadvm = v; return nonEmpty(v) }},
	"snapshot-dir": {true, func(o *options, v string) error { o.snapshotDir = v; return nonEmpty(v) }},
}

// noteFlag is the apply function of a flag that is accepted and ignored, with a reason.
func noteFlag(msg string) func(o *options, v string) error {
	return func(o *options, v string) error { o.note(msg); return nil }
}

// usage is -help: shaped like qemu's, one option per line starting at the first column
// and the description from column 16, because Makefiles grep it (xv6's picks its gdb
// option with grep -q '^-gdb').
const usage = `Gemu, a PC emulator for xv6 with qemu-system-i386's command line
usage: gemu [options]
       gemu test [options] SCRIPT...   (golden-output tests; gemu test -h)

With no disk, kernel or BIOS option gemu boots its bundled xv6.

Standard options:
-h or -help     display this help and exit
-version        display the version and VCS revision and exit
-machine [type=]pc[,accel=A][,prop=value...]
                the machine: a pc (the only one; -machine help)
-M [type=]pc    the same as -machine
-cpu MODEL      qemu32, kvm32, 486, pentium, pentium2, pentium3, coreduo, n270,
                max or host: gemu has one 32-bit model (-cpu help: what differs)
-accel tcg|interp|kvm
                translate hot code to host code (tcg, the default) or
                interpret only; kvm falls back to tcg with a warning
-enable-kvm     the same as -accel kvm
-smp [cpus=]N[,sockets=S][,cores=C][,threads=T]
                processors, 1-8, all visible to the guest
-m [size=]SIZE  RAM in MB, or with a K, M or G suffix (default 512, at least 1)
-name NAME      the terminal window's title
-k LANGUAGE     accepted and ignored: keys come from the terminal
-usb            accepted and ignored: there is no USB controller

Block device options:
-hda FILE       IDE disk 0, the boot disk (written through to the file)
-hdb FILE       IDE disk 1, xv6's file system
-drive file=FILE[,index=0|1][,media=disk][,format=raw][,if=ide][,cache=...]
      [,werror=stop|report|enospc|ignore][,rerror=stop|report|ignore]
                an IDE disk; a failed host write (read) stops the machine with a
                message and exit status 1 unless werror (rerror) says otherwise:
                report gives the guest an I/O error, enospc stops only when the
                host is out of space
-snapshot       write to temporary copies of the disk images, discarded at exit
-loadvm FILE    start from a snapshot (saved with Ctrl-A v, the monitor's savevm
                or a gemu test script's save; docs/snapshots.md)
-snapshot-dir DIR
                where Ctrl-A v and savevm write snapshots (default: .)
-boot [order=]c[,menu=on|off][,...]
                boot from the hard disk (the only boot device)

Display options:
-display none|curses|default
                none: no screen; else the terminal shows the VGA text screen
-nographic      no screen: the serial console is on stdin/stdout (Ctrl-A h)
-vga std|cirrus the VGA card (its text mode is all xv6 uses: both are the same)

Character device options:
-serial mon:stdio|stdio|file:PATH|null
                where COM1 goes
-monitor stdio|none
                the monitor on stdin/stdout (with -display none, COM1
                elsewhere); with -nographic, Ctrl-A c opens it on the console
-net none       there are no network cards: only none is accepted
-chardev file,id=ID,path=FILE
                a file for -device isa-debugcon
-device isa-debugcon,iobase=PORT,chardev=ID
                bytes written to PORT go to the chardev
-device isa-debug-exit[,iobase=0xf4][,iosize=0x4]
                a write of V to the port exits with status (V<<1)|1
-debugcon stdio|file:PATH|null
                port 0xe9 to a destination

Boot options:
-bios FILE      run a ROM image (64-256 KB) from the 386 reset vector
-kernel FILE    boot a multiboot kernel
-append CMDLINE the multiboot kernel's command line
-initrd "FILE1 [ARGS],FILE2"
                multiboot modules
-no-reboot      exit instead of rebooting when the guest resets
-no-shutdown    when the guest powers off (or resets under -no-reboot), stop and
                wait for Ctrl-A x (q on the screen) instead of exiting
-rtc base=utc|localtime|YYYY-MM-DDTHH:MM:SS
                the RTC's start time

Debug options:
-gdb dev        accept a gdb connection on dev: tcp::PORT or tcp:HOST:PORT
-s              shorthand for -gdb tcp::1234
-p PORT         with -s: the port instead of 1234 (old qemu's spelling)
-S              do not start the CPU until gdb says so
-d item1,...    log the items (-d help lists them)
-D logfile      the -d log goes to logfile instead of stderr
-icount-limit N stop after N instructions (exit status 4)

Concurrency options (docs/concurrency.md):
-race           report data races between CPUs (sampled: finds races that occur)
-race-log FILE  race reports go to FILE instead of stderr (implies -race)
-race-rate N    mean instructions between samples, per CPU (default 50000)
-sched-seed S   seed of the CPUs' schedule (default 1); replays an interleaving
-stuck-after T  report a guest making no progress for T, virtual (default 5s)
-symbols FILE   the kernel ELF for reports (default: xv6's kernel beside -hda)

Exit status: 0 power-off or Ctrl-A x, (v<<1)|1 isa-debug-exit, 1 bad input,
2 triple fault, 3 every CPU halted for good, 4 instruction limit.
`

// parseArgs parses a qemu-style command line (flags are single- or double-dash words;
// options inside a value are comma-separated).
func parseArgs(args []string) (*options, error) {
	o := &options{chardevs: map[string]string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			return nil, &flagError{a, "unexpected argument (gemu takes only options)"}
		}
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		spec, ok := flagTable[name]
		if !ok {
			return nil, &flagError{a, "unknown option"}
		}
		v := ""
		if spec.arg {
			if i+1 >= len(args) {
				return nil, &flagError{a, "requires an argument"}
			}
			i++
			v = args[i]
		}
		if err := spec.apply(o, v); err != nil {
			return nil, &flagError{strings.TrimSpace(a + " " + v), err.Error()}
		}
	}
	if o.gdbPort != "" && !o.gdbShort {
		return nil, &flagError{"-p " + o.gdbPort, "sets the port of -s (old qemu); use -gdb tcp::" + o.gdbPort}
	}
	if o.gdbShort && o.gdb == "" {
		o.gdb = "tcp::1234"
		if o.gdbPort != "" {
			o.gdb = "tcp::" + o.gdbPort
		}
	}
	return o, nil
}

func nonEmpty(v string) error {
	if v == "" {
		return fmt.Errorf("empty value")
	}
	return nil
}

// splitOpts splits "a,b=c,d=e" into the first word and a key=value list; ",," is a
// literal comma, as in qemu.
func splitOpts(v string) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == ',' {
			if i+1 < len(v) && v[i+1] == ',' {
				cur.WriteByte(',')
				i++
				continue
			}
			parts = append(parts, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(v[i])
	}
	return append(parts, cur.String())
}

// keyValues parses key=value options; a bare word is returned as first when allowed.
func keyValues(v string, bareFirst bool) (first string, kv map[string]string, order []string, err error) {
	kv = map[string]string{}
	for i, p := range splitOpts(v) {
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			if i == 0 && bareFirst {
				first = p
				continue
			}
			return "", nil, nil, fmt.Errorf("malformed option %q (want key=value)", p)
		}
		if _, dup := kv[k]; dup {
			return "", nil, nil, fmt.Errorf("option %q given twice", k)
		}
		kv[k] = val
		order = append(order, k)
	}
	return first, kv, order, nil
}

func setDrive(o *options, idx int, file string) error {
	if file == "" {
		return fmt.Errorf("empty file name")
	}
	if o.drives[idx] != "" {
		return fmt.Errorf("drive index %d given twice", idx)
	}
	o.drives[idx] = file
	return nil
}

func parseDrive(o *options, v string) error {
	_, kv, order, err := keyValues(v, false)
	if err != nil {
		return err
	}
	idx := -1
	for _, k := range order {
		val := kv[k]
		switch k {
		case "file":
		case "index":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 || n > 1 {
				return fmt.Errorf("index=%s: only IDE disks 0 and 1 (the primary channel) exist", val)
			}
			idx = n
		case "media":
			if val != "disk" {
				return fmt.Errorf("media=%s: only media=disk is supported", val)
			}
		case "format":
			if val != "raw" {
				return fmt.Errorf("format=%s: only format=raw is supported", val)
			}
		case "if":
			if val != "ide" {
				return fmt.Errorf("if=%s: only if=ide is supported", val)
			}
		case "werror", "rerror":
			if _, err := ide.ParsePolicy(val); err != nil {
				return fmt.Errorf("%s=%w", k, err)
			}
		case "cache", "aio", "discard":
			// Host caching policies: writes always go straight to the file.
		default:
			return fmt.Errorf("unknown drive option %q", k)
		}
	}
	file, ok := kv["file"]
	if !ok || file == "" {
		return fmt.Errorf("missing file=")
	}
	if idx < 0 {
		switch {
		case o.drives[0] == "":
			idx = 0
		case o.drives[1] == "":
			idx = 1
		default:
			return fmt.Errorf("no free IDE index (only 0 and 1)")
		}
	}
	if err := setDrive(o, idx, file); err != nil {
		return err
	}
	// A failed host read or write stops the machine unless werror/rerror say otherwise.
	o.rerror[idx], _ = ide.ParsePolicy(cmp.Or(kv["rerror"], "stop"))
	o.werror[idx], _ = ide.ParsePolicy(cmp.Or(kv["werror"], "stop"))
	return nil
}

func parseSMP(o *options, v string) error {
	first, kv, order, err := keyValues(v, true)
	if err != nil {
		return err
	}
	n := 0
	if first != "" {
		if n, err = strconv.Atoi(first); err != nil {
			return fmt.Errorf("%q is not a number of CPUs", first)
		}
	}
	topo := 1
	haveTopo := false
	for _, k := range order {
		x, err := strconv.Atoi(kv[k])
		if err != nil || x < 1 {
			return fmt.Errorf("%s=%s: want a positive number", k, kv[k])
		}
		switch k {
		case "cpus":
			n = x
		case "sockets", "cores", "threads", "dies", "clusters":
			topo *= x
			haveTopo = true
		case "maxcpus":
		default:
			return fmt.Errorf("unknown smp option %q", k)
		}
	}
	if n == 0 && haveTopo {
		n = topo
	}
	if haveTopo && topo != n {
		return fmt.Errorf("topology gives %d CPUs, not %d", topo, n)
	}
	if n < 1 || n > 8 {
		return fmt.Errorf("%d CPUs: gemu runs 1 to 8", n)
	}
	o.smp = n
	return nil
}

func parseMem(o *options, v string) error {
	s := strings.TrimPrefix(v, "size=")
	mult := int64(1 << 20)
	if s != "" {
		switch s[len(s)-1] {
		case 'k', 'K':
			mult, s = 1<<10, s[:len(s)-1]
		case 'm', 'M':
			s = s[:len(s)-1]
		case 'g', 'G':
			mult, s = 1<<30, s[:len(s)-1]
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("%q is not a memory size", v)
	}
	if n > 1<<40/mult {
		return fmt.Errorf("%s is too large (at most 3584 MB)", v)
	}
	bytes := n * mult
	if bytes%(1<<20) != 0 {
		return fmt.Errorf("%s is not a whole number of MB", v)
	}
	mb := int(bytes >> 20)
	if mb < pc.MinMemoryMB {
		return fmt.Errorf("%s is too small (at least %d MB)", v, pc.MinMemoryMB)
	}
	if mb > 3584 {
		return fmt.Errorf("%d MB is too large (at most 3584 MB)", mb)
	}
	o.memMB = mb
	return nil
}

func parseSerial(o *options, v string) error {
	if o.serial != "" {
		return fmt.Errorf("only one serial port (COM1)")
	}
	switch {
	case v == "mon:stdio", v == "stdio", v == "null", v == "none":
	case strings.HasPrefix(v, "file:") && len(v) > 5:
	default:
		return fmt.Errorf("unsupported serial backend %q (mon:stdio, stdio, file:PATH, null)", v)
	}
	o.serial = v
	return nil
}

func parseDisplay(o *options, v string) error {
	kind, _, _ := strings.Cut(v, ",")
	switch kind {
	case "none", "curses", "default", "gtk", "sdl":
	default:
		return fmt.Errorf("unsupported display %q", v)
	}
	o.display = kind
	return nil
}

// parseAccel takes qemu's -accel tcg (what gemu does by default: translate hot code),
// -accel interp (interpret every instruction, for comparing the two) and -accel kvm, which
// falls back to tcg with one warning line, as qemu does on a host without KVM.
func parseAccel(o *options, v string) error {
	kind, _, _ := strings.Cut(v, ",")
	switch kind {
	case "tcg":
		o.interp = false
	case "interp":
		o.interp = true
	case "kvm":
		o.interp = false
		o.note("-accel kvm: gemu does not use KVM; falling back to tcg (its own translator)")
	default:
		return fmt.Errorf("unsupported accelerator %q (want tcg, interp or kvm)", v)
	}
	return nil
}

// parseGDB takes -gdb tcp::PORT or tcp:HOST:PORT (checked in full by checkDebugOptions);
// -gdb none turns the stub off.
func parseGDB(o *options, v string) error {
	if v == "none" {
		o.gdb, o.gdbShort = "", false
		return nil
	}
	scheme, _, _ := strings.Cut(v, ":")
	switch scheme {
	case "udp", "unix", "telnet", "websocket", "stdio", "pipe", "file", "pty", "vc", "null",
		"serial", "tty", "parallel", "chardev", "mon", "ringbuf", "memory":
		return fmt.Errorf("only tcp is supported (tcp::PORT or tcp:HOST:PORT)")
	}
	o.gdb = v
	return nonEmpty(v)
}

// parseGDBPort takes old qemu's -p PORT, the port -s listens on.
func parseGDBPort(o *options, v string) error {
	if n, err := strconv.ParseUint(v, 10, 16); err != nil || n == 0 {
		return fmt.Errorf("want a TCP port number, got %q", v)
	}
	o.gdbPort = v
	return nil
}

// machineHelp is -machine help.
const machineHelp = `Supported machines are:
pc                   Standard PC (i440FX + PIIX, 1996) (default)
pc-i440fx-*          the same (qemu's versioned names)
`

// machineProps are -machine properties that change nothing gemu's pc does.
var machineProps = map[string]bool{
	"usb": true, "vmport": true, "dump-guest-core": true, "mem-merge": true, "kernel_irqchip": true,
	"kernel-irqchip": true, "smm": true, "hpet": true, "acpi": true, "graphics": true,
}

// parseMachine takes -machine/-M pc (or qemu's versioned i440FX names); its accel=A[:B...]
// takes the first accelerator gemu has, as qemu tries them in turn.
func parseMachine(o *options, v string) error {
	typ, kv, order, err := keyValues(v, true)
	if err != nil {
		return err
	}
	if t, ok := kv["type"]; ok {
		typ = t
	}
	switch {
	case typ == "help":
		o.listing = machineHelp
		return nil
	case typ == "pc", typ == "", strings.HasPrefix(typ, "pc-i440fx-"):
	default:
		return fmt.Errorf("unsupported machine %q (gemu is a pc, the i440FX one: -M pc)", typ)
	}
	for _, k := range order {
		switch {
		case k == "type":
		case k == "accel":
			alts := strings.Split(kv[k], ":")
			for i, a := range alts {
				if a == "kvm" && i+1 < len(alts) {
					continue // qemu tries the next one
				}
				if err := parseAccel(o, a); err != nil {
					return fmt.Errorf("accel=%s: %w", kv[k], err)
				}
				break
			}
		case machineProps[k]:
		default:
			return fmt.Errorf("unknown machine property %q", k)
		}
	}
	return nil
}

// cpuModels are the -cpu models gemu takes, with what the guest sees differently (empty:
// nothing). gemu has one model: CPUID says GenuineIntel family 6 model 3 stepping 3, as
// qemu32, and lists only the features gemu emulates.
var cpuModels = map[string]string{
	"qemu32":   "", // the model gemu has
	"kvm32":    "family 6 model 3 (qemu32's), not kvm32's family 15",
	"486":      "a family 6 CPU (qemu32's) with CPUID and the P6 instructions, not a 486",
	"pentium":  "a family 6 CPU (qemu32's) with the P6 instructions (cmov), not a Pentium",
	"pentium2": "family 6 model 3 (qemu32's), not the Pentium II's model 5",
	"pentium3": "family 6 model 3 (qemu32's), not the Pentium III's model 7, and no SSE",
	"coreduo":  "family 6 model 3 (qemu32's), not the Core Duo's model 14, and no SSE",
	"n270":     "family 6 model 3 (qemu32's), not the Atom N270's model 28, and no SSE",
	"max":      "a 32-bit family 6 CPU (qemu32's) with only the features gemu emulates",
	"host":     "a 32-bit family 6 CPU (qemu32's), not the host's",
	"base":     "",
}

// parseCPU takes the -cpu models in cpuModels; feature settings (+f, -f, f=on) are
// accepted and ignored, with a note.
func parseCPU(o *options, v string) error {
	parts := splitOpts(v)
	model := parts[0]
	if model == "help" {
		var b strings.Builder
		b.WriteString("Available CPUs (gemu has one model, family 6 model 3 as qemu32; the others name it):\n")
		for _, m := range []string{"qemu32", "kvm32", "486", "pentium", "pentium2", "pentium3", "coreduo", "n270", "max", "host", "base"} {
			diff := cpuModels[m]
			if diff == "" {
				diff = "the same"
			}
			fmt.Fprintf(&b, "  %-10s %s\n", m, diff)
		}
		o.listing = b.String()
		return nil
	}
	diff, ok := cpuModels[model]
	if !ok {
		return fmt.Errorf("unsupported CPU model %q (-cpu help lists the ones gemu takes)", model)
	}
	if diff != "" {
		o.note("-cpu " + model + ": the guest sees " + diff)
	}
	if len(parts) > 1 {
		o.note("-cpu " + v + ": feature settings are ignored (CPUID lists what gemu emulates)")
	}
	return nil
}

// parseBoot takes -boot when the hard disk (c) is among the boot devices: gemu boots disk 0
// (or -kernel, -bios) and has no floppy, CD or network boot to try first.
func parseBoot(o *options, v string) error {
	first, kv, order, err := keyValues(v, true)
	if err != nil {
		return err
	}
	check := func(drives string) error {
		if strings.Trim(drives, "abcdnp") != "" {
			return fmt.Errorf("unknown boot device in %q (a, b, c, d, n)", drives)
		}
		if !strings.Contains(drives, "c") {
			return fmt.Errorf("gemu boots only the hard disk (c); it has no floppy, CD or network boot")
		}
		return nil
	}
	if first != "" {
		if err := check(first); err != nil {
			return err
		}
	}
	for _, k := range order {
		switch k {
		case "order", "once":
			if err := check(kv[k]); err != nil {
				return err
			}
		case "menu":
			if kv[k] == "on" {
				o.note("-boot menu=on: ignored: gemu boots disk 0 directly, with no BIOS menu")
			}
		case "splash", "splash-time", "reboot-timeout", "strict":
		default:
			return fmt.Errorf("unknown boot option %q", k)
		}
	}
	return nil
}

// parseVGA takes the VGA cards whose text mode, all xv6 uses, is gemu's.
func parseVGA(o *options, v string) error {
	if v != "std" && v != "cirrus" {
		return fmt.Errorf("unsupported VGA card %q (std or cirrus, whose text mode gemu has)", v)
	}
	return nil
}

func parseMonitor(o *options, v string) error {
	switch v {
	case "none", "null":
		o.monitor = ""
	case "stdio":
		o.monitor = v
	default:
		return fmt.Errorf("unsupported monitor %q (stdio or none; with -nographic, Ctrl-A c opens it)", v)
	}
	return nil
}

func parseNet(o *options, v string) error {
	if v != "none" {
		return fmt.Errorf("no network devices; only -net none")
	}
	return nil
}

func parseDebugcon(o *options, v string) error {
	if v != "stdio" && v != "null" && v != "none" && !(strings.HasPrefix(v, "file:") && len(v) > 5) {
		return fmt.Errorf("unsupported destination %q (stdio, file:PATH, null)", v)
	}
	o.debugcon = v
	return nil
}

func parseChardev(o *options, v string) error {
	kind, kv, order, err := keyValues(v, true)
	if err != nil {
		return err
	}
	if kind != "file" {
		return fmt.Errorf("unsupported chardev backend %q (only file)", kind)
	}
	for _, k := range order {
		if k != "id" && k != "path" {
			return fmt.Errorf("unknown chardev option %q", k)
		}
	}
	if kv["id"] == "" || kv["path"] == "" {
		return fmt.Errorf("needs id= and path=")
	}
	if _, dup := o.chardevs[kv["id"]]; dup {
		return fmt.Errorf("chardev id %q given twice", kv["id"])
	}
	o.chardevs[kv["id"]] = kv["path"]
	return nil
}

func parsePort(k, v string) (uint16, error) {
	n, err := strconv.ParseUint(v, 0, 16)
	if err != nil {
		return 0, fmt.Errorf("%s=%s: want a port number", k, v)
	}
	return uint16(n), nil
}

func parseDevice(o *options, v string) error {
	kind, kv, order, err := keyValues(v, true)
	if err != nil {
		return err
	}
	switch kind {
	case "isa-debugcon":
		d := debugconDev{port: 0xE9}
		for _, k := range order {
			switch k {
			case "iobase":
				if d.port, err = parsePort(k, kv[k]); err != nil {
					return err
				}
			case "chardev":
				d.chardev = kv[k]
			case "readback":
			default:
				return fmt.Errorf("unknown isa-debugcon option %q", k)
			}
		}
		if d.chardev == "" {
			return fmt.Errorf("isa-debugcon needs chardev=")
		}
		o.debugcons = append(o.debugcons, d)
	case "isa-debug-exit":
		if o.exitPort != 0 {
			return fmt.Errorf("only one isa-debug-exit")
		}
		o.exitPort, o.exitSize = 0x501, 2
		for _, k := range order {
			switch k {
			case "iobase":
				if o.exitPort, err = parsePort(k, kv[k]); err != nil {
					return err
				}
			case "iosize":
				n, err := strconv.ParseUint(kv[k], 0, 8)
				if err != nil || (n != 1 && n != 2 && n != 4) {
					return fmt.Errorf("iosize=%s: want 1, 2 or 4", kv[k])
				}
				o.exitSize = int(n)
			default:
				return fmt.Errorf("unknown isa-debug-exit option %q", k)
			}
		}
		if o.exitPort == 0 {
			return fmt.Errorf("iobase=0 is not allowed")
		}
		if last := uint32(o.exitPort) + uint32(o.exitSize) - 1; last > 0xFFFF {
			return fmt.Errorf("isa-debug-exit: iobase=%#x,iosize=%d ends at port %#x, past the last I/O port 0xffff", o.exitPort, o.exitSize, last)
		}
	default:
		return fmt.Errorf("unsupported device %q (isa-debugcon, isa-debug-exit)", kind)
	}
	return nil
}

func parseRTC(o *options, v string) error {
	_, kv, order, err := keyValues(v, false)
	if err != nil {
		return err
	}
	for _, k := range order {
		val := kv[k]
		switch k {
		case "base":
			switch val {
			case "utc":
				o.rtc = time.Now().UTC()
			case "localtime":
				t := time.Now()
				_, off := t.Zone()
				o.rtc = t.UTC().Add(time.Duration(off) * time.Second)
			default:
				t, err := time.Parse("2006-01-02T15:04:05", val)
				if err != nil {
					if t, err = time.Parse("2006-01-02", val); err != nil {
						return fmt.Errorf("base=%s: want utc, localtime or YYYY-MM-DDTHH:MM:SS", val)
					}
				}
				o.rtc = t
			}
		case "clock", "driftfix":
		default:
			return fmt.Errorf("unknown rtc option %q", k)
		}
	}
	return nil
}
