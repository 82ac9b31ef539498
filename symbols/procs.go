package symbols

import (
	"debug/dwarf"
	"fmt"
	"strings"
	"text/tabwriter"
)

// maxFrames bounds the stack walked for each process.
const maxFrames = 16

// maxKstack bounds how far above a process's kstack its frames may be. xv6's kernel
// stacks are one page; the bound leaves room for kernels that enlarge them, and keeps
// a walk through a damaged stack from wandering over the rest of memory.
const maxKstack = 16 << 10

// stackReader limits read32 to the words of the kernel stack at kstack (when known).
func stackReader(read32 func(uint32) (uint32, bool), kstack uint32) func(uint32) (uint32, bool) {
	if kstack == 0 {
		return read32
	}
	return func(va uint32) (uint32, bool) {
		if va < kstack || va-kstack >= maxKstack {
			return 0, false
		}
		return read32(va)
	}
}

// Proc is one used slot of xv6's process table.
type Proc struct {
	Slot     int      // index in ptable.proc
	PID      int      // process id
	State    string   // the enum procstate constant: "SLEEPING", "RUNNABLE", ...
	Name     string   // the name the kernel keeps for debugging
	Chan     uint32   // the wait channel, 0 if none
	ChanDesc string   // Chan as a name: DataPath ("icache.inode[1].lock") or Describe
	Killed   bool     // the process has been killed and not yet exited
	Holder   int      // asleep on a locked sleeplock: the pid it records as holder; else 0
	CPU      int      // the CPU (index in cpus) whose proc it is, -1 if none or unknown
	Kstack   uint32   // bottom of its kernel stack
	Context  uint32   // where swtch saved its registers (struct context *), 0 if none
	Stack    []uint32 // return addresses from the saved context, innermost first; nil while on a CPU
}

// procLayout is where the fields of struct proc are, as the kernel's DWARF says.
type procLayout struct {
	base   uint32 // address of ptable.proc[0]
	n      int    // NPROC
	size   uint32 // sizeof(struct proc)
	states *dwarf.EnumType

	state, pid, name, chn, killed, context, kstack field
	ctxEIP, ctxEBP                                 uint32 // offsets in struct context
}

// field is one member of struct proc: its offset and size.
type field struct{ off, size uint32 }

