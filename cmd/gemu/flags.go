package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// options is a parsed command line.
type options struct {
	drives    [2]string // disk image paths by IDE index (0 master, 1 slave)
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
	"gdb": {true, func(o *options, v string) error { o.gdb = v; return nonEmpty(v) }},
	"s":   {false, func(o *options, v string) error { o.gdb = "tcp::1234"; return nil }},
	"S":   {false, func(o *options, v string) error { o.freeze = true; return nil }},
	"d":   {true, func(o *options, v string) error { o.logItems = v; return nonEmpty(v) }},
	"D":   {true, func(o *options, v string) error { o.logFile = v; return nonEmpty(v) }},
	"help": {false, func(o *options, v string) error {
		o.help = true
		return nil
	}},
	"h":       {false, func(o *options, v string) error { o.help = true; return nil }},
	"version": {false, func(o *options, v string) error { o.version = true; return nil }},
}

const usage = `usage: gemu [options]
With no disk, kernel or BIOS option gemu boots its bundled xv6.
  -drive file=F,index=N,media=disk,format=raw   IDE disk N (0 boot disk, 1 file system)
  -hda F / -hdb F        the same for index 0 / 1
  -smp N[,sockets=S,cores=C,threads=T]           processors (1-8)
  -m SIZE                RAM in MB, or with a K, M or G suffix (default 512, at least 16)
  -nographic             no screen: the serial console is on stdin/stdout (Ctrl-A h for help)
  -serial mon:stdio|stdio|file:PATH|null
  -display none          no screen
  -no-reboot             exit when the guest resets
  -accel tcg|interp      translate hot code to host code (default), or interpret only
  -bios FILE             run a ROM image (64-256 KB) from the reset vector
  -kernel FILE           boot a multiboot kernel; -append CMDLINE, -initrd F1[ ARGS],F2
  -debugcon DEST         port 0xe9 to DEST (stdio, file:PATH, null)
  -chardev file,id=ID,path=F  and  -device isa-debugcon,iobase=P,chardev=ID
  -device isa-debug-exit,iobase=0xf4,iosize=0x4   exit with status (value<<1)|1
  -icount-limit N        stop after N instructions (exit status 4)
  -rtc base=utc|localtime|YYYY-MM-DDTHH:MM:SS     the RTC's start time
  -gdb tcp::PORT, -s, -S  GDB stub (-s = tcp::1234; -S waits for the debugger)
  -d ITEMS, -D FILE      qemu-style logs
  -monitor none, -net none   accepted and ignored
Exit status: 0 power-off or Ctrl-A x, (v<<1)|1 isa-debug-exit, 1 bad input, 2 triple fault,
3 every CPU halted for good, 4 instruction limit.
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
			return nil, &flagError{a + " " + v, err.Error()}
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
		case "cache", "aio", "discard", "werror", "rerror":
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
	return setDrive(o, idx, file)
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
	if mb < 16 {
		return fmt.Errorf("%d MB is too small (at least 16 MB)", mb)
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

// parseAccel takes qemu's -accel tcg (what gemu does by default: translate hot code) and
// -accel interp (interpret every instruction, for comparing the two).
func parseAccel(o *options, v string) error {
	kind, _, _ := strings.Cut(v, ",")
	switch kind {
	case "tcg":
		o.interp = false
	case "interp":
		o.interp = true
	default:
		return fmt.Errorf("unsupported accelerator %q (want tcg or interp)", v)
	}
	return nil
}

func parseMonitor(o *options, v string) error {
	if v != "none" && v != "null" {
		return fmt.Errorf("no monitor is available; only -monitor none")
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
