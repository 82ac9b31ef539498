// Package pc is the board: RAM, the memory and I/O maps, the BIOS data area and MP
// tables, direct boot, the interrupt wiring between the chips, and the run loop that
// drives every vCPU round-robin on one goroutine in virtual time.
package pc

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"gemu/cmos"
	"gemu/ide"
	"gemu/ioapic"
	"gemu/kbd"
	"gemu/lapic"
	"gemu/pic"
	"gemu/uart"
	"gemu/vga"
	"gemu/x86"
)

// Limits of the configuration.
const (
	MaxCPUs       = 8 // xv6's NCPU
	MinMemoryMB   = 1 // the first megabyte: real-mode programs, ROMs and the board's tables fit (small_test.go)
	MaxMemoryMB   = 3584
	DefaultMemory = 512 // MB, as xv6's Makefile asks qemu for
	DefaultSlice  = 4096
)

// DebugCon is a debug console port: bytes the guest writes to Port go to Out.
type DebugCon struct {
	Port uint16
	Name string // for messages, e.g. "0xe9" or a chardev id
	Out  io.Writer
}

// Config describes the machine to build.
type Config struct {
	CPUs      int                       // processors, 1..MaxCPUs (0 means 1)
	MemoryMB  int                       // RAM in MB (0 means DefaultMemory)
	Disks     [2]ide.Disk               // IDE primary master (disk 0, the boot disk) and slave; nil = none
	Serial    io.Writer                 // COM1 output; nil discards it
	BIOS      []byte                    // a ROM image (64 KB multiple, up to 256 KB): start from reset, no direct boot
	Kernel    *Multiboot                // a multiboot kernel to load instead of booting disk 0
	RTC       time.Time                 // the RTC's time at power-on (zero: 2000-01-01 00:00:00 UTC)
	Slice     int                       // instructions per CPU per round (0 means DefaultSlice)
	SchedSeed uint64                    // seeds the order and length of the CPUs' turns (0 means DefaultSchedSeed)
	Debug     []DebugCon                // debug console ports (-debugcon, isa-debugcon)
	ExitPort  uint16                    // isa-debug-exit port (0: none)
	ExitSize  int                       // isa-debug-exit width in bytes (0 means 1)
	Limit     uint64                    // stop after this many instructions retired in total (0: no limit)
	NoReboot  bool                      // a guest reset stops the machine instead of rebooting it
	NoJIT     bool                      // interpret every instruction (x86.CPU.NoJIT)
	Pace      bool                      // idle periods last as long in host time as in virtual time
	NoInput   bool                      // no host input will ever come: a paced guest idle with no timer stops
	Trace     func(c *x86.CPU, cpu int) // called before every instruction (slow), nil for none
	Race      *RaceConfig               // the data-race detector (race.go); nil for none
	Stuck     *StuckConfig              // the stuck-guest watchdog (stuck.go); nil for none
	// Log, if set, hears of guest errors (accesses no device claims, writes to ROM) and
	// of device features the board does not implement (guestError false).
	Log func(guestError bool, format string, args ...any)
}

// Reason says why the machine stopped.
type Reason int

// Reasons for the machine to stop.
const (
	Stopped     Reason = iota // Stop was called or the context ended
	PowerOff                  // the guest powered the machine off (ACPI, Bochs ports)
	DebugExit                 // the guest wrote to isa-debug-exit
	TripleFault               // a CPU shut down
	Halted                    // every CPU is halted and nothing can wake any of them
	Budget                    // the instruction limit was reached
	Reset                     // the guest reset the machine and NoReboot is set
	DiskError                 // a host read or write of a disk image failed and its policy stops (disk.go)
)

// Result says how and why the machine stopped.
type Result struct {
	Reason  Reason
	Status  int    // suggested exit status for a command
	Message string // one line
}

// Exit statuses for the Reasons that do not carry their own.
const (
	StatusTripleFault = 2
	StatusHalted      = 3
	StatusBudget      = 4
)

