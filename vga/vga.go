// Package vga emulates the CGA/VGA colour text mode: an 80x25 character buffer in guest
// memory at 0xB8000 and the CRTC registers that place the cursor and the start address.
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
	InputStat  = 0x3DA
	MonoIndex  = 0x3B4
	MonoData   = 0x3B5
	MonoStatus = 0x3BA
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

// VGA is the text-mode adapter.
type VGA struct {
	mem []byte
}

// New returns an adapter over mem, the guest RAM window at MemBase.
func New(mem []byte) *VGA { return &VGA{mem: mem} }

// In reads a VGA port.
func (v *VGA) In(port uint16, size int) uint32 { return 0xFF }

// Out writes a VGA port.
func (v *VGA) Out(port uint16, size int, val uint32) {}

// Cursor returns the cursor position on screen and whether it is shown.
func (v *VGA) Cursor() (row, col int, visible bool) { return 0, 0, true }

// Cell returns the character and attribute at row, col of the visible screen.
func (v *VGA) Cell(row, col int) (ch, attr byte) { return 0, 0 }

// Snapshot copies the visible screen (char | attr<<8 per cell) into dst.
func (v *VGA) Snapshot(dst *[Rows][Cols]uint16) {}

// Version counts CRTC register writes; a front end redraws the cursor when it changes.
func (v *VGA) Version() uint64 { return 0 }
