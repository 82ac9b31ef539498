package gdbstub

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// fakeMemBase is where the fake target's memory starts; below it reads fail.
const fakeMemBase = 0x1000

// fake is a Target whose "instructions" are one byte long: each one advances EIP by one and,
// when its address is in writes, stores to writes[addr] (for watchpoints).
type fake struct {
	mu      sync.Mutex
	regs    [][NumRegs]uint32
	mem     []byte
	bps     map[Breakpoint]bool
	writes  map[uint32]uint32
	reads   map[uint32]uint32
	stops   chan Stop
	pause   chan struct{}
	running bool
	resumes int
	steps   []int
	killed  bool
	resets  int
	exitNow bool // the next Resume ends the machine (guest power-off)
}

func newFake(ncpu int) *fake {
	f := &fake{regs: make([][NumRegs]uint32, ncpu), mem: make([]byte, 0x10000),
		bps: map[Breakpoint]bool{}, writes: map[uint32]uint32{}, reads: map[uint32]uint32{},
		stops: make(chan Stop, 1), pause: make(chan struct{}, 1)}
	for i := range f.regs {
		f.regs[i][RegEIP] = 0x2000 + uint32(i)*0x100
		f.regs[i][RegEAX] = 0x11111111 * uint32(i+1)
		f.regs[i][RegCS] = 8
		f.regs[i][RegEFLAGS] = 0x202
	}
	for i := range f.mem {
		f.mem[i] = byte(i * 7)
	}
	return f
}

func (f *fake) NumCPUs() int { return len(f.regs) }

func (f *fake) Registers(cpu int) ([NumRegs]uint32, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.regs[cpu], nil
}

func (f *fake) SetRegister(cpu, reg int, v uint32) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.regs[cpu][reg] = v
	return nil
}

func (f *fake) span(addr uint32, n int) (int, error) {
	if addr < fakeMemBase || uint64(addr)+uint64(n) > fakeMemBase+uint64(len(f.mem)) {
		return 0, fmt.Errorf("fake: no memory at %#x", addr)
	}
	return int(addr - fakeMemBase), nil
}

func (f *fake) ReadMemory(cpu int, addr uint32, buf []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, err := f.span(addr, len(buf))
	if err != nil {
		return err
	}
	copy(buf, f.mem[o:])
	return nil
}

func (f *fake) WriteMemory(cpu int, addr uint32, data []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, err := f.span(addr, len(data))
	if err != nil {
		return err
	}
	copy(f.mem[o:], data)
	return nil
}

func (f *fake) SetBreakpoint(bp Breakpoint, on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if bp.Len > 8 && bp.Kind >= WatchWrite {
		return errors.New("fake: watch too long")
	}
	if on {
		f.bps[bp] = true
	} else {
		delete(f.bps, bp)
	}
	return nil
}

// hit reports the stop, if any, caused by executing the instruction at eip on cpu.
func (f *fake) hit(cpu int, eip uint32) (Stop, bool) {
	for bp := range f.bps {
		if bp.Kind <= BreakHardware && bp.Addr == eip {
			return Stop{Kind: StopBreakpoint, CPU: cpu, Addr: eip}, true
		}
	}
	return Stop{}, false
}

// watch reports the watchpoint stop caused by the access the instruction at eip made.
func (f *fake) watch(cpu int, eip uint32) (Stop, bool) {
	for bp := range f.bps {
		in := func(a uint32) bool { return a >= bp.Addr && a < bp.Addr+bp.Len }
		if a, ok := f.writes[eip]; ok && in(a) && (bp.Kind == WatchWrite || bp.Kind == WatchAccess) {
			if o, err := f.span(a, 1); err == nil {
				f.mem[o]++ // gdb reports a write watchpoint only when the value changed
			}
			return Stop{Kind: StopWatch, CPU: cpu, Addr: a, Watch: bp.Kind}, true
		}
		if a, ok := f.reads[eip]; ok && in(a) && (bp.Kind == WatchRead || bp.Kind == WatchAccess) {
			return Stop{Kind: StopWatch, CPU: cpu, Addr: a, Watch: bp.Kind}, true
		}
	}
	return Stop{}, false
}

func (f *fake) Resume() error {
	f.mu.Lock()
	f.running = true
	f.resumes++
	exit := f.exitNow
	f.mu.Unlock()
	if exit {
		go f.finish(Stop{Kind: StopExited, Code: 3})
		return nil
	}
	go func() {
		for {
			select {
			case <-f.pause:
				f.finish(Stop{Kind: StopInterrupt, CPU: 0})
				return
			default:
			}
			f.mu.Lock()
			var st Stop
			stop := false
			for cpu := range f.regs {
				eip := f.regs[cpu][RegEIP]
				if st, stop = f.hit(cpu, eip); stop {
					break
				}
				f.regs[cpu][RegEIP]++
				if st, stop = f.watch(cpu, eip); stop {
					break
				}
			}
			f.mu.Unlock()
			if stop {
				f.finish(st)
				return
			}
			runtime.Gosched()
		}
	}()
	return nil
}

func (f *fake) finish(st Stop) {
	f.mu.Lock()
	f.running = false
	select { // a Pause that came too late must not stop the next run
	case <-f.pause:
	default:
	}
	f.mu.Unlock()
	f.stops <- st
}

func (f *fake) Step(cpu int) error {
	f.mu.Lock()
	f.running = true
	f.steps = append(f.steps, cpu)
	eip := f.regs[cpu][RegEIP]
	f.regs[cpu][RegEIP]++
	st, ok := f.watch(cpu, eip)
	f.mu.Unlock()
	if !ok {
		st = Stop{Kind: StopStep, CPU: cpu}
	}
	go f.finish(st)
	return nil
}

func (f *fake) Pause() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.running {
		return
	}
	select {
	case f.pause <- struct{}{}:
	default:
	}
}

func (f *fake) Stops() <-chan Stop { return f.stops }

func (f *fake) Kill() {
	f.mu.Lock()
	f.killed = true
	f.mu.Unlock()
}

func (f *fake) Monitor(cpu int, cmd string) (string, error) {
	switch cmd {
	case "info registers":
		r, _ := f.Registers(cpu)
		return fmt.Sprintf("CPU %d EAX=%08x EIP=%08x CR0=00000000\n", cpu, r[RegEAX], r[RegEIP]), nil
	case "system_reset":
		f.mu.Lock()
		f.resets++
		f.mu.Unlock()
		return "", nil
	}
	return "", fmt.Errorf("unknown command %q", cmd)
}

func (f *fake) isRunning() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.running
}
