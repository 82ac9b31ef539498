// Package vga emulates the CGA/VGA colour text mode: an 80x25 character buffer in guest
// memory at 0xB8000 and the CRTC registers that place the cursor and the start address.
// Other VGA registers are stored and read back but change nothing.
package vga

// Text screen geometry.
const (
	Cols = 80
	Rows = 25
)

// MemBase is the text buffer's physical address; MemSize its window size.
const (
	MemBase = 0xB8000
	MemSize = 0x8000
)

// Ports.
const (
	CRTCIndex  = 0x3D4
	CRTCData   = 0x3D5
	InputStat  = 0x3DA // input status 1 (read)
	MonoIndex  = 0x3B4
	MonoData   = 0x3B5
	MonoStatus = 0x3BA
	AttrIndex  = 0x3C0 // attribute controller index/data (flip-flop)
	AttrRead   = 0x3C1
	MiscWrite  = 0x3C2
	SeqIndex   = 0x3C4
	SeqData    = 0x3C5
	DACMask    = 0x3C6
	DACRead    = 0x3C7
	DACWrite   = 0x3C8
	DACData    = 0x3C9
	MiscRead   = 0x3CC
	GfxIndex   = 0x3CE
	GfxData    = 0x3CF
)

// CRTC register indexes.
const (
	CursorStart = 0x0A // bit 5 hides the cursor
	CursorEnd   = 0x0B
	StartHigh   = 0x0C
	StartLow    = 0x0D
	CursorHigh  = 0x0E
	CursorLow   = 0x0F
)

// Input status 1 bits, toggled on every read so retrace polls terminate.
const (
	StatDisplayOff = 0x01
	StatVRetrace   = 0x08
)

// crtcReset is the CRTC of 80x25 colour text mode (cursor on scan lines 14-15).
var crtcReset = [0x19]uint8{
	0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E,
	0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF,
}

// VGA is the text-mode adapter.
type VGA struct {
	mem []byte

	crtcIdx  uint8
	crtc     [32]uint8
	seqIdx   uint8
	seq      [8]uint8
	gfxIdx   uint8
	gfx      [16]uint8
	attrIdx  uint8
	attr     [32]uint8
	attrData bool // the 0x3C0 flip-flop: next write is data
	misc     uint8
	dac      [4]uint8 // mask, read index, write index, last data byte
	retrace  bool
	version  uint64
}

// New returns an adapter over mem, the guest RAM window at MemBase.
func New(mem []byte) *VGA {
	v := &VGA{mem: mem, misc: 0x67}
	copy(v.crtc[:], crtcReset[:])
	return v
}

// In reads a VGA port.
func (v *VGA) In(port uint16, size int) uint32 {
	switch port {
	case CRTCIndex, MonoIndex:
		return uint32(v.crtcIdx)
	case CRTCData, MonoData:
		return uint32(v.crtc[v.crtcIdx&31])
	case InputStat, MonoStatus:
		v.attrData = false
		v.retrace = !v.retrace
		if v.retrace {
			return StatDisplayOff | StatVRetrace
		}
		return 0
	case AttrIndex:
		return uint32(v.attrIdx)
	case AttrRead:
		return uint32(v.attr[v.attrIdx&31])
	case SeqIndex:
		return uint32(v.seqIdx)
	case SeqData:
		return uint32(v.seq[v.seqIdx&7])
	case GfxIndex:
		return uint32(v.gfxIdx)
	case GfxData:
		return uint32(v.gfx[v.gfxIdx&15])
	case MiscRead:
		return uint32(v.misc)
	case DACMask, DACRead, DACWrite, DACData:
		return uint32(v.dac[port-DACMask])
	}
	return 0xFF
}

// Out writes a VGA port. A 16-bit write to an index port also writes the data port,
// as `outw` does on hardware.
func (v *VGA) Out(port uint16, size int, val uint32) {
	if size == 2 && (port == CRTCIndex || port == MonoIndex || port == SeqIndex || port == GfxIndex) {
		v.Out(port, 1, val&0xFF)
		v.Out(port+1, 1, val>>8&0xFF)
		return
	}
	b := uint8(val)
	switch port {
	case CRTCIndex, MonoIndex:
		v.crtcIdx = b
	case CRTCData, MonoData:
		v.crtc[v.crtcIdx&31] = b
		v.version++
	case AttrIndex:
		if v.attrData {
			v.attr[v.attrIdx&31] = b
		} else {
			v.attrIdx = b
		}
		v.attrData = !v.attrData
	case MiscWrite:
		v.misc = b
	case SeqIndex:
		v.seqIdx = b
	case SeqData:
		v.seq[v.seqIdx&7] = b
	case GfxIndex:
		v.gfxIdx = b
	case GfxData:
		v.gfx[v.gfxIdx&15] = b
	case DACMask, DACRead, DACWrite, DACData:
		v.dac[port-DACMask] = b
	}
}

// start returns the CRTC start address (in cells).
func (v *VGA) start() int {
	return int(v.crtc[StartHigh])<<8 | int(v.crtc[StartLow])
}

// Cursor returns the cursor position on screen and whether it is shown (not disabled by
// CRTC register 0x0A bit 5, and inside the visible screen).
func (v *VGA) Cursor() (row, col int, visible bool) {
	pos := int(v.crtc[CursorHigh])<<8 | int(v.crtc[CursorLow]) - v.start()
	if pos < 0 || pos >= Rows*Cols {
		return 0, 0, false
	}
	return pos / Cols, pos % Cols, v.crtc[CursorStart]&0x20 == 0
}

// Cell returns the character and attribute at row, col of the visible screen.
func (v *VGA) Cell(row, col int) (ch, attr byte) {
	if row < 0 || row >= Rows || col < 0 || col >= Cols {
		return 0, 0
	}
	off := (2 * (v.start() + row*Cols + col)) % MemSize
	if off+1 >= len(v.mem) {
		return 0, 0
	}
	return v.mem[off], v.mem[off+1]
}

// Snapshot copies the visible screen (char | attr<<8 per cell) into dst.
func (v *VGA) Snapshot(dst *[Rows][Cols]uint16) {
	for r := range dst {
		for c := range dst[r] {
			ch, at := v.Cell(r, c)
			dst[r][c] = uint16(ch) | uint16(at)<<8
		}
	}
}

// Version counts CRTC register writes (cursor moves, scrolling by start address); a
// front end compares it, and a Snapshot, with the previous ones to know what changed.
func (v *VGA) Version() uint64 { return v.version }