// procLayout finds ptable and struct proc in the DWARF.
func (t *Table) procLayout() (*procLayout, error) {
	i, ok := t.varByNm["ptable"]
	if !ok {
		return nil, fmt.Errorf("symbols: no variable ptable in the DWARF: not an xv6 kernel with debug information")
	}
	v := t.vars[i]
	pt, ok := underlying(v.typ).(*dwarf.StructType)
	if !ok {
		return nil, fmt.Errorf("symbols: ptable is a %s, want a struct", v.typ)
	}
	off, typ, ok := member(pt, "proc", 0)
	if !ok {
		return nil, fmt.Errorf("symbols: ptable has no member proc")
	}
	arr, ok := underlying(typ).(*dwarf.ArrayType)
	if !ok || arr.Count <= 0 {
		return nil, fmt.Errorf("symbols: ptable.proc is a %s, want an array", typ)
	}
	elem, ok := underlying(arr.Type).(*dwarf.StructType)
	if !ok || elem.Size() <= 0 {
		return nil, fmt.Errorf("symbols: ptable.proc[] is a %s, want struct proc", arr.Type)
	}
	l := &procLayout{base: v.addr + uint32(off), n: int(arr.Count), size: uint32(elem.Size())}
	if uint64(l.n)*uint64(l.size) > 1<<24 {
		return nil, fmt.Errorf("symbols: ptable.proc has %d entries of %d bytes: too big", l.n, l.size)
	}
	get := func(name string, maxSize uint32) (field, dwarf.Type, error) {
		o, ft, ok := member(elem, name, 0)
		if !ok {
			return field{}, nil, fmt.Errorf("symbols: struct proc has no member %s", name)
		}
		sz := ft.Size()
		if o < 0 || sz <= 0 || uint64(o)+uint64(sz) > uint64(l.size) || uint32(sz) > maxSize {
			return field{}, nil, fmt.Errorf("symbols: struct proc member %s (offset %d, size %d) does not fit", name, o, sz)
		}
		return field{uint32(o), uint32(sz)}, ft, nil
	}
	var err error
	var stateType, ctxType dwarf.Type
	if l.state, stateType, err = get("state", 8); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		dst  *field
		name string
		max  uint32
	}{{&l.pid, "pid", 8}, {&l.name, "name", 256}, {&l.chn, "chan", 4}, {&l.killed, "killed", 8}, {&l.kstack, "kstack", 4}} {
		if *f.dst, _, err = get(f.name, f.max); err != nil {
			return nil, err
		}
	}
	if l.context, ctxType, err = get("context", 4); err != nil {
		return nil, err
	}
	if et, ok := underlying(stateType).(*dwarf.EnumType); ok {
		l.states = et
	} else {
		l.states = t.enums["procstate"]
	}
	if l.states == nil {
		return nil, fmt.Errorf("symbols: no enum procstate for struct proc's state")
	}
	ptr, ok := underlying(ctxType).(*dwarf.PtrType)
	if !ok {
		return nil, fmt.Errorf("symbols: struct proc's context is a %s, want a pointer", ctxType)
	}
	ctx, ok := underlying(ptr.Type).(*dwarf.StructType)
	if !ok {
		return nil, fmt.Errorf("symbols: struct proc's context points to a %s, want struct context", ptr.Type)
	}
	for _, f := range []struct {
		dst  *uint32
		name string
	}{{&l.ctxEIP, "eip"}, {&l.ctxEBP, "ebp"}} {
		o, ft, ok := member(ctx, f.name, 0)
		if !ok || ft.Size() != 4 || o < 0 || o > 1<<16 {
			return nil, fmt.Errorf("symbols: struct context has no 4-byte member %s", f.name)
		}
		*f.dst = uint32(o)
	}
	return l, nil
}

// Procs reads xv6's process table from guest memory and returns its used slots (state
// not UNUSED). read fills b with the guest bytes at virtual address va and reports
// whether it could (KernelReader makes one from guest RAM). The layout comes from the
// kernel's DWARF, so this works for any xv6 whose ptable and struct proc keep xv6's
// member names. It fails when the DWARF has no ptable (not an xv6 kernel, or one
// built without -g) or when the table cannot be read.
func (t *Table) Procs(read func(va uint32, b []byte) bool) ([]Proc, error) {
	l, err := t.procLayout()
	if err != nil {
		return nil, err
	}
	buf := make([]byte, uint32(l.n)*l.size)
	if !read(l.base, buf) {
		return nil, fmt.Errorf("symbols: cannot read ptable.proc at %#x (%d bytes)", l.base, len(buf))
	}
	read32 := Words(read)
	unused, ok := enumValue(l.states, "UNUSED")
	if !ok {
		unused = 0
	}
	var procs []Proc
	for slot := range l.n {
		p := buf[uint32(slot)*l.size:][:l.size]
		state := int64(int32(uintField(p, l.state)))
		if state == unused {
			continue
		}
		pr := Proc{
			Slot:    slot,
			PID:     int(int32(uintField(p, l.pid))),
			Name:    cString(p[l.name.off : l.name.off+l.name.size]),
			Chan:    uintField(p, l.chn),
			Killed:  uintField(p, l.killed) != 0,
			Kstack:  uintField(p, l.kstack),
			Context: uintField(p, l.context),
		}
		if name, ok := enumConst(l.states, state); ok {
			pr.State = name
		} else {
			pr.State = fmt.Sprintf("state%d", state)
		}
		if pr.Chan != 0 {
			if d, ok := t.DataPath(pr.Chan); ok {
				pr.ChanDesc = d
			} else {
				pr.ChanDesc = t.Describe(pr.Chan)
			}
		}
		procs = append(procs, pr)
	}
	t.markCPUs(procs, l, read)
	t.sleeplockHolders(procs, read32)
	for i := range procs {
		pr := &procs[i]
		// A process some CPU holds as its own is running or half-way through swtch:
		// its saved context is stale (or being written), so it has no stack to walk.
		if pr.State == "RUNNING" || pr.CPU >= 0 || pr.Context == 0 {
			continue
		}
		eip, ok1 := read32(pr.Context + l.ctxEIP)
		ebp, ok2 := read32(pr.Context + l.ctxEBP)
		if ok1 && ok2 {
			pr.Stack = Backtrace(stackReader(read32, pr.Kstack), eip, ebp, maxFrames)
		}
	}
	return procs, nil
}

