package tui

import "github.com/gdamore/tcell/v2"

// cgaToANSI maps a CGA colour number (0 black, 1 blue, 2 green, 3 cyan, 4 red, 5 magenta,
// 6 brown, 7 light grey, 8-15 the bright versions) to the terminal palette index. The ANSI
// palette swaps red and blue (and so cyan and brown/yellow) against CGA's bit order
// (CGA: bit 0 blue, bit 2 red; ANSI: bit 0 red, bit 2 blue).
var cgaToANSI = [16]int{
	0,  // black
	4,  // blue
	2,  // green
	6,  // cyan
	1,  // red
	5,  // magenta
	3,  // brown (dark yellow)
	7,  // light grey
	8,  // dark grey
	12, // light blue
	10, // light green
	14, // light cyan
	9,  // light red
	13, // light magenta
	11, // yellow
	15, // white
}

// cgaColor returns the tcell palette colour for CGA colour n (0-15).
func cgaColor(n int) tcell.Color {
	return tcell.PaletteColor(cgaToANSI[n&15])
}

// attrStyle turns a CGA attribute byte into a tcell style. Bits 0-3 are the foreground, bits
// 4-6 the background and bit 7 is read as a bright background (bit 3 of the background
// colour), as on a VGA whose attribute controller has blinking switched off: blinking text is
// hard to read in a terminal and the 16 background colours stay distinguishable.
func attrStyle(attr byte) tcell.Style {
	return tcell.StyleDefault.
		Foreground(cgaColor(int(attr & 0x0F))).
		Background(cgaColor(int(attr >> 4)))
}

// attrStyle8 is attrStyle for terminals with only 8 colours: the bright half of the
// foreground colours is shown as bold (the usual way such terminals show bright text) and
// the background loses its bright bit.
func attrStyle8(attr byte) tcell.Style {
	return tcell.StyleDefault.
		Foreground(cgaColor(int(attr & 0x07))).
		Background(cgaColor(int(attr>>4) & 0x07)).
		Bold(attr&0x08 != 0)
}