// Machine is one PC.
type Machine struct {
	cfg      Config
	ram      []byte
	ramBlock *ramBlock // owns ram (ram_*.go)
	ramTop   uint32    // len(ram)
	pfNext   uint32    // bus.Page tells the prefaulter of RAM pages from here up (prefault.go)
	romLow   uint32    // where the low alias of the ROM starts (1 MB without a ROM)
	rom      []byte
	cpus     []*x86.CPU
	apics    []*lapic.LAPIC
	code     *x86.CodeCache

	pic    *pic.PIC
	ioapic *ioapic.IOAPIC
	ide    *ide.IDE
	uart   *uart.UART
	com1   *com1Port // the UART as the port map sees it (input.go)
	kbd    *kbd.Controller
	vga    *vga.VGA
	cmos   *cmos.CMOS

	portTab   []portRange
	portIdx   [65536]uint8
	debugOut  []*debugPort
	debugExit *debugExit

	slice   int
	vt      int64  // virtual ns at the start of the current round
	cur     int    // index of the CPU running now, -1 between slices
	curBase uint64 // its Retired when its turn began
	curOff  int64  // where in the round its turn began (ns after vt)
	retired uint64 // instructions retired by all CPUs before the current slice

	serialOut []byte
	outErr    error
	result    *Result // set when the machine must stop
	resetReq  string  // a guest reset is pending

	mu      sync.Mutex // held by the loop while it runs a round
	inbox   inbox
	pacer   pacer
	stopReq chan struct{}
	stopped bool

	disks   [2]*trackedDisk // the disks as the IDE sees them: writes tracked for snapshots (snapdisk.go)
	ramBase *ramImage       // the snapshot image RAM maps copy-on-write, nil for its own memory (snapram_linux.go)

	dbg   debugState    // debugger stops (debug.go)
	sched sched         // the order and length of the CPUs' turns (sched.go)
	race  *raceDetector // the data-race detector, nil when off (race.go)
	stuck *stuckWatch   // the stuck-guest watchdog, nil when off (stuck.go)
}

