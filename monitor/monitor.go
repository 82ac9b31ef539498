// Package monitor is a qemu-style monitor: a line-oriented command interpreter that
// inspects and controls a stopped machine (info registers, info cpus, info mem, info tlb,
// x and xp, stop and cont, system_reset, quit), with qemu's output formats where scripts
// parse them. It runs commands only; the front end decides where lines come from and
// makes sure the machine is not running while a command looks at it.
package monitor

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"gemu/gdbstub"
	"gemu/qemulog"
	"gemu/x86"
)

// Prompt is the monitor's prompt, qemu's, since scripts wait for it.
const Prompt = "(qemu) "

// Machine is what the monitor inspects and controls. Its methods are called only while
// the machine is not running.
type Machine interface {
	CPUs() []*x86.CPU
	RAM() []byte // guest physical memory from address 0
	Reset()      // a warm reset, as the guest's own reset
}

// Snapshots is what a Machine that can save and restore its whole state adds: the
// savevm and loadvm commands. name is the snapshot's name as the user typed it.
type Snapshots interface {
	SaveVM(name string) (string, error) // returns a line saying where the snapshot went
	LoadVM(name string) error
}

// StuckReporter is a Machine that can describe itself as a stuck guest (info stuck).
type StuckReporter interface {
	StuckText() string
}

// Monitor interprets commands for one machine.
type Monitor struct {
	m       Machine
	cpu     int  // the selected CPU (the cpu command)
	stopped bool // stop was given and no cont since
	last    dumpFormat
}

// dumpFormat is the /FMT of x and xp: count, format letter and unit size; qemu remembers
// the last format and size.
type dumpFormat struct {
	count  int
	format byte // x, d, u, o or c
	size   int  // 1, 2, 4 or 8 bytes
}

// New returns a monitor for m with CPU 0 selected.
func New(m Machine) *Monitor {
	return &Monitor{m: m, last: dumpFormat{count: 1, format: 'x', size: 4}}
}

// Stopped reports whether the guest should stay stopped (stop without cont).
func (mon *Monitor) Stopped() bool { return mon.stopped }

// help lists the commands.
const help = `cont|c -- resume the guest after stop
cpu index -- select the CPU that info registers, info mem, info tlb and x use
help|? -- this list
info cpus -- every CPU's pc (* marks the selected one)
info mem -- the selected CPU's page mappings, as ranges
info registers [-a] -- the selected CPU's registers (-a: every CPU's)
info stuck -- every CPU's backtrace and xv6's processes, as a stuck-guest report
info tlb -- the selected CPU's page mappings, page by page
loadvm name -- restore the machine from snapshot name
quit|q -- quit gemu
savevm name -- save the machine's whole state as snapshot name
stop -- stop the guest (time stops too)
system_reset -- reset the machine
x /fmt addr -- virtual memory dump starting at addr (fmt: count, x|d|u|o|c, b|h|w|g)
xp /fmt addr -- physical memory dump starting at addr
`

// Exec runs one command line and returns its output; quit reports the quit command.
// Errors are part of the output, as qemu prints them.
func (mon *Monitor) Exec(line string) (out string, quit bool) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return "", false
	}
	cmd, args := f[0], f[1:]
	if i := strings.IndexByte(cmd, '/'); i > 0 { // x/4wx written without a space
		args = append([]string{cmd[i:]}, args...)
		cmd = cmd[:i]
	}
	switch cmd {
	case "help", "?", "h":
		return help, false
	case "quit", "q":
		return "", true
	case "stop":
		mon.stopped = true
		return "", false
	case "cont", "c":
		mon.stopped = false
		return "", false
	case "system_reset":
		mon.m.Reset()
		return "", false
	case "cpu":
		if len(args) != 1 {
			return "cpu: want a CPU index\n", false
		}
		n, err := strconv.Atoi(args[0])
		if err != nil || n < 0 || n >= len(mon.m.CPUs()) {
			return fmt.Sprintf("invalid CPU index %s\n", args[0]), false
		}
		mon.cpu = n
		return "", false
	case "info", "i":
		return mon.info(args), false
	case "x", "xp":
		return mon.dump(cmd == "xp", args), false
	case "savevm", "loadvm":
		return mon.snapshot(cmd, args), false
	}
	return fmt.Sprintf("unknown command: '%s'\n", cmd), false
}

