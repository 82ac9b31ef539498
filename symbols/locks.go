package symbols

import (
	"debug/dwarf"
	"fmt"
	"sort"
	"strings"
)

// StructAt names the struct that starts at addr, the innermost one when several do
// (a sleeplock that is the first member of an inode is the sleeplock when addr is
// inode.lock): "sleeplock". It reports false when addr is not the start of a struct
// inside a variable the DWARF describes.
func (t *Table) StructAt(addr uint32) (string, bool) {
	v, off, ok := t.varAt(addr)
	if !ok {
		return "", false
	}
	name, found := "", false
	typ := v.typ
	for depth := 0; depth <= maxDepth; depth++ {
		switch u := underlying(typ).(type) {
		case *dwarf.StructType:
			if off == 0 {
				name, found = u.StructName, u.StructName != ""
			}
			next := dwarf.Type(nil)
			for _, f := range u.Field {
				if f.Type != nil && f.BitSize == 0 && off >= f.ByteOffset && off-f.ByteOffset < f.Type.Size() {
					next, off = f.Type, off-f.ByteOffset
					break
				}
			}
			if next == nil {
				return name, found
			}
			typ = next
		case *dwarf.ArrayType:
			esz := u.Type.Size()
			if esz <= 0 || off < 0 {
				return name, found
			}
			typ, off = u.Type, off%esz
		default:
			return name, found
		}
	}
	return name, found
}

// varAt finds the variable holding addr and how far into it addr is.
func (t *Table) varAt(addr uint32) (variable, int64, bool) {
	i := sort.Search(len(t.vars), func(i int) bool { return t.vars[i].addr > addr }) - 1
	if i < 0 || addr-t.vars[i].addr >= t.vars[i].size {
		return variable{}, 0, false
	}
	return t.vars[i], int64(addr - t.vars[i].addr), true
}

// sleeplockHolders fills Holder for each process asleep on an xv6 sleeplock (struct
// sleeplock with members locked and pid, as both xv6 kernels have): the pid the lock
// records as its holder while it is locked.
func (t *Table) sleeplockHolders(procs []Proc, read32 func(uint32) (uint32, bool)) {
	lockedOff, lsz, ok1 := t.Field("sleeplock", "locked")
	pidOff, psz, ok2 := t.Field("sleeplock", "pid")
	if !ok1 || !ok2 || lsz != 4 || psz != 4 {
		return
	}
	for i := range procs {
		p := &procs[i]
		if p.State != "SLEEPING" || p.Chan == 0 {
			continue
		}
		if name, ok := t.StructAt(p.Chan); !ok || name != "sleeplock" {
			continue
		}
		locked, ok1 := read32(p.Chan + lockedOff)
		pid, ok2 := read32(p.Chan + pidOff)
		if ok1 && ok2 && locked != 0 && int32(pid) > 0 {
			p.Holder = int(int32(pid))
		}
	}
}

// Deadlocks finds the cycles of processes each asleep on a sleeplock the next one
// holds (Proc.Holder), each cycle once, as indexes into procs in wait order.
func Deadlocks(procs []Proc) [][]int {
	byPID := map[int]int{}
	for i, p := range procs {
		byPID[p.PID] = i
	}
	var cycles [][]int
	seen := map[int]bool{} // processes already placed on a cycle or a path that has none
	for start := range procs {
		if seen[start] {
			continue
		}
		var path []int
		onPath := map[int]int{} // index in procs -> position in path
		i := start
		for {
			if pos, ok := onPath[i]; ok {
				cycles = append(cycles, append([]int(nil), path[pos:]...))
				break
			}
			if seen[i] {
				break
			}
			onPath[i] = len(path)
			path = append(path, i)
			next, ok := byPID[procs[i].Holder]
			if procs[i].Holder == 0 || !ok {
				break
			}
			i = next
		}
		for _, j := range path {
			seen[j] = true
		}
	}
	return cycles
}

// FormatDeadlock describes one cycle Deadlocks found, a line per process: "pid 5
// (usertests) waits for icache.inode[3].lock, held by pid 6 (usertests)".
func FormatDeadlock(procs []Proc, cycle []int) string {
	var b strings.Builder
	for k, i := range cycle {
		p, next := procs[i], procs[cycle[(k+1)%len(cycle)]]
		fmt.Fprintf(&b, "pid %d (%s) waits for %s, held by pid %d (%s)\n", p.PID, p.Name, p.ChanDesc, next.PID, next.Name)
	}
	return b.String()
}