// Errors New returns for bad configurations.
var (
	ErrNoBootDisk   = errors.New("no boot disk (disk 0)")
	ErrNoSignature  = errors.New("disk 0 has no boot signature (0x55 0xAA at the end of sector 0)")
	errClosed       = errors.New("machine closed")
	defaultRTCEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// New builds a machine, loads its firmware data and boot code, and leaves CPU 0 ready
// to run.
func New(cfg Config) (*Machine, error) {
	if cfg.CPUs == 0 {
		cfg.CPUs = 1
	}
	if cfg.CPUs < 1 || cfg.CPUs > MaxCPUs {
		return nil, fmt.Errorf("%d CPUs: must be 1 to %d", cfg.CPUs, MaxCPUs)
	}
	if cfg.MemoryMB == 0 {
		cfg.MemoryMB = DefaultMemory
	}
	if cfg.MemoryMB < MinMemoryMB || cfg.MemoryMB > MaxMemoryMB {
		return nil, fmt.Errorf("memory %d MB: must be %d to %d MB", cfg.MemoryMB, MinMemoryMB, MaxMemoryMB)
	}
	if cfg.Slice <= 0 {
		cfg.Slice = DefaultSlice
	}
	if cfg.RTC.IsZero() {
		cfg.RTC = defaultRTCEpoch
	}
	if cfg.BIOS != nil {
		if n := len(cfg.BIOS); n < 64<<10 || n > 256<<10 || n%(64<<10) != 0 {
			return nil, fmt.Errorf("bios image: %d bytes; must be 64, 128, 192 or 256 KB", n)
		}
	}
	if err := checkPortDevices(&cfg); err != nil {
		return nil, err
	}
	m := &Machine{
		cfg:     cfg,
		rom:     cfg.BIOS,
		slice:   cfg.Slice,
		cur:     -1,
		code:    x86.NewCodeCache(),
		stopReq: make(chan struct{}, 1),
	}
	m.sched.rng = cfg.SchedSeed
	if m.sched.rng == 0 {
		m.sched.rng = DefaultSchedSeed
	}
	m.sched.reset()
	m.inbox.signal = make(chan struct{}, 1)
	block, err := allocRAM(cfg.MemoryMB << 20)
	if err != nil {
		return nil, err
	}
	m.ramBlock, m.ram = block, block.b
	m.ramTop = uint32(len(m.ram)) // MaxMemoryMB keeps it below 4 GB
	if block.pf == nil {
		m.pfNext = ^uint32(0) // above every page
	}
	m.romLow = uint32(lowROMTop - len(m.rom))
	m.buildChips()
	if err := m.attachDisks(); err != nil {
		block.pf.stop() // no prefaulting for a machine that is not made
		return nil, err
	}
	m.buildCPUs()
	for _, d := range cfg.Debug {
		m.debugOut = append(m.debugOut, &debugPort{m: m, port: d.Port, name: d.Name, w: d.Out, last: -1})
	}
	if cfg.ExitPort != 0 {
		m.debugExit = &debugExit{m: m, port: cfg.ExitPort, size: cfg.ExitSize, last: -1}
	}
	m.buildPorts()
	if err := m.boot(); err != nil {
		block.pf.stop()
		return nil, err
	}
	return m, nil
}

// buildChips creates the chips and wires their interrupt lines.
func (m *Machine) buildChips() {
	m.pic = pic.New()
	m.ioapic = ioapic.New(uint8(m.cfg.CPUs)) // the first ID after the processors', as on real boards
	m.ioapic.Deliver = m.deliver
	m.ide = ide.New()
	m.ide.IRQ = func(level bool) { m.setIRQ(14, level) }
	m.ide.HostError = m.diskHostError
	m.uart = uart.New(0x3F8)
	m.com1 = &com1Port{u: m.uart}
	m.uart.IRQ = func(level bool) { m.setIRQ(4, level) }
	m.uart.Output = func(b byte) { m.serialOut = append(m.serialOut, b) }
	m.kbd = kbd.New()
	m.kbd.IRQ = func(level bool) { m.setIRQ(1, level) }
	m.kbd.Reset = func() { m.guestReset("8042 reset") }
	m.vga = vga.New(m.ram[0xB8000:0xC0000])
	m.cmos = cmos.New(m.cfg.RTC, m.now)
	m.cmos.SetMemory(int64(len(m.ram)))
}

// attachDisks puts the disks on the IDE channel.
func (m *Machine) attachDisks() error {
	for i, d := range m.cfg.Disks {
		if d == nil {
			continue
		}
		if d.Size() <= 0 || d.Size()%512 != 0 {
			return fmt.Errorf("disk %d: size %d is not a positive multiple of 512", i, d.Size())
		}
		m.disks[i] = newTrackedDisk(d)
		if err := m.ide.Attach(i, m.disks[i]); err != nil {
			return fmt.Errorf("disk %d: %w", i, err)
		}
	}
	return nil
}

// buildCPUs creates the processors and their local APICs. CPU i has APIC ID i.
func (m *Machine) buildCPUs() {
	n := m.cfg.CPUs
	for i := 0; i < n; i++ {
		a := lapic.New(uint8(i), m.now)
		a.SendIPI = m.sendIPI
		a.OnEOI = m.ioapic.EOI
		if i == 0 {
			a.PIC = m.pic
		}
		c := x86.New(&bus{m: m, apic: a}, a, m.code)
		c.YieldOnSpin = n > 1 // CPUs run in turn: a spinner's slice cannot free the lock
		c.NoJIT = m.cfg.NoJIT
		if m.cfg.Trace != nil {
			idx, trace := i, m.cfg.Trace
			c.OnInsn = func(c *x86.CPU) { trace(c, idx) }
		}
		m.cpus = append(m.cpus, c)
		m.apics = append(m.apics, a)
	}
	if m.cfg.Stuck != nil {
		m.stuck = newStuckWatch(*m.cfg.Stuck)
	}
	if m.cfg.Race != nil && n > 1 { // one CPU cannot race with itself
		m.race = newRaceDetector(*m.cfg.Race, n)
	}
}

// boot puts the firmware data in RAM and prepares CPU 0 to start: from the ROM's reset
// vector, at a multiboot kernel's entry, or at the boot sector (direct boot).
func (m *Machine) boot() error {
	for i, c := range m.cpus {
		c.Reset()
		m.apics[i].Reset()
		if i > 0 {
			c.Init() // application processors wait for a STARTUP IPI
		}
	}
	m.code.Invalidate(0, uint32(min(len(m.ram), 1<<31)))
	if m.rom != nil {
		return nil // the ROM does everything, from the 386 reset state
	}
	disks := 0
	for _, d := range m.cfg.Disks {
		if d != nil {
			disks++
		}
	}
	writeBDA(m.ram, disks)
	if err := writeMPTables(m.ram, len(m.cpus), uint8(len(m.cpus)), ioapicBase); err != nil {
		return err
	}
	if m.cfg.Kernel != nil {
		return m.loadMultiboot(m.cfg.Kernel)
	}
	return m.loadBootSector()
}

// loadBootSector copies sector 0 of disk 0 to 0x7C00 and starts CPU 0 there in real
// mode with DL = 0x80 (the first hard disk), as a BIOS would after POST.
func (m *Machine) loadBootSector() error {
	d := m.cfg.Disks[0]
	if d == nil {
		return ErrNoBootDisk
	}
	sector := m.ram[0x7C00 : 0x7C00+512]
	if _, err := d.ReadAt(sector, 0); err != nil {
		return fmt.Errorf("disk 0: reading the boot sector: %w", err)
	}
	if sector[510] != 0x55 || sector[511] != 0xAA {
		return ErrNoSignature
	}
	// CPU 0 starts at F000:FFF0 on a far jump to 0000:7C00, as after a BIOS's last
	// instruction: a debugger attached before the first instruction (-S) can still stop
	// at a breakpoint on 0x7C00, as it does under qemu.
	copy(m.ram[resetJump:], []byte{0xEA, 0x00, 0x7C, 0x00, 0x00}) // ljmp $0x0000, $0x7c00
	c := m.cpus[0]
	for _, s := range []int{x86.DS, x86.ES, x86.SS, x86.FS, x86.GS} {
		c.SetRealSeg(s, 0)
	}
	c.SetRealSeg(x86.CS, 0xF000)
	c.EIP = resetJump & 0xFFFF
	c.Reg[x86.ESP] = 0x7C00
	c.Reg[x86.EDX] = 0x80
	return nil
}

// now is the virtual clock in ns: one instruction retired is one ns, and every CPU's
// share of a round covers the same window of time.
func (m *Machine) now() int64 {
	if m.cur >= 0 {
		return m.vt + m.curOff + int64(m.cpus[m.cur].Retired-m.curBase)
	}
	return m.vt
}

// setIRQ drives ISA interrupt line irq: the I/O APIC pin of the same number and the
// 8259 input.
func (m *Machine) setIRQ(irq int, level bool) {
	m.ioapic.SetIRQ(irq, level)
	m.pic.SetIRQ(irq, level)
	if m.apics[0].AcceptsPIC() {
		m.cpus[0].PollInterrupts()
	}
}

// targets calls f for every local APIC a message with this destination reaches.
func (m *Machine) targets(dest uint8, logical bool, f func(i int)) {
	for i, a := range m.apics {
		if a.Matches(dest, logical) {
			f(i)
		}
	}
}

// deliver is the I/O APIC's interrupt message to the local APICs.
func (m *Machine) deliver(dest uint8, logical bool, mode uint8, vector uint8, level bool) {
	switch mode {
	case 0: // fixed: every target
		m.targets(dest, logical, func(i int) { m.accept(i, vector) })
	case 1: // lowest priority: the first target (all run at the same priority)
		done := false
		m.targets(dest, logical, func(i int) {
			if !done {
				m.accept(i, vector)
				done = true
			}
		})
	case 5: // INIT
		m.targets(dest, logical, func(i int) { m.initCPU(i) })
	}
}

// accept hands a fixed interrupt to CPU i's local APIC.
func (m *Machine) accept(i int, vector uint8) {
	m.apics[i].Accept(vector)
	m.cpus[i].PollInterrupts()
}

// initCPU is an INIT: CPU i resets and waits for a STARTUP IPI.
func (m *Machine) initCPU(i int) {
	m.apics[i].Reset()
	m.cpus[i].Init()
	if i == m.cur {
		m.cpus[i].RequestStop()
	}
}

// sendIPI delivers an inter-processor interrupt written to a local APIC's ICR.
func (m *Machine) sendIPI(ipi lapic.IPI) {
	var to []int
	switch ipi.Shorthand {
	case 0:
		m.targets(ipi.Dest, ipi.Logical, func(i int) { to = append(to, i) })
	case 1:
		to = []int{int(ipi.From)}
	case 2, 3:
		for i, a := range m.apics {
			if ipi.Shorthand == 2 || a.APICID() != ipi.From {
				to = append(to, i)
			}
		}
	}
	for _, i := range to {
		if i < 0 || i >= len(m.cpus) {
			continue
		}
		switch ipi.Mode {
		case 0, 1: // fixed, lowest priority
			m.accept(i, ipi.Vector)
		case 5: // INIT; the de-assert form (level 0, level-triggered) does nothing
			if ipi.Trigger && !ipi.Level {
				continue
			}
			m.initCPU(i)
		case 6: // STARTUP, only for a CPU waiting for one
			if m.cpus[i].WaitSIPI {
				m.cpus[i].Startup(ipi.Vector)
			}
		}
	}
}

// guestReset handles a reset requested by the guest (8042 pulse, port 0x92).
func (m *Machine) guestReset(why string) {
	if m.cfg.NoReboot {
		m.stop(Result{Reason: Reset, Message: "guest reset (" + why + ") with -no-reboot"})
		return
	}
	m.resetReq = why
	if m.cur >= 0 {
		m.cpus[m.cur].RequestStop()
	}
}

// stop ends the run with r (the first reason wins) after the current instruction.
func (m *Machine) stop(r Result) {
	if m.result == nil {
		m.result = &r
	}
	if m.cur >= 0 {
		m.cpus[m.cur].RequestStop()
	}
}

// CPUs returns the processors, for a debugger. Touch them only while the machine is
// not running (between RunFor calls, or from a Config.Trace hook).
func (m *Machine) CPUs() []*x86.CPU { return m.cpus }

// RAM returns guest physical memory, with the same rule as CPUs.
func (m *Machine) RAM() []byte { return m.ram }

// Close flushes and closes the disks (those that can be synced and closed), and ends
// the prefaulting of RAM.
func (m *Machine) Close() error {
	m.ramBlock.pf.stop()
	m.ramBase.release() // the mapping keeps what RAM still uses of it
	m.ramBase = nil
	var errs []error
	for i, d := range m.cfg.Disks {
		if d == nil {
			continue
		}
		if s, ok := d.(interface{ Sync() error }); ok {
			if err := s.Sync(); err != nil {
				errs = append(errs, fmt.Errorf("disk %d: sync: %w", i, err))
			}
		}
		if c, ok := d.(io.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("disk %d: close: %w", i, err))
			}
		}
		m.cfg.Disks[i] = nil
	}
	return errors.Join(errs...)
}

// SetNoInput says that no host input will come (see Config.NoInput). Call it between runs.
func (m *Machine) SetNoInput(on bool) { m.cfg.NoInput = on }

// SetPace turns real-time pacing of idle periods on or off (see Config.Pace). Call it
// before Run.
func (m *Machine) SetPace(on bool) { m.cfg.Pace = on }

// SyncDisks flushes the disk images to stable storage. Safe to call from any goroutine.
func (m *Machine) SyncDisks() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var errs []error
	for i, d := range m.cfg.Disks {
		if s, ok := d.(interface{ Sync() error }); ok {
			if err := s.Sync(); err != nil {
				errs = append(errs, fmt.Errorf("disk %d: sync: %w", i, err))
			}
		}
	}
	return errors.Join(errs...)
}