// snapshot runs savevm and loadvm.
func (mon *Monitor) snapshot(cmd string, args []string) string {
	sn, ok := mon.m.(Snapshots)
	if !ok {
		return cmd + ": this machine has no snapshots\n"
	}
	if len(args) != 1 {
		return cmd + ": want a snapshot name\n"
	}
	if cmd == "savevm" {
		line, err := sn.SaveVM(args[0])
		if err != nil {
			return fmt.Sprintf("savevm: %v\n", err)
		}
		return line + "\n"
	}
	if err := sn.LoadVM(args[0]); err != nil {
		return fmt.Sprintf("loadvm: %v\n", err)
	}
	return ""
}

// info runs the info subcommands.
func (mon *Monitor) info(args []string) string {
	if len(args) == 0 {
		return "info: want cpus, mem, registers, stuck or tlb\n"
	}
	cpus := mon.m.CPUs()
	c := cpus[mon.cpu]
	switch args[0] {
	case "registers", "reg", "r":
		var b strings.Builder
		for i, cpu := range cpus {
			all := len(args) > 1 && args[1] == "-a"
			if i != mon.cpu && !all {
				continue
			}
			if all && b.Len() > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "CPU#%d\n", i)
			qemulog.DumpCPU(&b, cpu)
		}
		return b.String()
	case "cpus":
		return gdbstub.InfoCPUs(cpus, mon.cpu)
	case "mem":
		return gdbstub.InfoMem(mon.m.RAM(), c)
	case "tlb":
		return infoTLB(mon.m.RAM(), c)
	case "stuck":
		if r, ok := mon.m.(StuckReporter); ok {
			return r.StuckText()
		}
		return "info stuck: this machine cannot describe itself\n"
	}
	return fmt.Sprintf("info %s: unknown (want cpus, mem, registers, stuck or tlb)\n", args[0])
}

// Page-table entry bits.
const (
	ptePresent  = 1 << 0
	pteWrite    = 1 << 1
	pteUser     = 1 << 2
	ptePWT      = 1 << 3
	ptePCD      = 1 << 4
	pteAccessed = 1 << 5
	pteDirty    = 1 << 6
	ptePS       = 1 << 7
	pteGlobal   = 1 << 8
)

// infoTLB lists every mapped page of a CPU's two-level page tables as qemu's info tlb
// does: linear address, physical address (both 16 hex digits), then the page entry's own
// flags X (no-execute, never set without PAE), G, P (a 4 MB page), D, A, C (cache
// disabled), T (write-through), U and W, or - for each one clear.
func infoTLB(ram []byte, c *x86.CPU) string {
	if c.CR0&(1<<31) == 0 {
		return "PG disabled\n"
	}
	read := func(pa uint32) (uint32, bool) {
		if uint64(pa)+4 > uint64(len(ram)) {
			return 0, false
		}
		return binary.LittleEndian.Uint32(ram[pa:]), true
	}
	var b strings.Builder
	line := func(linear, phys uint64, pte uint32) {
		flags := []byte("-GPDACTUW")
		for i, bit := range []uint32{0, pteGlobal, ptePS, pteDirty, pteAccessed, ptePCD, ptePWT, pteUser, pteWrite} {
			if bit == 0 || pte&bit == 0 {
				flags[i] = '-'
			}
		}
		fmt.Fprintf(&b, "%016x: %016x %s\n", linear, phys, flags)
	}
	pd := c.CR3 &^ 0xfff
	for i := uint32(0); i < 1024; i++ {
		pde, ok := read(pd + 4*i)
		if !ok || pde&ptePresent == 0 {
			continue
		}
		if pde&ptePS != 0 && c.CR4&(1<<4) != 0 {
			line(uint64(i)<<22, uint64(pde&0xffc00000), pde)
			continue
		}
		pt := pde &^ 0xfff
		for j := uint32(0); j < 1024; j++ {
			pte, ok := read(pt + 4*j)
			if !ok || pte&ptePresent == 0 {
				continue
			}
			line(uint64(i)<<22|uint64(j)<<12, uint64(pte&^0xfff), pte&^ptePS) // bit 7 of a PTE is PAT
		}
	}
	return b.String()
}

