package pc

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"runtime"

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

// Snapshots: a machine's whole state, taken between two rounds, kept in memory
// (Machine.Snapshot, Machine.Restore) and written to or read from a file
// (Snapshot.WriteTo, ReadSnapshot; the format is in snapfile.go and docs/snapshots.md).
// Every chip saves and restores itself (its package's State, Save, Restore); the board
// composes them with the CPUs, its own state (the schedule, the virtual clock, the
// devices it implements itself), guest RAM and the disks. What is derived from that
// state (decoded and translated code, TLBs, the prefaulter) is dropped on restore, and
// what belongs to the host side (queued input, output not yet written, the pacer, the
// debugger's breakpoints, the race detector's samples, the stuck-guest watchdog's
// stretch) is not part of a snapshot.

// MachineState is the board's and the chips' state in a snapshot: everything but RAM and
// the disks.
type MachineState struct {
	CPUs     int    // processors
	MemoryMB int    // RAM size
	Slice    int    // instructions per CPU per round
	ROM      []byte // the -bios image, if any

	VirtualNS int64  // the virtual clock, at the start of the current round
	Retired   uint64 // instructions retired by all CPUs
	Sched     SchedState

	CPU    []x86.State
	LAPIC  []lapic.State
	PIC    pic.State
	IOAPIC ioapic.State
	IDE    ide.State
	UART   uart.State
	KBD    kbd.State
	VGA    vga.State
	CMOS   cmos.State
	Board  BoardState
}

// SchedState is the schedule's state (sched.go): its generator and the round in progress.
type SchedState struct {
	RNG     uint64
	Left    []int // per CPU: instructions of the round not yet run
	InRound bool
	CPU     int // the CPU whose turn a debugger stopped, -1 if none
	Turn    int // what is left of that turn
}

// BoardState is the state of the small devices the board implements itself.
type BoardState struct {
	COM1Polls     int  // guest reads of COM1's LSR (input.go)
	COM1Ready     bool // the guest was seen ready for serial input
	SysControl    uint8
	BochsArmed    [2]bool // the two Bochs shutdown ports, in port order
	BochsMatched  [2]int
	FwCfgKey      uint16
	FwCfgOff      int
	DebugLast     []PortValue // the last byte written to each debug console port
	DebugExitLast int64       // the last value written to isa-debug-exit, -1 if none
}

// PortValue is the last value written to a port.
type PortValue struct {
	Port uint16
	Last int64
}

// Snapshot is a machine's whole state. It holds its RAM as an image in an unlinked file
// that restores map copy-on-write, so one snapshot can be restored many times cheaply,
// plus the pages that differ from that image: a machine whose RAM maps an image (it was
// restored, or snapshotted before) saves only the pages written since. Close releases it.
type Snapshot struct {
	State MachineState
	Disks [2]DiskState
	ram   *ramImage      // the RAM image (shared with other snapshots and machines)
	delta map[int][]byte // pages that differ from ram's, by page number
	pages pageMap        // what each page of the snapshot's RAM holds
}

// page returns page i of the snapshot's RAM.
func (s *Snapshot) page(i int) []byte {
	if p, ok := s.delta[i]; ok {
		return p
	}
	return s.ram.mem[i*pageSize : (i+1)*pageSize]
}

// Incremental reports whether the snapshot holds only the pages written since an
// earlier image of the machine's RAM, and how many.
func (s *Snapshot) Incremental() (bool, int) { return s.delta != nil, len(s.delta) }

// CPUs returns the number of processors of the snapshot's machine.
func (s *Snapshot) CPUs() int { return s.State.CPUs }

// MemoryMB returns the snapshot's RAM size in MB.
func (s *Snapshot) MemoryMB() int { return s.State.MemoryMB }

// Close releases the snapshot's RAM copy. Machines restored from it are not affected.
func (s *Snapshot) Close() {
	if s != nil && s.ram != nil {
		s.ram.release()
		s.ram, s.delta = nil, nil
	}
}

// errRunning is returned when a snapshot is asked for from inside the run loop.
var errRunning = errors.New("snapshot: the machine is in the middle of an instruction slice (call between runs)")

