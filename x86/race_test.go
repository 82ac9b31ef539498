package x86

import "testing"

// raceLoop is: loop: mov eax,[0x20000]; inc dword [0x20004]; add dword [0x20008],2; dec ecx; jnz loop; hlt
var raceLoop = []byte{
	0xA1, 0x00, 0x00, 0x02, 0x00,
	0xFF, 0x05, 0x04, 0x00, 0x02, 0x00,
	0x83, 0x05, 0x08, 0x00, 0x02, 0x00, 0x02,
	0x49,
	0x75, 0xEB,
	0xF4,
}

func TestRaceProbeSeesNextAccess(t *testing.T) {
	for _, jit := range []bool{false, true} {
		c, b, _ := newFlat(t)
		c.NoJIT = !jit
		b.put(0x10000, raceLoop)
		b.w32(0x20004, 41)
		c.Reg[ECX] = 1000
		if why := c.Run(3000); why != StopBudget { // warm: the loop is translated
			t.Fatalf("jit=%v: warm-up stopped with %v", jit, why)
		}
		c.SetProbe(true)
		var seen []Access
		for len(seen) < 3 {
			if why := c.Run(100); why != StopWatch {
				t.Fatalf("jit=%v: probe: Run = %v, want StopWatch", jit, why)
			}
			seen = append(seen, c.Watched)
		}
		c.SetProbe(false)
		want := []struct {
			eip, pa uint32
			write   bool
		}{{0x10000, 0x20000, false}, {0x10005, 0x20004, true}, {0x1000B, 0x20008, true}}
		// The loop may be anywhere: find the read and check the two after it.
		k := 0
		for k < len(want) && seen[0].EIP != want[k].eip {
			k++
		}
		if k == len(want) {
			t.Fatalf("jit=%v: first access %+v is not one of the loop's", jit, seen[0])
		}
		for i, a := range seen {
			w := want[(k+i)%len(want)]
			if a.EIP != w.eip || a.Phys != w.pa || a.Write != w.write || a.Size != 4 {
				t.Errorf("jit=%v: access %d = %+v, want EIP %#x pa %#x write %v", jit, i, a, w.eip, w.pa, w.write)
			}
			if a.Write && a.EIP == 0x10005 && a.New != a.Old+1 {
				t.Errorf("jit=%v: inc: old %d new %d", jit, a.Old, a.New)
			}
		}
		// With the probe off the CPU runs to the end.
		if why := c.Run(1 << 20); why != StopHalt {
			t.Errorf("jit=%v: after the probe: Run = %v, want StopHalt", jit, why)
		}
	}
}

func TestPhysWatch(t *testing.T) {
	for _, jit := range []bool{false, true} {
		c, b, _ := newFlat(t)
		c.NoJIT = !jit
		b.put(0x10000, raceLoop)
		c.Reg[ECX] = 1000
		c.Run(3000)
		// A write watch on 0x20008 must not stop at the reads of 0x20000.
		c.SetPhysWatch(0x20008, 4, false, true)
		if why := c.Run(100); why != StopWatch {
			t.Fatalf("jit=%v: Run = %v, want StopWatch", jit, why)
		}
		if a := c.Watched; a.EIP != 0x1000B || !a.Write || a.New != a.Old+2 {
			t.Errorf("jit=%v: watched %+v, want the add at 0x1000b", jit, a)
		}
		// A read watch on a byte inside the first dword stops at the mov.
		c.SetPhysWatch(0x20008, 4, false, false)
		c.SetPhysWatch(0x20002, 1, true, true)
		if why := c.Run(100); why != StopWatch || c.Watched.EIP != 0x10000 || c.Watched.Write {
			t.Errorf("jit=%v: read watch: %v %+v", jit, why, c.Watched)
		}
		c.SetPhysWatch(0x20002, 1, true, false)
		if why := c.Run(1 << 20); why != StopHalt {
			t.Errorf("jit=%v: after the watches: Run = %v, want StopHalt", jit, why)
		}
	}
}
