package tui

import "github.com/gdamore/tcell/v2"

// Scan-code set 1 codes of the keys the front end synthesises around others.
const (
	scLShift = 0x2A
	scLCtrl  = 0x1D
	scLAlt   = 0x38
	scE0     = 0xE0 // prefix of the extended (grey) keys
	scBreak  = 0x80 // a key's release code is its make code + 0x80
)

// keyCode is one PC key: its set-1 make code, whether the character needs Shift held, and
// whether it is an extended key sent with the 0xE0 prefix.
type keyCode struct {
	code  byte
	shift bool
	e0    bool
}

// runeKeys maps the characters of a US PC keyboard to the key that types them.
var runeKeys = map[rune]keyCode{
	'1': {0x02, false, false}, '!': {0x02, true, false},
	'2': {0x03, false, false}, '@': {0x03, true, false},
	'3': {0x04, false, false}, '#': {0x04, true, false},
	'4': {0x05, false, false}, '$': {0x05, true, false},
	'5': {0x06, false, false}, '%': {0x06, true, false},
	'6': {0x07, false, false}, '^': {0x07, true, false},
	'7': {0x08, false, false}, '&': {0x08, true, false},
	'8': {0x09, false, false}, '*': {0x09, true, false},
	'9': {0x0A, false, false}, '(': {0x0A, true, false},
	'0': {0x0B, false, false}, ')': {0x0B, true, false},
	'-': {0x0C, false, false}, '_': {0x0C, true, false},
	'=': {0x0D, false, false}, '+': {0x0D, true, false},
	'[': {0x1A, false, false}, '{': {0x1A, true, false},
	']': {0x1B, false, false}, '}': {0x1B, true, false},
	';': {0x27, false, false}, ':': {0x27, true, false},
	'\'': {0x28, false, false}, '"': {0x28, true, false},
	'`': {0x29, false, false}, '~': {0x29, true, false},
	'\\': {0x2B, false, false}, '|': {0x2B, true, false},
	',': {0x33, false, false}, '<': {0x33, true, false},
	'.': {0x34, false, false}, '>': {0x34, true, false},
	'/': {0x35, false, false}, '?': {0x35, true, false},
	' ':  {0x39, false, false},
	'\t': {0x0F, false, false},
	'\n': {0x1C, false, false},
	'\r': {0x1C, false, false},
}

// letterCodes holds the make codes of the letters a-z, in alphabetical order.
var letterCodes = [26]byte{
	0x1E, 0x30, 0x2E, 0x20, 0x12, 0x21, 0x22, 0x23, 0x17, 0x24, 0x25, 0x26, 0x32, // a-m
	0x31, 0x18, 0x19, 0x10, 0x13, 0x1F, 0x14, 0x16, 0x2F, 0x11, 0x2D, 0x15, 0x2C, // n-z
}

func init() {
	for i, c := range letterCodes {
		runeKeys[rune('a'+i)] = keyCode{c, false, false}
		runeKeys[rune('A'+i)] = keyCode{c, true, false}
	}
}

// specialKeys maps tcell's non-character keys to PC keys.
var specialKeys = map[tcell.Key]keyCode{
	tcell.KeyEnter:     {0x1C, false, false},
	tcell.KeyBackspace: {0x0E, false, false},
	tcell.KeyTab:       {0x0F, false, false},
	tcell.KeyBacktab:   {0x0F, true, false},
	tcell.KeyEsc:       {0x01, false, false},
	tcell.KeyUp:        {0x48, false, true},
	tcell.KeyDown:      {0x50, false, true},
	tcell.KeyLeft:      {0x4B, false, true},
	tcell.KeyRight:     {0x4D, false, true},
	tcell.KeyHome:      {0x47, false, true},
	tcell.KeyEnd:       {0x4F, false, true},
	tcell.KeyPgUp:      {0x49, false, true},
	tcell.KeyPgDn:      {0x51, false, true},
	tcell.KeyInsert:    {0x52, false, true},
	tcell.KeyDelete:    {0x53, false, true},
	tcell.KeyF1:        {0x3B, false, false},
	tcell.KeyF2:        {0x3C, false, false},
	tcell.KeyF3:        {0x3D, false, false},
	tcell.KeyF4:        {0x3E, false, false},
	tcell.KeyF5:        {0x3F, false, false},
	tcell.KeyF6:        {0x40, false, false},
	tcell.KeyF7:        {0x41, false, false},
	tcell.KeyF8:        {0x42, false, false},
	tcell.KeyF9:        {0x43, false, false},
	tcell.KeyF10:       {0x44, false, false},
	tcell.KeyF11:       {0x57, false, false},
	tcell.KeyF12:       {0x58, false, false},
}