// Snapshot takes the machine's state. Safe to call from any goroutine while another runs
// the machine (it waits for the end of the current round), but not from a Config.Trace
// hook. Taken between RunFor calls it is exact; taken while a paced machine with every
// CPU halted waits for host time to catch up (pacer.wait), the restored machine runs the
// rest of that idle stretch a round later than the original did. A machine that has
// stopped can be saved too, to look at it later: restoring undoes the stop, and the guest
// goes on from there (a CPU that triple-faulted stays shut down and stops it again).
// The first snapshot of a machine copies the RAM pages that are not zero into a new
// image and maps RAM copy-on-write over it; later ones (Linux) copy only the pages
// written since (Incremental). The disks cost a read of the sectors written since their
// base; the image hashes are computed when first needed (DiskState).
func (m *Machine) Snapshot() (*Snapshot, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur >= 0 {
		return nil, errRunning
	}
	s := &Snapshot{State: m.machineState()}
	if err := m.saveDisks(&s.Disks); err != nil {
		return nil, err
	}
	if written, ok := m.privatePages(); ok && len(written) <= len(m.ram)/pageSize/maxDeltaShare {
		// Only the pages written since RAM was mapped from its image.
		base := m.ramBase
		base.retain()
		s.ram, s.delta = base, make(map[int][]byte, len(written))
		s.pages = pageMap{kind: bytes.Clone(base.pages.kind), fill: bytes.Clone(base.pages.fill)}
		buf := make([]byte, len(written)*pageSize)
		for k, i := range written {
			p := buf[k*pageSize : (k+1)*pageSize]
			copy(p, m.ram[i*pageSize:])
			s.delta[i] = p
			s.pages.kind[i], s.pages.fill[i] = classify(p)
		}
		return s, nil
	}
	r, err := newRAMImage(len(m.ram))
	if err != nil {
		return nil, err
	}
	s.pages = scanRAM(m.ram)
	if err := copyNonZero(r, m.ram, s.pages); err != nil {
		r.close()
		return nil, err
	}
	if err := r.finish(); err != nil {
		r.close()
		return nil, err
	}
	r.pages = s.pages
	s.ram = r
	// From now on RAM maps this image: the next snapshot copies what is written since.
	if err := m.rebase(r); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// maxDeltaShare: an incremental snapshot is taken while at most 1/maxDeltaShare of RAM
// was written since its image; beyond that a whole one is cheaper to restore and keep.
const maxDeltaShare = 4

// scanRAM classifies the pages of ram, without reading those the host says are untouched.
func scanRAM(ram []byte) pageMap {
	n := len(ram) / pageSize
	pm := pageMap{kind: make([]byte, n), fill: make([]byte, n)}
	res := touchedPages(ram)
	for i := 0; i < n; i++ {
		if res != nil && res[i]&1 == 0 {
			continue
		}
		pm.kind[i], pm.fill[i] = classify(ram[i*pageSize : (i+1)*pageSize])
	}
	return pm
}

// copyNonZero writes the pages of ram that are not zero to r, a run of pages at a time.
func copyNonZero(r *ramImage, ram []byte, pm pageMap) error {
	start := -1
	for i, k := range pm.kind {
		off := i * pageSize
		if k == pageZero || start >= 0 && off-start >= 16<<20 {
			if start >= 0 {
				if err := r.writeAt(ram[start:off], start); err != nil {
					return err
				}
				start = -1
			}
		}
		if k != pageZero && start < 0 {
			start = off
		}
	}
	if start >= 0 {
		return r.writeAt(ram[start:], start)
	}
	return nil
}

// saveDisks fills d with the state of the disks.
func (m *Machine) saveDisks(d *[2]DiskState) error {
	for i, t := range m.disks {
		s, err := saveDisk(t)
		if err != nil {
			return fmt.Errorf("snapshot: disk %d: %w", i, err)
		}
		d[i] = s
	}
	return nil
}

// machineState collects the CPUs', chips' and board's state.
func (m *Machine) machineState() MachineState {
	s := MachineState{
		CPUs: len(m.cpus), MemoryMB: len(m.ram) >> 20, Slice: m.slice,
		ROM:       append([]byte(nil), m.rom...),
		VirtualNS: m.vt, Retired: m.retired,
		Sched: SchedState{RNG: m.sched.rng, Left: append([]int(nil), m.sched.left...),
			InRound: m.sched.inRound, CPU: m.sched.cpu, Turn: m.sched.turn},
		PIC: m.pic.Save(), IOAPIC: m.ioapic.Save(), IDE: m.ide.Save(), UART: m.uart.Save(),
		KBD: m.kbd.Save(), VGA: m.vga.Save(), CMOS: m.cmos.Save(),
	}
	for i, c := range m.cpus {
		s.CPU = append(s.CPU, c.State())
		s.LAPIC = append(s.LAPIC, m.apics[i].Save())
	}
	b := &s.Board
	b.COM1Polls, b.COM1Ready = m.com1.lsrPolls, m.com1.ready
	b.DebugExitLast = -1
	bochs := 0
	for _, r := range m.portTab {
		switch d := r.dev.(type) {
		case *sysControl:
			b.SysControl = d.val
		case *bochsShutdown:
			if bochs < 2 {
				b.BochsArmed[bochs], b.BochsMatched[bochs] = d.armed, d.matched
			}
			bochs++
		case *fwCfg:
			b.FwCfgKey, b.FwCfgOff = d.key, d.off
		case *debugPort:
			b.DebugLast = append(b.DebugLast, PortValue{Port: d.port, Last: int64(d.last)})
		case *debugExit:
			b.DebugExitLast = d.last
		}
	}
	return s
}

// Restore puts the machine in the snapshot's state: CPUs, chips, board, RAM and disks.
// The machine must have the snapshot's number of CPUs, RAM size and disks; each disk
// image must be the one the snapshot was taken on (its hash at the snapshot's base,
// whose written sectors are then written to it) or the one it was at save time. Every
// check is made before anything changes: when Restore fails on a bad snapshot or on
// images that differ, the machine and its images are as they were. Call it while the
// machine is not running (between RunFor calls).
func (m *Machine) Restore(s *Snapshot) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur >= 0 {
		return errRunning
	}
	if s.ram == nil {
		return errors.New("restore: the snapshot has no RAM (closed?)")
	}
	if err := m.checkState(&s.State); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	var write [2]bool
	for i := range m.disks {
		w, err := checkDisk(i, m.disks[i], &s.Disks[i])
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		write[i] = w
	}
	err := m.loadRAM(s.ram)
	runtime.KeepAlive(s.ram) // its finalizer closes the file
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for i, p := range s.delta {
		copy(m.ram[i*pageSize:], p)
	}
	if err := m.setState(&s.State); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for i, t := range m.disks {
		if write[i] {
			if err := restoreDisk(t, &s.Disks[i]); err != nil {
				return fmt.Errorf("restore: disk %d: %w", i, err)
			}
		}
	}
	return nil
}

