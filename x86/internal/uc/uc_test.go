//go:build unicorn

package uc

import "testing"

// TestAdd checks the binding end to end: add eax,ebx then div by zero.
func TestAdd(t *testing.T) {
	e, err := New(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	code := []byte{0x01, 0xd8, 0x31, 0xc9, 0xf7, 0xf1, 0x90} // add eax,ebx; xor ecx,ecx; div ecx
	if err := e.WriteMem(0x1000, code); err != nil {
		t.Fatal(err)
	}
	e.SetReg(0, 0xffffffff)
	e.SetReg(3, 2)
	r, err := e.Start(0x1000, 0x1000+uint32(len(code)), 0)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := e.Reg(0); v != 1 {
		t.Errorf("eax = %#x, want 1", v)
	}
	if !r.Intr || r.Vector != 0 || r.IntEIP != 0x1004 {
		t.Errorf("result %+v, want #DE at 0x1004", r)
	}
	fl, _ := e.EFLAGS()
	if fl&0x41 != 0x40 {
		t.Errorf("eflags %#x: want ZF set and CF clear after xor ecx,ecx", fl)
	}
}