// parseFormat reads x's /FMT: an optional count, then format and size letters in any order.
func (mon *Monitor) parseFormat(s string) (dumpFormat, error) {
	f := mon.last
	f.count = 1
	s = strings.TrimPrefix(s, "/")
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n <= 0 {
			return f, fmt.Errorf("invalid count %q", s[:i])
		}
		f.count = n
	}
	for _, ch := range []byte(s[i:]) {
		switch ch {
		case 'x', 'd', 'u', 'o', 'c':
			f.format = ch
		case 'b':
			f.size = 1
		case 'h':
			f.size = 2
		case 'w':
			f.size = 4
		case 'g':
			f.size = 8
		case 'i', 's':
			return f, fmt.Errorf("format %c is not supported (x, d, u, o, c)", ch)
		default:
			return f, fmt.Errorf("invalid char in format: '%c'", ch)
		}
	}
	return f, nil
}

// maxDump bounds one x or xp, so a mistyped count cannot flood the console.
const maxDump = 1 << 16

// dump is x (virtual, through the selected CPU's page tables) and xp (physical).
func (mon *Monitor) dump(physical bool, args []string) string {
	f := mon.last
	f.count = 1
	if len(args) > 0 && strings.HasPrefix(args[0], "/") {
		var err error
		if f, err = mon.parseFormat(args[0]); err != nil {
			return err.Error() + "\n"
		}
		args = args[1:]
	}
	if len(args) != 1 {
		return "x: want /fmt and an address\n"
	}
	addr, err := strconv.ParseUint(args[0], 0, 64)
	if err != nil || (!physical && addr > 0xffffffff) {
		return fmt.Sprintf("invalid address %q\n", args[0])
	}
	mon.last = f
	size := f.size
	lineBytes := 16
	if size == 1 {
		lineBytes = 8
	}
	total := f.count * size
	if f.format == 'c' {
		size = 1 // characters are bytes; the count was of units of the remembered size
	}
	if total > maxDump {
		return fmt.Sprintf("at most %d bytes at a time\n", maxDump)
	}
	c := mon.m.CPUs()[mon.cpu]
	ram := mon.m.RAM()
	var b strings.Builder
	for total > 0 {
		n := min(total, lineBytes)
		if physical {
			fmt.Fprintf(&b, "%016x:", addr)
		} else {
			fmt.Fprintf(&b, "%08x:", addr)
		}
		buf := make([]byte, n)
		var rerr error
		if physical {
			if addr+uint64(n) > uint64(len(ram)) {
				rerr = fmt.Errorf("beyond RAM")
			} else {
				copy(buf, ram[addr:])
			}
		} else {
			rerr = c.ReadLinear(uint32(addr), buf)
		}
		if rerr != nil {
			b.WriteString(" Cannot access memory\n")
			break
		}
		for i := 0; i+size <= n; i += size {
			b.WriteString(" ")
			b.WriteString(formatUnit(buf[i:i+size], f.format))
		}
		b.WriteString("\n")
		addr += uint64(n)
		total -= n
	}
	return b.String()
}

// formatUnit formats one little-endian unit of 1, 2, 4 or 8 bytes as x's format letter
// says, padded as qemu pads it.
func formatUnit(p []byte, format byte) string {
	var v uint64
	for i := len(p) - 1; i >= 0; i-- {
		v = v<<8 | uint64(p[i])
	}
	bits := 8 * len(p)
	switch format {
	case 'c':
		return charLiteral(p[0])
	case 'o':
		return fmt.Sprintf("%#*o", (bits+2)/3, v)
	case 'u':
		return fmt.Sprintf("%*d", (bits*10+32)/33, v)
	case 'd':
		s := int64(v<<(64-bits)) >> (64 - bits) // sign-extend
		return fmt.Sprintf("%*d", (bits*10+32)/33, s)
	}
	return fmt.Sprintf("0x%0*x", bits/4, v)
}

// charLiteral shows a byte as the monitor's c format does: printable ASCII quoted as it
// is, a quote or backslash escaped, \n and \r spelled out, the rest as '\xNN'.
func charLiteral(c byte) string {
	switch {
	case c == '\\' || c == '\'':
		return `'\` + string(c) + `'`
	case c == '\n':
		return `'\n'`
	case c == '\r':
		return `'\r'`
	case c >= 32 && c < 127:
		return "'" + string(c) + "'"
	}
	return fmt.Sprintf(`'\x%02x'`, c)
}