// checkState reports a snapshot state this machine cannot take.
func (m *Machine) checkState(s *MachineState) error {
	switch {
	case s.CPUs != len(m.cpus):
		return fmt.Errorf("the snapshot has %s, this machine %d", plural(s.CPUs, "CPU"), len(m.cpus))
	case s.MemoryMB<<20 != len(m.ram):
		return fmt.Errorf("the snapshot has %d MB of RAM, this machine %d MB", s.MemoryMB, len(m.ram)>>20)
	case s.Slice != m.slice:
		return fmt.Errorf("the snapshot's rounds are %d instructions, this machine's %d", s.Slice, m.slice)
	case !bytes.Equal(s.ROM, m.rom):
		return errors.New("the snapshot's machine has another BIOS ROM")
	case len(s.CPU) != s.CPUs || len(s.LAPIC) != s.CPUs:
		return fmt.Errorf("%d CPU and %d local APIC states for %d CPUs", len(s.CPU), len(s.LAPIC), s.CPUs)
	case s.Sched.InRound && len(s.Sched.Left) != s.CPUs || s.Sched.CPU < -1 || s.Sched.CPU >= s.CPUs:
		return errors.New("schedule state out of range")
	case s.VirtualNS < 0:
		return errors.New("negative virtual time")
	}
	for i, l := range s.Sched.Left {
		if l < 0 || l > s.Slice {
			return fmt.Errorf("schedule: CPU %d has %d instructions left in a %d round", i, l, s.Slice)
		}
	}
	for i := range s.CPU {
		if s.CPU[i].FPU.Top > 7 {
			return fmt.Errorf("cpu%d: FPU TOP %d", i, s.CPU[i].FPU.Top)
		}
		if int(s.LAPIC[i].ID) != i {
			return fmt.Errorf("local APIC %d has ID %d", i, s.LAPIC[i].ID)
		}
	}
	return nil
}

