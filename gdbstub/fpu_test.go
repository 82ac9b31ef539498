package gdbstub

import (
	"testing"

	"gemu/x86"
)

// fpuTarget is a fake with x87 registers.
type fpuTarget struct{ *fake }

func (fpuTarget) FPU(cpu int) (x86.FPURegs, error) {
	r := x86.FPURegs{FCW: 0x27F, FSW: 0x3800, FTW: 0x3FFF, FIP: 0x1234, FOP: 0x1EE}
	r.ST[0] = [10]byte{7: 0x80, 8: 0xFF, 9: 0x3F} // 1.0
	return r, nil
}

func TestFPURegisters(t *testing.T) {
	s := New(fpuTarget{newFake(1)}, false)
	for _, k := range []struct{ reg, want string }{
		{"10", "0000000000000080ff3f"}, // st0
		{"18", "7f020000"},             // fctrl
		{"19", "00380000"},             // fstat
		{"1a", "ff3f0000"},             // ftag
		{"1c", "34120000"},             // fioff
		{"1f", "ee010000"},             // fop
	} {
		if got := s.readReg(k.reg); got != k.want {
			t.Errorf("p%s = %s, want %s", k.reg, got, k.want)
		}
	}
}
