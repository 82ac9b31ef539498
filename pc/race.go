package pc

// The data-race detector (Config.Race): watchpoint sampling, as Linux's KCSAN does it, on
// a board that runs the CPUs in turn.
//
// Now and then (a seeded countdown per CPU) a CPU's next plain access to RAM becomes a
// sample: the CPU stops right after it, its bytes are watched on every other CPU, and the
// sampled CPU is held back while the others run on for a window of virtual time. If
// another CPU touches those bytes in the window, and one of the two accesses writes, the
// two accesses were concurrent: a race. A lock cannot hide one: the held-back CPU still
// holds whatever lock it took, so a correctly locked access by another CPU cannot happen
// in the window. Atomic accesses (lock-prefixed instructions, xchg with memory) never
// count, on either side, and an atomic access to the sampled bytes orders the sample
// before everything its CPU does next (the xchg that takes a spinlock after the plain
// store that released it), so that CPU is no longer watched; accesses through ESP or EBP (the CPU's own stack) are not
// sampled. Everything is driven by the seed and the instruction clock, so the same run
// finds the same races at the same virtual times.

import (
	"fmt"
	"strings"

	"golang.org/x/arch/x86/x86asm"

	"gemu/symbols"
	"gemu/x86"
)

// Race detector defaults.
const (
	DefaultRaceRate   = 50000 // mean instructions of a CPU between two samples
	DefaultRaceWindow = 8192  // ns of virtual time the other CPUs run while a sample is watched
	DefaultRaceSeed   = 1
	maxRaceStack      = 16 // frames in a report's stacks
)

// RaceConfig turns on the data-race detector.
type RaceConfig struct {
	Seed   uint64 // seeds where samples fall (0 means DefaultRaceSeed)
	Rate   int    // mean instructions between two samples of one CPU (0 means DefaultRaceRate)
	Window int    // ns of virtual time a sample is watched (0 means DefaultRaceWindow)
	// Symbols, if set, names functions, source lines and data in reports.
	Symbols *symbols.Table
	// Report, if set, hears of each race, once per pair of instructions, on the goroutine
	// that runs the machine.
	Report func(*Race)
}

// RaceAccess is one side of a race.
type RaceAccess struct {
	CPU int
	x86.Access
	Code  []byte   // the instruction's bytes
	Mode  int      // 16 or 32: how Code decodes
	Stack []uint32 // the instruction's address, then return addresses (EBP frames)
}

// Race is two concurrent accesses to the same bytes by two CPUs, at least one a write.
type Race struct {
	VirtualNS int64      // when the second access happened
	First     RaceAccess // the sampled access: its CPU was held right after it
	Second    RaceAccess // the other CPU's access in the window
	Text      string     // the report, formatted (symbolized when RaceConfig.Symbols is set)
}

// raceDetector is the detector's state.
type raceDetector struct {
	cfg       RaceConfig
	rng       uint64
	countdown []int // per CPU: instructions until its next sample
	probing   []bool
	watching  []bool // per CPU: the sample's watch is on it
	holder    int    // the CPU held back with a watched sample, -1 if none
	until     int64  // virtual time at which the window closes
	first     RaceAccess
	seen      map[[2]uint64]bool // reported instruction pairs
	races     int
}

func newRaceDetector(cfg RaceConfig, cpus int) *raceDetector {
	if cfg.Seed == 0 {
		cfg.Seed = DefaultRaceSeed
	}
	if cfg.Rate <= 0 {
		cfg.Rate = DefaultRaceRate
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultRaceWindow
	}
	r := &raceDetector{cfg: cfg, rng: cfg.Seed, holder: -1, seen: map[[2]uint64]bool{},
		countdown: make([]int, cpus), probing: make([]bool, cpus), watching: make([]bool, cpus)}
	for i := range r.countdown {
		r.countdown[i] = r.draw()
	}
	return r
}

// draw is the instructions until a CPU's next sample: uniform in [1, 2*Rate].
func (r *raceDetector) draw() int {
	r.rng += 0x9E3779B97F4A7C15
	z := r.rng
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	z ^= z >> 31
	return 1 + int(z%uint64(2*r.cfg.Rate))
}

// Races returns how many races the detector has reported (0 without Config.Race).
func (m *Machine) Races() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.race == nil {
		return 0
	}
	return m.race.races
}

// budget caps CPU i's turn so that it stops where its next sample falls.
func (r *raceDetector) budget(i, budget int) int {
	if r.holder >= 0 || r.probing[i] {
		return budget
	}
	return min(budget, r.countdown[i])
}

