package vga

import "testing"

// cgaputc is xv6's cursor handling around one character: read the position, write the
// cell, write the position back.
func cgaputc(v *VGA, mem []byte, c byte) {
	v.Out(CRTCIndex, 1, 14)
	pos := int(v.In(CRTCData, 1)) << 8
	v.Out(CRTCIndex, 1, 15)
	pos |= int(v.In(CRTCData, 1))
	if c == '\n' {
		pos += 80 - pos%80
	} else {
		mem[2*pos] = c
		mem[2*pos+1] = 0x07
		pos++
	}
	v.Out(CRTCIndex, 1, 14)
	v.Out(CRTCData, 1, uint32(pos>>8))
	v.Out(CRTCIndex, 1, 15)
	v.Out(CRTCData, 1, uint32(pos))
	mem[2*pos] = ' '
	mem[2*pos+1] = 0x07
}

func TestXV6Console(t *testing.T) {
	mem := make([]byte, MemSize)
	v := New(mem)
	if r, c, vis := v.Cursor(); r != 0 || c != 0 || !vis {
		t.Errorf("reset cursor %d,%d,%v", r, c, vis)
	}
	for _, c := range []byte("hi\n$ ") {
		cgaputc(v, mem, c)
	}
	if r, c, vis := v.Cursor(); r != 1 || c != 2 || !vis {
		t.Errorf("cursor %d,%d,%v, want 1,2,true", r, c, vis)
	}
	for _, cell := range []struct {
		r, c int
		ch   byte
	}{{0, 0, 'h'}, {0, 1, 'i'}, {1, 0, '$'}, {1, 1, ' '}} {
		if ch, at := v.Cell(cell.r, cell.c); ch != cell.ch || at != 0x07 {
			t.Errorf("cell %d,%d = %q %#x, want %q 0x07", cell.r, cell.c, ch, at, cell.ch)
		}
	}
	var snap [Rows][Cols]uint16
	v.Snapshot(&snap)
	if snap[0][0] != 0x0768 || snap[1][0] != 0x0724 {
		t.Errorf("snapshot %#x %#x", snap[0][0], snap[1][0])
	}
	if v.Version() != 10 {
		t.Errorf("Version %d, want 10 (two CRTC writes per character)", v.Version())
	}
}

func TestStartAddressAndHiddenCursor(t *testing.T) {
	mem := make([]byte, MemSize)
	v := New(mem)
	mem[2*80] = 'X' // row 1 of the buffer
	v.Out(CRTCIndex, 2, uint32(StartLow)|80<<8)
	if ch, _ := v.Cell(0, 0); ch != 'X' {
		t.Errorf("with start address 80, cell 0,0 = %q, want X", ch)
	}
	v.Out(CRTCIndex, 1, CursorLow)
	v.Out(CRTCData, 1, 85)
	if r, c, vis := v.Cursor(); r != 0 || c != 5 || !vis {
		t.Errorf("cursor %d,%d,%v, want 0,5,true", r, c, vis)
	}
	v.Out(CRTCIndex, 1, CursorStart)
	v.Out(CRTCData, 1, 0x20)
	if _, _, vis := v.Cursor(); vis {
		t.Error("cursor visible with 0x0A bit 5 set")
	}
	v.Out(CRTCIndex, 1, CursorLow)
	v.Out(CRTCData, 1, 10) // before the start address: off screen
	if _, _, vis := v.Cursor(); vis {
		t.Error("cursor before the start address reported visible")
	}
	// The window wraps at 32 KB.
	v.Out(CRTCIndex, 2, uint32(StartHigh)|0x3F<<8)
	v.Out(CRTCIndex, 2, uint32(StartLow)|0xFF<<8)
	mem[0] = 'W'
	if ch, _ := v.Cell(0, 1); ch != 'W' {
		t.Errorf("wrapped cell %q, want W", ch)
	}
	if ch, at := v.Cell(25, 0); ch != 0 || at != 0 {
		t.Error("cell outside the screen")
	}
}

func TestRegistersStored(t *testing.T) {
	v := New(make([]byte, 100)) // a short window must not panic
	v.Out(MonoIndex, 1, 0x0E)
	v.Out(MonoData, 1, 0x12)
	v.Out(CRTCIndex, 1, 0x0E)
	if v.In(CRTCData, 1) != 0x12 {
		t.Error("0x3B4/0x3B5 do not mirror the CRTC")
	}
	a, b := v.In(InputStat, 1), v.In(InputStat, 1)
	if a == b || (a|b)&StatVRetrace == 0 {
		t.Errorf("input status does not toggle retrace: %#x %#x", a, b)
	}
	v.In(InputStat, 1) // reset the flip-flop
	v.Out(AttrIndex, 1, 0x10)
	v.Out(AttrIndex, 1, 0x0C)
	if v.In(AttrRead, 1) != 0x0C {
		t.Error("attribute register lost")
	}
	v.Out(SeqIndex, 2, 0x0304)
	v.Out(GfxIndex, 2, 0x0E06)
	v.Out(SeqIndex, 1, 4)
	v.Out(GfxIndex, 1, 6)
	if v.In(SeqData, 1) != 3 || v.In(GfxData, 1) != 0x0E {
		t.Error("sequencer or graphics register lost")
	}
	v.Out(MiscWrite, 1, 0x63)
	if v.In(MiscRead, 1) != 0x63 || v.In(0x3D0, 1) != 0xFF {
		t.Error("misc output or unknown port")
	}
	var snap [Rows][Cols]uint16
	v.Snapshot(&snap)
	if snap[24][79] != 0 {
		t.Error("cell beyond a short window not blank")
	}
}
