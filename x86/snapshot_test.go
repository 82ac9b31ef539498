package x86

import (
	"reflect"
	"testing"
)

// A CPU stopped in the middle of a loop that does integer, flag, stack, memory and x87
// work, with a lazily kept flag result and after an sti, is saved and set into a new CPU
// on a copy of its RAM: the two then run to the same state, instruction by instruction.
func TestStateRoundTrip(t *testing.T) {
	a, ba, _ := newFlat(t)
	code := []byte{
		0xDB, 0xE3, // fninit
		0xD9, 0xE8, // fld1
		0xB9, 0x00, 0x10, 0x00, 0x00, // mov ecx, 0x1000
		// loop:
		0xD9, 0xEB, // fldpi
		0xDE, 0xC1, // faddp
		0x01, 0xC8, // add eax, ecx
		0x51,                         // push ecx
		0x89, 0x04, 0x8D, 0, 0, 2, 0, // mov [ecx*4+0x20000], eax
		0x59,       // pop ecx
		0xFB,       // sti
		0x49,       // dec ecx
		0x75, 0xEC, // jnz loop
		0xF4, // hlt
	}
	ba.put(0x10000, code)
	for i := 0; i < 2; i++ {
		if r := a.Run(37 + i*101); r != StopBudget {
			t.Fatalf("run %d: %v", i, r)
		}
	}
	s := a.State()
	b, bb, _ := newFlat(t)
	copy(bb.ram, ba.ram)
	if err := b.SetState(s); err != nil {
		t.Fatal(err)
	}
	if got := b.State(); !reflect.DeepEqual(got, s) {
		t.Fatalf("state after SetState:\n%+v\nwant\n%+v", got, s)
	}
	if s.FPU.Empty == 0xFF || s.Retired == 0 {
		t.Fatalf("the x87 or the clock was not used: %+v", s.FPU)
	}
	for step := 0; step < 500; step++ {
		ra, rb := a.Run(1+step%7), b.Run(1+step%7)
		if ra != rb || !reflect.DeepEqual(a.State(), b.State()) {
			t.Fatalf("step %d: states differ:\n%+v\n%+v", step, a.State(), b.State())
		}
	}
	bad := s
	bad.FPU.Top = 8
	if err := b.SetState(bad); err == nil {
		t.Error("an x87 TOP of 8 accepted")
	}
}