// ran accounts for n instructions of CPU i's turn that ended without a race watch stop:
// when its countdown runs out, its probe goes on.
func (r *raceDetector) ran(m *Machine, i, n int) {
	if r.holder >= 0 || r.probing[i] {
		return
	}
	r.countdown[i] -= n
	if r.countdown[i] <= 0 {
		r.probing[i] = true
		m.cpus[i].SetProbe(true)
	}
}

// watchStop handles CPU i's StopWatch at virtual time now. It reports whether i's turn must end (it is held).
func (r *raceDetector) watchStop(m *Machine, i int, now int64) bool {
	c := m.cpus[i]
	a := r.access(m, i)
	if r.probing[i] {
		if a.atomic() || a.onStack(c) {
			return false // keep probing: the next access is the sample
		}
		c.SetProbe(false)
		r.probing[i] = false
		r.first = a
		r.holder = i
		r.until = now + int64(r.cfg.Window)
		for j, o := range m.cpus {
			if j == i {
				continue
			}
			if r.probing[j] { // one sample at a time
				o.SetProbe(false)
				r.probing[j] = false
				r.countdown[j] = r.draw()
			}
			o.SetPhysWatch(a.Phys, uint32(a.Size), a.Write, true)
			r.watching[j] = true
		}
		return true
	}
	if r.holder < 0 || i == r.holder || !r.watching[i] {
		return false
	}
	if a.atomic() {
		// An atomic access to the bytes orders the sample before whatever this CPU does
		// next (a spinlock's xchg after the plain store that released it): no race with
		// this CPU from here on.
		r.unwatch(m, i)
		for j, w := range r.watching {
			if w && j != r.holder {
				return false
			}
		}
		r.close(m)
		return false
	}
	r.report(a, now)
	r.close(m)
	return false
}

// unwatch takes the sample's watch off CPU j.
func (r *raceDetector) unwatch(m *Machine, j int) {
	if r.watching[j] {
		f := r.first
		m.cpus[j].SetPhysWatch(f.Phys, uint32(f.Size), f.Write, false)
		r.watching[j] = false
	}
}

// roundEnd closes the window when its time has passed.
func (r *raceDetector) roundEnd(m *Machine) {
	if r.holder >= 0 && m.vt >= r.until {
		r.close(m)
	}
}

// close ends the window: the watches go, the held CPU runs again and waits for its next
// sample.
func (r *raceDetector) close(m *Machine) {
	for j := range m.cpus {
		r.unwatch(m, j)
	}
	r.countdown[r.holder] = r.draw()
	r.holder = -1
}

// reset forgets any sample in flight (a reboot).
func (r *raceDetector) reset(m *Machine) {
	if r.holder >= 0 {
		r.close(m)
	}
	for i, p := range r.probing {
		if p {
			m.cpus[i].SetProbe(false)
			r.probing[i] = false
			r.countdown[i] = r.draw()
		}
	}
}

// access is CPU i's watched access with its instruction and stack.
func (r *raceDetector) access(m *Machine, i int) RaceAccess {
	c := m.cpus[i]
	a := RaceAccess{CPU: i, Access: c.Watched, Mode: 16}
	if c.CR0&1 != 0 && c.Seg[x86.CS].Attr&(1<<14) != 0 {
		a.Mode = 32
	}
	pc := c.Seg[x86.CS].Base + a.EIP
	var buf [15]byte
	for n := range buf {
		if c.ReadLinear(pc+uint32(n), buf[n:n+1]) != nil {
			break
		}
		a.Code = buf[:n+1]
	}
	a.Code = append([]byte(nil), a.Code...)
	read := symbols.Words(func(va uint32, b []byte) bool { return c.ReadLinear(va, b) == nil })
	a.Stack = symbols.Backtrace(read, pc, c.Reg[x86.EBP], maxRaceStack)
	return a
}

// decode is the access's instruction, ok false if its bytes do not decode.
func (a *RaceAccess) decode() (x86asm.Inst, bool) {
	inst, err := x86asm.Decode(a.Code, a.Mode)
	return inst, err == nil && inst.Len > 0
}

// atomic reports whether the access is atomic: a lock-prefixed instruction or an xchg
// with memory.
func (a *RaceAccess) atomic() bool {
	inst, ok := a.decode()
	if !ok {
		return false
	}
	for _, p := range inst.Prefix {
		if p&0xFF == x86asm.PrefixLOCK&0xFF {
			return true
		}
	}
	if inst.Op == x86asm.XCHG {
		for _, arg := range inst.Args {
			if _, mem := arg.(x86asm.Mem); mem {
				return true
			}
		}
	}
	return false
}

