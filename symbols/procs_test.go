package symbols

import (
	"encoding/binary"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// fakeMem is guest memory made of a few regions at fixed virtual addresses.
type fakeMem map[uint32][]byte

// read copies the bytes at va into b if one region holds them all.
func (m fakeMem) read(va uint32, b []byte) bool {
	for base, r := range m {
		if va >= base && uint64(va-base)+uint64(len(b)) <= uint64(len(r)) {
			copy(b, r[va-base:])
			return true
		}
	}
	return false
}

// TestProcsFake lays out a process table in fake memory from the kernel's own DWARF
// (through the exported queries) and reads it back with Procs.
func TestProcsFake(t *testing.T) {
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			tab, _ := openKernel(t, k.build)
			spin, _ := tab.Sizeof("spinlock")
			psize, _ := tab.Sizeof("proc")
			ptable := mustAddr(t, tab, "ptable")
			_, _, ok := tab.Data(ptable)
			if !ok {
				t.Fatal("ptable is not data")
			}
			table := make([]byte, spin+64*psize)
			const stack = 0x8dfff000
			stk := make([]byte, 0x1000)
			// cpus[1] runs slot 0; ncpu is 2.
			cpuSize, _ := tab.Sizeof("cpu")
			cpuProc, _, ok := tab.Field("cpu", "proc")
			if !ok {
				t.Fatal("no struct cpu member proc")
			}
			cpus := make([]byte, 2*cpuSize)
			ncpu := []byte{2, 0, 0, 0}
			binary.LittleEndian.PutUint32(cpus[cpuSize+cpuProc:], ptable+spin)
			// cpus[0] holds slot 7, asleep but not yet switched away from.
			binary.LittleEndian.PutUint32(cpus[cpuProc:], ptable+spin+7*psize)
			mem := fakeMem{ptable: table, stack: stk, mustAddr(t, tab, "cpus"): cpus, mustAddr(t, tab, "ncpu"): ncpu}
			put := func(b []byte, off uint32, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
			field := func(name string) uint32 {
				off, _, ok := tab.Field("proc", name)
				if !ok {
					t.Fatalf("no proc.%s", name)
				}
				return off
			}
			state := func(name string) uint32 {
				v, ok := tab.Enum("procstate", name)
				if !ok {
					t.Fatalf("no procstate %s", name)
				}
				return uint32(v)
			}
			slot := func(i int, st string, pid int, name string, chn, killed, ctx uint32) {
				p := table[spin+uint32(i)*psize:]
				put(p, field("state"), state(st))
				put(p, field("pid"), uint32(pid))
				copy(p[field("name"):], name)
				put(p, field("chan"), chn)
				put(p, field("killed"), killed)
				put(p, field("context"), ctx)
				put(p, field("kstack"), 0x8dffe000)
			}
			eipOff, _, _ := tab.Field("context", "eip")
			ebpOff, _, _ := tab.Field("context", "ebp")
			sched := mustAddr(t, tab, "sched") + 0x20
			consoleread := mustAddr(t, tab, "consoleread") + 0x30
			sysRead := mustAddr(t, tab, "sys_read") + 0x10
			// The context at stack+0x100, sched's frame at +0x140, consoleread's at +0x160.
			put(stk, 0x100+eipOff, sched)
			put(stk, 0x100+ebpOff, stack+0x140)
			put(stk, 0x140, stack+0x160)
			put(stk, 0x144, consoleread)
			put(stk, 0x160, 0)
			put(stk, 0x164, sysRead)
			input := mustAddr(t, tab, "input") + 128

			slot(0, "RUNNING", 1, "init", 0, 0, stack+0x100)
			slot(3, "SLEEPING", 7, "sh", input, 1, stack+0x100)
			slot(5, "ZOMBIE", 9, "zombie\x01", 0, 0, 0)
			slot(6, "SLEEPING", 10, "cat", 0x8dff0000, 0, stack+0xff0) // context's ebp unreadable
			slot(7, "SLEEPING", 11, "mid", input, 0, stack+0x100)      // still on cpu0
			slot(8, "SLEEPING", 12, "odd", input, 0, stack+0x100)
			put(table[spin+8*psize:], field("kstack"), stack+0x150) // frames below kstack are not its own

			procs, err := tab.Procs(mem.read)
			if err != nil {
				t.Fatal(err)
			}
			want := []Proc{
				{Slot: 0, PID: 1, State: "RUNNING", Name: "init", CPU: 1, Kstack: 0x8dffe000, Context: stack + 0x100},
				{Slot: 3, PID: 7, State: "SLEEPING", Name: "sh", Chan: input, ChanDesc: "input.r", Killed: true, CPU: -1,
					Kstack: 0x8dffe000, Context: stack + 0x100, Stack: []uint32{sched, consoleread, sysRead}},
				{Slot: 5, PID: 9, State: "ZOMBIE", Name: `zombie\x01`, CPU: -1, Kstack: 0x8dffe000},
				{Slot: 6, PID: 10, State: "SLEEPING", Name: "cat", Chan: 0x8dff0000, ChanDesc: "0x8dff0000", CPU: -1,
					Kstack: 0x8dffe000, Context: stack + 0xff0},
				{Slot: 7, PID: 11, State: "SLEEPING", Name: "mid", Chan: input, ChanDesc: "input.r", CPU: 0,
					Kstack: 0x8dffe000, Context: stack + 0x100},
				{Slot: 8, PID: 12, State: "SLEEPING", Name: "odd", Chan: input, ChanDesc: "input.r", CPU: -1,
					Kstack: stack + 0x150, Context: stack + 0x100, Stack: []uint32{sched}},
			}
			if !reflect.DeepEqual(procs, want) {
				t.Errorf("Procs =\n%+v\nwant\n%+v", procs, want)
			}
			out := tab.FormatProcs(procs)
			for _, line := range []string{
				"PID  STATE",
				"input.r",
				"sched <- consoleread <- ", // then sys_read, perhaps with a function inlined in it
			} {
				if !strings.Contains(out, line) {
					t.Errorf("FormatProcs lacks %q:\n%s", line, out)
				}
			}

			for _, re := range []string{
				`(?m)^1 +RUNNING on cpu1 +init +- +-$`,
				`(?m)^7 +SLEEPING,killed +sh +input\.r +sched <- consoleread <- `,
				`(?m)^11 +SLEEPING on cpu0 +mid +input\.r +-$`,
			} {
				if !regexp.MustCompile(re).MatchString(out) {
					t.Errorf("FormatProcs has no line matching %s:\n%s", re, out)
				}
			}

			// Memory that cannot be read is an error, not an empty table.
			if _, err := tab.Procs(fakeMem{}.read); err == nil || !strings.Contains(err.Error(), "ptable") {
				t.Errorf("Procs on unreadable memory: err = %v", err)
			}
		})
	}
}

// TestProcsNotXv6 reads an ELF without ptable: an object file of the kernel.
func TestProcsNotXv6(t *testing.T) {
	kernel := xv6SrcKernel(t)
	tab, err := Open(filepath.Join(filepath.Dir(kernel), "bio.o"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tab.Procs(fakeMem{}.read)
	if err == nil || !strings.Contains(err.Error(), "not an xv6 kernel") {
		t.Errorf("Procs on bio.o: err = %v, want one saying it is not an xv6 kernel", err)
	}
}