// setState makes s the CPUs', chips' and board's state and drops what was derived from
// the old one.
func (m *Machine) setState(s *MachineState) error {
	for i, c := range m.cpus {
		if err := c.SetState(s.CPU[i]); err != nil {
			return fmt.Errorf("cpu%d: %w", i, err)
		}
		if err := m.apics[i].Restore(s.LAPIC[i]); err != nil {
			return err
		}
	}
	for _, err := range []error{m.pic.Restore(s.PIC), m.ioapic.Restore(s.IOAPIC), m.ide.Restore(s.IDE),
		m.uart.Restore(s.UART), m.kbd.Restore(s.KBD), m.vga.Restore(s.VGA), m.cmos.Restore(s.CMOS)} {
		if err != nil {
			return err
		}
	}
	m.vt, m.retired = s.VirtualNS, s.Retired
	m.sched = sched{rng: s.Sched.RNG, left: append([]int(nil), s.Sched.Left...),
		inRound: s.Sched.InRound, cpu: s.Sched.CPU, turn: s.Sched.Turn}
	b := &s.Board
	m.com1.lsrPolls, m.com1.ready = b.COM1Polls, b.COM1Ready
	bochs := 0
	for _, r := range m.portTab {
		switch d := r.dev.(type) {
		case *sysControl:
			d.val = b.SysControl
		case *bochsShutdown:
			if bochs < 2 {
				d.armed, d.matched = b.BochsArmed[bochs], min(max(b.BochsMatched[bochs], 0), 7)
			}
			bochs++
		case *fwCfg:
			d.key, d.off = b.FwCfgKey, b.FwCfgOff
		case *debugPort:
			d.last = -1
			for _, p := range b.DebugLast {
				if p.Port == d.port {
					d.last = int(p.Last)
				}
			}
		case *debugExit:
			d.last = b.DebugExitLast
		}
	}
	m.serialOut = m.serialOut[:0]
	m.resetReq, m.result, m.stopped = "", nil, false
	m.dbg.hit = false
	if m.race != nil {
		m.race.reset(m)
	}
	if m.stuck != nil {
		m.stuck.reset(m) // a new quiet stretch starts at the restored clock
	}
	m.code.Invalidate(0, uint32(min(len(m.ram), 1<<31)))
	for _, c := range m.cpus {
		c.PollInterrupts()
	}
	return nil
}

// StateHash returns a SHA-256 of the machine's whole state: the same for two machines
// (or a machine and a snapshot, Snapshot.Hash) whose next instructions would run the
// same. Call it between runs.
func (m *Machine) StateHash() ([32]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.machineState()
	var disks [2]DiskState
	if err := m.saveDisks(&disks); err != nil {
		return [32]byte{}, err
	}
	return stateHash(&st, &disks, ramPages(m.ram), scanRAM(m.ram))
}

// Hash returns the SHA-256 of the snapshot's state, as Machine.StateHash.
func (s *Snapshot) Hash() ([32]byte, error) {
	if s.ram == nil || s.ram.mem == nil {
		return [32]byte{}, errors.New("snapshot: no RAM (closed?)")
	}
	h, err := stateHash(&s.State, &s.Disks, s.page, s.pages)
	runtime.KeepAlive(s.ram) // its finalizer unmaps mem
	return h, err
}

// stateHash hashes a state, its disks' hashes and the RAM pages that are not zero.
func stateHash(st *MachineState, disks *[2]DiskState, page func(i int) []byte, pm pageMap) ([32]byte, error) {
	h := sha256.New()
	if err := gob.NewEncoder(h).Encode(st); err != nil {
		return [32]byte{}, fmt.Errorf("state hash: %w", err)
	}
	for i := range disks {
		sum, err := disks[i].hash()
		if err != nil {
			return [32]byte{}, fmt.Errorf("state hash: disk %d: %w", i, err)
		}
		h.Write(sum[:])
	}
	// Each page that is not zero: its number, kind and fill byte, then its runs (sparse)
	// or its bytes (data).
	var rec []byte
	for i, k := range pm.kind {
		if k == pageZero {
			continue
		}
		rec = binary.LittleEndian.AppendUint32(rec[:0], uint32(i))
		rec = append(rec, k, pm.fill[i])
		p := page(i)
		switch k {
		case pageSparse:
			rec = appendSparse(rec, p, pm.fill[i])
		case pageData:
			rec = append(rec, p...)
		}
		h.Write(rec)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, nil
}

// ramPages returns page i of ram.
func ramPages(ram []byte) func(i int) []byte {
	return func(i int) []byte { return ram[i*pageSize : (i+1)*pageSize] }
}

// plural is "1 CPU", "2 CPUs".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