// markCPUs sets each process's CPU from cpus[i].proc for i < ncpu, when the kernel's
// DWARF describes them; without them every CPU stays -1.
func (t *Table) markCPUs(procs []Proc, l *procLayout, read func(va uint32, b []byte) bool) {
	for i := range procs {
		procs[i].CPU = -1
	}
	ci, ok1 := t.varByNm["cpus"]
	ni, ok2 := t.varByNm["ncpu"]
	if !ok1 || !ok2 {
		return
	}
	arr, ok := underlying(t.vars[ci].typ).(*dwarf.ArrayType)
	if !ok {
		return
	}
	cpu, ok := underlying(arr.Type).(*dwarf.StructType)
	if !ok || cpu.Size() <= 0 {
		return
	}
	off, ft, ok := member(cpu, "proc", 0)
	if !ok || ft.Size() != 4 || off < 0 || off+4 > cpu.Size() {
		return
	}
	words := Words(read)
	n, ok := words(t.vars[ni].addr)
	if !ok || int64(n) > arr.Count {
		return
	}
	for c := range n {
		p, ok := words(t.vars[ci].addr + c*uint32(cpu.Size()) + uint32(off))
		if !ok || p < l.base || (p-l.base)%l.size != 0 {
			continue
		}
		slot := int((p - l.base) / l.size)
		for i := range procs {
			if procs[i].Slot == slot {
				procs[i].CPU = int(c)
			}
		}
	}
}

// enumValue finds the value of constant name in et.
func enumValue(et *dwarf.EnumType, name string) (int64, bool) {
	for _, v := range et.Val {
		if v.Name == name {
			return v.Val, true
		}
	}
	return 0, false
}

// uintField reads a little-endian unsigned member of up to 4 bytes from p.
func uintField(p []byte, f field) uint32 {
	var v uint32
	n := min(f.size, 4)
	for i := range n {
		v |= uint32(p[f.off+i]) << (8 * i)
	}
	return v
}

// cString returns the bytes of b up to the first NUL, with unprintable bytes escaped.
func cString(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		if c == 0 {
			break
		}
		if c < 0x20 || c >= 0x7f {
			fmt.Fprintf(&s, "\\x%02x", c)
			continue
		}
		s.WriteByte(c)
	}
	return s.String()
}

// FormatProcs prints procs as a table, one process a line: pid, state, name, wait
// channel and the kernel stack on one line ("sleep <- acquiresleep <- ilock <- ...").
func (t *Table) FormatProcs(procs []Proc) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(w, "PID\tSTATE\tNAME\tWAIT\tSTACK")
	for _, p := range procs {
		state := p.State
		if p.Killed {
			state += ",killed"
		}
		if p.CPU >= 0 {
			state += fmt.Sprintf(" on cpu%d", p.CPU)
		}
		wait := "-"
		if p.Chan != 0 {
			wait = p.ChanDesc
		}
		if p.Holder != 0 {
			wait += fmt.Sprintf(" (held by pid %d)", p.Holder)
		}
		stack := "-"
		if len(p.Stack) > 0 {
			stack = t.shortStack(p.Stack, true)
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", p.PID, state, p.Name, wait, stack)
	}
	if err := w.Flush(); err != nil {
		return fmt.Sprintf("symbols: formatting the process table: %v", err)
	}
	return b.String()
}