// ctrlLetter reports the letter (a-z) of a Ctrl+letter key event, or 0. Terminals send
// Ctrl+letter as a control byte; tcell reports it as KeyCtrlA..KeyCtrlZ or, from other
// sources, as the control byte itself or a rune with ModCtrl. Tab, Enter and Backspace share
// their bytes with Ctrl-I, Ctrl-M and Ctrl-H and are taken as those keys.
func ctrlLetter(ev *tcell.EventKey) rune {
	k := ev.Key()
	switch {
	case k >= tcell.KeyCtrlA && k <= tcell.KeyCtrlZ:
		return rune('a' + k - tcell.KeyCtrlA)
	case k >= 1 && k <= 26 && k != tcell.KeyTab && k != tcell.KeyEnter && k != tcell.KeyBackspace && k != tcell.KeyLF:
		return rune('a' + k - 1)
	case k == tcell.KeyRune && ev.Modifiers()&tcell.ModCtrl != 0:
		r := ev.Rune()
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		if r >= 'a' && r <= 'z' {
			return r
		}
	}
	return 0
}

// appendKey appends the make and break codes of key k, with Shift and Ctrl pressed around it
// when asked, in the order a typist's fingers would produce them.
func appendKey(dst []byte, k keyCode, shift, ctrl bool) []byte {
	return appendKeyMods(dst, k, shift, ctrl, false)
}

// appendKeyMods is appendKey with Alt as well (outermost).
func appendKeyMods(dst []byte, k keyCode, shift, ctrl, alt bool) []byte {
	if alt {
		dst = append(dst, scLAlt)
	}
	if ctrl {
		dst = append(dst, scLCtrl)
	}
	if shift {
		dst = append(dst, scLShift)
	}
	if k.e0 {
		dst = append(dst, scE0)
	}
	dst = append(dst, k.code)
	if k.e0 {
		dst = append(dst, scE0)
	}
	dst = append(dst, k.code|scBreak)
	if shift {
		dst = append(dst, scLShift|scBreak)
	}
	if ctrl {
		dst = append(dst, scLCtrl|scBreak)
	}
	if alt {
		dst = append(dst, scLAlt|scBreak)
	}
	return dst
}

// appendRuneScanCodes appends the scan codes that type rune r; unknown runes add nothing and
// report false.
func appendRuneScanCodes(dst []byte, r rune) ([]byte, bool) {
	k, ok := runeKeys[r]
	if !ok {
		return dst, false
	}
	return appendKey(dst, k, k.shift, false), true
}

// appendScanCodes appends the scan-code set 1 bytes for a terminal key event (make and break,
// with Shift, Ctrl and Alt synthesised). It reports false for keys a PC keyboard cannot type.
func appendScanCodes(dst []byte, ev *tcell.EventKey) ([]byte, bool) {
	mods := ev.Modifiers()
	alt := mods&tcell.ModAlt != 0
	if c := ctrlLetter(ev); c != 0 {
		return appendKeyMods(dst, runeKeys[c], mods&tcell.ModShift != 0, true, alt), true
	}
	if ev.Key() == tcell.KeyRune {
		k, ok := runeKeys[ev.Rune()]
		if !ok {
			return dst, false
		}
		return appendKeyMods(dst, k, k.shift, mods&tcell.ModCtrl != 0, alt), true
	}
	k, ok := specialKeys[ev.Key()]
	if !ok {
		return dst, false
	}
	return appendKeyMods(dst, k, k.shift || mods&tcell.ModShift != 0, mods&tcell.ModCtrl != 0, alt), true
}

// serialKeys maps tcell's non-character keys to the bytes a VT100-style terminal sends.
var serialKeys = map[tcell.Key]string{
	tcell.KeyEnter:     "\r",
	tcell.KeyBackspace: "\x7f",
	tcell.KeyTab:       "\t",
	tcell.KeyBacktab:   "\x1b[Z",
	tcell.KeyEsc:       "\x1b",
	tcell.KeyUp:        "\x1b[A",
	tcell.KeyDown:      "\x1b[B",
	tcell.KeyRight:     "\x1b[C",
	tcell.KeyLeft:      "\x1b[D",
	tcell.KeyHome:      "\x1b[H",
	tcell.KeyEnd:       "\x1b[F",
	tcell.KeyInsert:    "\x1b[2~",
	tcell.KeyDelete:    "\x1b[3~",
	tcell.KeyPgUp:      "\x1b[5~",
	tcell.KeyPgDn:      "\x1b[6~",
}

// appendSerialBytes appends the bytes a terminal on the serial line would send for ev (Alt
// as an ESC prefix, as xterm sends it).
func appendSerialBytes(dst []byte, ev *tcell.EventKey) ([]byte, bool) {
	if ev.Modifiers()&tcell.ModAlt != 0 {
		b, ok := keySerialBytes(nil, ev)
		if !ok {
			return dst, false
		}
		return append(append(dst, 0x1B), b...), true
	}
	return keySerialBytes(dst, ev)
}

// keySerialBytes is appendSerialBytes without the Alt prefix.
func keySerialBytes(dst []byte, ev *tcell.EventKey) ([]byte, bool) {
	if c := ctrlLetter(ev); c != 0 {
		return append(dst, byte(c-'a'+1)), true
	}
	if ev.Key() == tcell.KeyRune {
		r := ev.Rune()
		if r < 0x80 {
			return append(dst, byte(r)), true
		}
		return append(dst, string(r)...), true
	}
	if s, ok := serialKeys[ev.Key()]; ok {
		return append(dst, s...), true
	}
	return dst, false
}
