package tui

import "sync"

// Serial view geometry and memory bound.
const (
	serialCols     = 80
	serialMaxLines = 5000
)

// serialTerm is a minimal terminal for the guest's serial output: it keeps a scrollback of
// 80-column lines, honours \r, \n, \b and \t, wraps long lines, and swallows VT/ANSI escape
// sequences (ESC [ ... final, ESC ] ... BEL/ST, and two-byte ESC x) without showing them.
// Write is called by the machine's goroutine, the drawing code reads under the same mutex.
type serialTerm struct {
	mu      sync.Mutex
	lines   [][]rune // scrollback; the last line holds the cursor
	col     int
	esc     int // escape parser state: 0 none, 1 after ESC, 2 in CSI, 3 in OSC, 4 OSC after ESC
	version uint64
}

// Escape parser states.
const (
	escNone = iota
	escStart
	escCSI
	escOSC
	escOSCEsc
)

func newSerialTerm() *serialTerm {
	return &serialTerm{lines: [][]rune{nil}}
}

// Write takes guest serial output; it never fails and never blocks for long.
func (t *serialTerm) Write(p []byte) (int, error) {
	t.mu.Lock()
	for _, b := range p {
		t.put(b)
	}
	t.version++
	t.mu.Unlock()
	return len(p), nil
}

func (t *serialTerm) put(b byte) {
	switch t.esc {
	case escStart:
		switch b {
		case '[':
			t.esc = escCSI
		case ']':
			t.esc = escOSC
		default:
			t.esc = escNone
		}
		return
	case escCSI:
		if b >= 0x40 && b <= 0x7E {
			t.esc = escNone
		}
		return
	case escOSC:
		if b == 0x07 {
			t.esc = escNone
		} else if b == 0x1B {
			t.esc = escOSCEsc
		}
		return
	case escOSCEsc:
		t.esc = escNone
		return
	}
	switch b {
	case 0x1B:
		t.esc = escStart
	case '\r':
		t.col = 0
	case '\n':
		t.newline()
	case '\b':
		if t.col > 0 {
			t.col--
		}
	case '\t':
		n := 8 - t.col%8
		for i := 0; i < n && t.col < serialCols; i++ {
			t.set(' ')
		}
	default:
		if b < 0x20 || b == 0x7F {
			return // other control bytes (BEL, NUL) have no picture
		}
		t.set(cp437[b])
	}
}

// set writes r at the cursor and advances it, wrapping at the right margin.
func (t *serialTerm) set(r rune) {
	if t.col >= serialCols {
		t.newline()
	}
	line := t.lines[len(t.lines)-1]
	for len(line) <= t.col {
		line = append(line, ' ')
	}
	line[t.col] = r
	t.lines[len(t.lines)-1] = line
	t.col++
}

func (t *serialTerm) newline() {
	t.col = 0
	if len(t.lines) >= serialMaxLines {
		n := copy(t.lines, t.lines[len(t.lines)-serialMaxLines+1:])
		for i := n; i < len(t.lines); i++ {
			t.lines[i] = nil
		}
		t.lines = t.lines[:n]
	}
	t.lines = append(t.lines, nil)
}

// view copies the height lines that end scroll lines above the bottom into dst (each line
// padded to serialCols with blanks) and returns the cursor row within dst (-1 when the cursor
// line is scrolled out), the cursor column and the scroll offset actually used.
func (t *serialTerm) view(dst [][]rune, scroll int) (row, col, used int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	height := len(dst)
	maxScroll := len(t.lines) - height
	if maxScroll < 0 {
		maxScroll = 0
	}
	if scroll > maxScroll {
		scroll = maxScroll
	}
	if scroll < 0 {
		scroll = 0
	}
	last := len(t.lines) - 1 - scroll // index of the line shown on dst's bottom row
	first := last - height + 1
	if len(t.lines) < height {
		first, last = 0, len(t.lines)-1 // a short scrollback starts at the top
	}
	row = -1
	for i := range dst {
		if cap(dst[i]) < serialCols {
			dst[i] = make([]rune, serialCols)
		}
		dst[i] = dst[i][:serialCols]
		src := []rune(nil)
		if n := first + i; n >= 0 && n <= last {
			src = t.lines[n]
			if n == len(t.lines)-1 {
				row = i
			}
		}
		c := copy(dst[i], src)
		for j := c; j < serialCols; j++ {
			dst[i][j] = ' '
		}
	}
	col = t.col
	if col >= serialCols {
		col = serialCols - 1
	}
	return row, col, scroll
}