// onStack reports whether the access is to the CPU's own stack: an implicit stack access
// (push, pop, call, ret, ...) or a memory operand based on ESP or EBP.
func (a *RaceAccess) onStack(c *x86.CPU) bool {
	inst, ok := a.decode()
	if !ok {
		return false
	}
	switch inst.Op {
	case x86asm.PUSH, x86asm.POP, x86asm.CALL, x86asm.RET, x86asm.ENTER, x86asm.LEAVE,
		x86asm.PUSHF, x86asm.PUSHFD, x86asm.POPF, x86asm.POPFD, x86asm.PUSHA, x86asm.PUSHAD,
		x86asm.POPA, x86asm.POPAD, x86asm.INT, x86asm.IRET, x86asm.IRETD, x86asm.LCALL, x86asm.LRET:
		return true
	}
	for _, arg := range inst.Args {
		if mem, ok := arg.(x86asm.Mem); ok {
			switch mem.Base {
			case x86asm.ESP, x86asm.EBP, x86asm.SP, x86asm.BP:
				return true
			}
		}
	}
	return false
}

// key identifies the access's instruction for deduplication.
func (a *RaceAccess) key() uint64 {
	k := uint64(a.CS)<<32 | uint64(a.EIP)
	if a.User {
		k |= 1 << 63
	}
	return k
}

// report records a race between the held sample and CPU i's access, once per pair.
func (r *raceDetector) report(second RaceAccess, now int64) {
	k := [2]uint64{r.first.key(), second.key()}
	if k[0] > k[1] {
		k[0], k[1] = k[1], k[0]
	}
	if r.seen[k] {
		return
	}
	r.seen[k] = true
	r.races++
	race := &Race{VirtualNS: now, First: r.first, Second: second}
	race.Text = race.format(r.cfg.Symbols)
	if r.cfg.Report != nil {
		r.cfg.Report(race)
	}
}

// format writes the race as a report of a few lines.
func (race *Race) format(t *symbols.Table) string {
	var b strings.Builder
	f := race.First
	where := fmt.Sprintf("physical 0x%08x", f.Phys)
	if t != nil && !f.User {
		name, ok := t.DataPath(f.Lin)
		if !ok {
			if sym, off, found := t.Data(f.Lin); found {
				name, ok = sym, true
				if off != 0 {
					name = fmt.Sprintf("%s+%d", sym, off)
				}
			}
		}
		if ok {
			where = fmt.Sprintf("%s (0x%08x, physical 0x%08x)", name, f.Lin, f.Phys)
		}
	}
	fmt.Fprintf(&b, "data race at %.6fs (virtual) on %s, %d bytes:\n", float64(race.VirtualNS)/1e9, where, f.Size)
	for _, a := range []RaceAccess{race.First, race.Second} {
		a.formatTo(&b, t)
	}
	return b.String()
}

// formatTo writes one side of a race: the CPU, the access, the instruction and the stack.
func (a *RaceAccess) formatTo(b *strings.Builder, t *symbols.Table) {
	kind, mode := "read", "kernel"
	if a.Write {
		kind = "write"
	}
	if a.User {
		mode = "user"
	}
	fmt.Fprintf(b, "  cpu%d %s (%s) of %d bytes at 0x%08x", a.CPU, kind, mode, a.Size, a.Lin)
	if a.Write {
		fmt.Fprintf(b, ": %#x -> %#x\n", a.Old, a.New)
	} else {
		fmt.Fprintf(b, ": %#x\n", a.New)
	}
	text := "(undecodable)"
	if inst, ok := a.decode(); ok {
		text = x86asm.GNUSyntax(inst, uint64(a.EIP), nil)
	}
	fmt.Fprintf(b, "    0x%08x: %s\n", a.EIP, text)
	stack := ""
	if t != nil && !a.User {
		stack = t.FormatStack(a.Stack)
	} else {
		var s strings.Builder
		for i, pc := range a.Stack {
			fmt.Fprintf(&s, "#%d 0x%08x\n", i, pc)
		}
		stack = s.String()
	}
	for _, line := range strings.Split(strings.TrimRight(stack, "\n"), "\n") {
		if line != "" {
			fmt.Fprintf(b, "    %s\n", line)
		}
	}
}
