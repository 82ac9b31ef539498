package tui

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
)

// fakeMachine is a Machine whose screen the test sets and whose input the test reads.
type fakeMachine struct {
	mu      sync.Mutex
	screen  [Rows][Cols]uint16
	row     int
	col     int
	visible bool
	codes   []byte
	serial  []byte
	panicky bool
	frames  int // Screen calls
}

func (m *fakeMachine) Screen(dst *[Rows][Cols]uint16) (int, int, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.panicky {
		panic("fake machine broke")
	}
	m.frames++
	*dst = m.screen
	return m.row, m.col, m.visible
}

func (m *fakeMachine) SendScanCodes(c []byte) {
	m.mu.Lock()
	m.codes = append(m.codes, c...)
	m.mu.Unlock()
}

func (m *fakeMachine) SendSerial(b []byte) {
	m.mu.Lock()
	m.serial = append(m.serial, b...)
	m.mu.Unlock()
}

func (m *fakeMachine) got() (codes, serial []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]byte(nil), m.codes...), append([]byte(nil), m.serial...)
}

// countingScreen counts SetContent calls per row and Fini calls.
type countingScreen struct {
	tcell.SimulationScreen
	mu    sync.Mutex
	sets  map[[2]int]int
	finis int
	w, h  int        // size set by Init
	smu   sync.Mutex // serialises the simulation screen's unlocked parts
}

// Init sets the simulated terminal up at the test's size, as Run does with a real terminal.
func (s *countingScreen) Init() error {
	s.smu.Lock()
	defer s.smu.Unlock()
	if err := s.SimulationScreen.Init(); err != nil {
		return err
	}
	s.SimulationScreen.SetSize(s.w, s.h)
	return nil
}

// The simulation screen does not lock its front buffer; these serialise the UI's updates
// with the test's reads.

func (s *countingScreen) Show() {
	s.smu.Lock()
	defer s.smu.Unlock()
	s.SimulationScreen.Show()
}

func (s *countingScreen) Sync() {
	s.smu.Lock()
	defer s.smu.Unlock()
	s.SimulationScreen.Sync()
}

func (s *countingScreen) SetSize(w, h int) {
	s.smu.Lock()
	defer s.smu.Unlock()
	s.SimulationScreen.SetSize(w, h)
}

func (s *countingScreen) GetContents() ([]tcell.SimCell, int, int) {
	s.smu.Lock()
	defer s.smu.Unlock()
	cells, w, h := s.SimulationScreen.GetContents()
	return append([]tcell.SimCell(nil), cells...), w, h
}

func (s *countingScreen) GetCursor() (int, int, bool) {
	s.smu.Lock()
	defer s.smu.Unlock()
	return s.SimulationScreen.GetCursor()
}

func (s *countingScreen) SetContent(x, y int, r rune, comb []rune, st tcell.Style) {
	s.mu.Lock()
	if s.sets == nil {
		s.sets = map[[2]int]int{}
	}
	s.sets[[2]int{x, y}]++
	s.mu.Unlock()
	s.SimulationScreen.SetContent(x, y, r, comb, st)
}

func (s *countingScreen) Fini() {
	s.mu.Lock()
	s.finis++
	s.mu.Unlock()
	s.smu.Lock()
	defer s.smu.Unlock()
	s.SimulationScreen.Fini()
}

func (s *countingScreen) reset() map[[2]int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.sets
	s.sets = nil
	return old
}

func (s *countingScreen) finiCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finis
}

// newScreen returns a simulated w x h terminal; Run initialises it.
func newScreen(w, h int) *countingScreen {
	return &countingScreen{SimulationScreen: tcell.NewSimulationScreen("UTF-8"), w: w, h: h}
}

// syncUI returns a UI drawing on a w x h simulation screen, driven by direct calls to draw
// (no goroutines), for drawing tests.
func syncUI(t *testing.T, m Machine, w, h int, opts Options) (*UI, *countingScreen) {
	t.Helper()
	scr := newScreen(w, h)
	if err := scr.Init(); err != nil {
		t.Fatal(err)
	}
	u := New(m, opts)
	u.scr = scr
	u.width, u.height = w, h
	return u, scr
}

// cellAt returns the rune and style shown at (x, y).
func cellAt(scr tcell.SimulationScreen, x, y int) (rune, tcell.Style) {
	cells, w, _ := scr.GetContents()
	c := cells[y*w+x]
	if len(c.Runes) == 0 {
		return 0, c.Style
	}
	return c.Runes[0], c.Style
}

// rowText returns row y of the screen as a string.
func rowText(scr tcell.SimulationScreen, y int) string {
	cells, w, h := scr.GetContents()
	if y >= h {
		return ""
	}
	var b strings.Builder
	for x := 0; x < w; x++ {
		c := cells[y*w+x]
		if len(c.Runes) == 0 {
			b.WriteRune(' ')
		} else {
			b.WriteRune(c.Runes[0])
		}
	}
	return b.String()
}

func screenText(scr tcell.SimulationScreen) string {
	_, _, h := scr.GetContents()
	var lines []string
	for y := 0; y < h; y++ {
		lines = append(lines, rowText(scr, y))
	}
	return strings.Join(lines, "\n")
}

func TestColoursAllForegroundsAndBackgrounds(t *testing.T) {
	// The terminal colour each CGA colour must become, by name, in CGA order.
	want := [16]tcell.Color{
		tcell.ColorBlack, tcell.ColorNavy, tcell.ColorGreen, tcell.ColorTeal,
		tcell.ColorMaroon, tcell.ColorPurple, tcell.ColorOlive, tcell.ColorSilver,
		tcell.ColorGray, tcell.ColorBlue, tcell.ColorLime, tcell.ColorAqua,
		tcell.ColorRed, tcell.ColorFuchsia, tcell.ColorYellow, tcell.ColorWhite,
	}
	m := &fakeMachine{}
	for a := 0; a < 256; a++ {
		m.screen[a/Cols][a%Cols] = uint16('A'+a%26) | uint16(a)<<8
	}
	u, scr := syncUI(t, m, 80, 26, Options{})
	u.draw(time.Now())
	for a := 0; a < 256; a++ {
		r, st := cellAt(scr, a%Cols, a/Cols)
		fg, bg, _ := st.Decompose()
		if r != rune('A'+a%26) {
			t.Errorf("attr %#02x: char %q, want %q", a, r, rune('A'+a%26))
		}
		if fg != want[a&15] {
			t.Errorf("attr %#02x: foreground %v, want %v", a, fg, want[a&15])
		}
		// Bit 7 is a bright background, not blinking.
		if bg != want[a>>4] {
			t.Errorf("attr %#02x: background %v, want %v", a, bg, want[a>>4])
		}
	}
}

// eightColours is a terminal with 8 colours.
type eightColours struct{ *countingScreen }

func (eightColours) Colors() int { return 8 }

func TestColoursOnEightColourTerminal(t *testing.T) {
	want := [8]tcell.Color{
		tcell.ColorBlack, tcell.ColorNavy, tcell.ColorGreen, tcell.ColorTeal,
		tcell.ColorMaroon, tcell.ColorPurple, tcell.ColorOlive, tcell.ColorSilver,
	}
	m := &fakeMachine{}
	for a := 0; a < 256; a++ {
		m.screen[a/Cols][a%Cols] = 'x' | uint16(a)<<8
	}
	u, scr := syncUI(t, m, 80, 26, Options{})
	u.scr = eightColours{scr}
	u.draw(time.Now())
	for a := 0; a < 256; a++ {
		_, st := cellAt(scr, a%Cols, a/Cols)
		fg, bg, at := st.Decompose()
		if fg != want[a&7] || bg != want[a>>4&7] || (at&tcell.AttrBold != 0) != (a&8 != 0) {
			t.Errorf("attr %#02x: fg %v bg %v bold %v; want %v %v %v", a, fg, bg, at&tcell.AttrBold != 0,
				want[a&7], want[a>>4&7], a&8 != 0)
		}
	}
}

func TestCP437(t *testing.T) {
	for b, want := range map[byte]rune{0: ' ', 'A': 'A', '~': '~', 0x01: '☺', 0xB3: '│', 0xC4: '─',
		0xDB: '█', 0xE2: 'Γ', 0xE3: 'π', 0xFE: '■', 0xFF: ' '} {
		if cp437[b] != want {
			t.Errorf("cp437[%#02x] = %q, want %q", b, cp437[b], want)
		}
	}
}

func TestCursorFollowsCRTC(t *testing.T) {
	m := &fakeMachine{row: 7, col: 13, visible: true}
	u, scr := syncUI(t, m, 80, 26, Options{})
	u.draw(time.Now())
	if x, y, vis := scr.GetCursor(); x != 13 || y != 7 || !vis {
		t.Errorf("cursor at %d,%d visible %v; want 13,7 visible", x, y, vis)
	}
	m.mu.Lock()
	m.row, m.col = 24, 79
	m.mu.Unlock()
	u.draw(time.Now())
	if x, y, vis := scr.GetCursor(); x != 79 || y != 24 || !vis {
		t.Errorf("cursor at %d,%d visible %v; want 79,24 visible", x, y, vis)
	}
	m.mu.Lock()
	m.visible = false
	m.mu.Unlock()
	u.draw(time.Now())
	if _, _, vis := scr.GetCursor(); vis {
		t.Error("cursor shown while the CRTC hides it")
	}
	m.mu.Lock()
	m.visible, m.row, m.col = true, 25, 0 // off the screen, as a CRTC offset of 2000 is
	m.mu.Unlock()
	u.draw(time.Now())
	if _, _, vis := scr.GetCursor(); vis {
		t.Error("cursor shown for a position beyond the screen")
	}
}

func TestOnlyChangedCellsRedrawn(t *testing.T) {
	m := &fakeMachine{}
	for r := range m.screen {
		for c := range m.screen[r] {
			m.screen[r][c] = '.' | 0x07<<8
		}
	}
	u, scr := syncUI(t, m, 80, 26, Options{})
	u.draw(time.Now())
	if n := len(scr.reset()); n < Rows*Cols {
		t.Fatalf("first frame drew %d cells, want all %d", n, Rows*Cols)
	}
	u.draw(time.Now())
	if sets := scr.reset(); len(sets) != 0 {
		t.Errorf("unchanged frame drew %d cells: %v", len(sets), sets)
	}
	changed := [][2]int{{0, 0}, {79, 24}, {40, 12}}
	m.mu.Lock()
	m.screen[0][0] = 'x' | 0x1F<<8
	m.screen[24][79] = 'y' | 0x07<<8
	m.screen[12][40] = '.' | 0x4E<<8 // same char, new colour
	m.mu.Unlock()
	u.draw(time.Now())
	sets := scr.reset()
	if len(sets) != len(changed) {
		t.Errorf("drew %d cells, want %d: %v", len(sets), len(changed), sets)
	}
	for _, p := range changed {
		if sets[p] != 1 {
			t.Errorf("cell %v drawn %d times, want 1", p, sets[p])
		}
	}
	if r, _ := cellAt(scr, 79, 24); r != 'y' {
		t.Errorf("cell 79,24 shows %q, want 'y'", r)
	}
}

func TestSmallTerminalNotice(t *testing.T) {
	m := &fakeMachine{}
	for r := range m.screen {
		for c := range m.screen[r] {
			m.screen[r][c] = 'Z' | 0x07<<8
		}
	}
	u, scr := syncUI(t, m, 60, 20, Options{})
	u.draw(time.Now())
	text := screenText(scr)
	if strings.ContainsRune(text, 'Z') {
		t.Errorf("guest screen drawn on a 60x20 terminal:\n%s", text)
	}
	flat := strings.Join(strings.Fields(text), " ")
	if !strings.Contains(flat, "at least 80x25") || !strings.Contains(flat, "60x20") {
		t.Errorf("no size notice on a 60x20 terminal:\n%s", text)
	}
	// The notice is centred: its first line starts where a centred line of its length would.
	for y := 0; y < 20; y++ {
		line := rowText(scr, y)
		if trimmed := strings.TrimSpace(line); trimmed != "" {
			if y < 5 {
				t.Errorf("notice starts at row %d, not near the middle", y)
			}
			lead := len(line) - len(strings.TrimLeft(line, " "))
			if want := (60 - len(trimmed)) / 2; lead != want {
				t.Errorf("notice row %d starts at column %d, want %d", y, lead, want)
			}
			break
		}
	}
	if _, _, vis := scr.GetCursor(); vis {
		t.Error("cursor visible over the notice")
	}
	// Growing the terminal brings the guest screen back, with no notice left over.
	scr.SetSize(100, 30)
	u.handle(tcell.NewEventResize(100, 30))
	u.draw(time.Now())
	text = screenText(scr)
	if strings.Contains(text, "at least") {
		t.Errorf("notice left after resize:\n%s", text)
	}
	if r, _ := cellAt(scr, 79, 24); r != 'Z' {
		t.Errorf("guest screen not drawn after resize:\n%s", text)
	}
	if r, _ := cellAt(scr, 90, 10); r != ' ' {
		t.Errorf("cell outside the 80x25 screen shows %q", r)
	}
}

func TestStatusLine(t *testing.T) {
	m := &fakeMachine{}
	stats := Stats{CPUs: 2, VirtualTime: 83 * time.Second, DiskReads: 10}
	var mu sync.Mutex
	u, scr := syncUI(t, m, 80, 26, Options{Stats: func() Stats {
		mu.Lock()
		defer mu.Unlock()
		return stats
	}})
	t0 := time.Now()
	u.draw(t0)
	mu.Lock()
	stats.Instructions = 50_000_000
	stats.DiskReads = 20
	mu.Unlock()
	u.draw(t0.Add(time.Second))
	line := rowText(scr, Rows)
	for _, want := range []string{"2 CPUs", "50.0 MIPS", "up 0:01:23", "disk r20 w0 *", "Ctrl-A h"} {
		if !strings.Contains(line, want) {
			t.Errorf("status line %q lacks %q", line, want)
		}
	}
	u.key(tcell.NewEventKey(tcell.KeyCtrlA, 0, tcell.ModCtrl))
	u.key(tcell.NewEventKey(tcell.KeyRune, 's', tcell.ModNone))
	u.draw(t0.Add(2 * time.Second))
	if line := strings.TrimSpace(rowText(scr, Rows)); line != "" {
		t.Errorf("status line still shown after Ctrl-A s: %q", line)
	}
}

func TestScanCodes(t *testing.T) {
	tests := []struct {
		name string
		ev   *tcell.EventKey
		want []byte
	}{
		{"a", tcell.NewEventKey(tcell.KeyRune, 'a', tcell.ModNone), []byte{0x1E, 0x9E}},
		{"z", tcell.NewEventKey(tcell.KeyRune, 'z', tcell.ModNone), []byte{0x2C, 0xAC}},
		{"A", tcell.NewEventKey(tcell.KeyRune, 'A', tcell.ModNone), []byte{0x2A, 0x1E, 0x9E, 0xAA}},
		{"!", tcell.NewEventKey(tcell.KeyRune, '!', tcell.ModNone), []byte{0x2A, 0x02, 0x82, 0xAA}},
		{"|", tcell.NewEventKey(tcell.KeyRune, '|', tcell.ModNone), []byte{0x2A, 0x2B, 0xAB, 0xAA}},
		{"\"", tcell.NewEventKey(tcell.KeyRune, '"', tcell.ModNone), []byte{0x2A, 0x28, 0xA8, 0xAA}},
		{"?", tcell.NewEventKey(tcell.KeyRune, '?', tcell.ModNone), []byte{0x2A, 0x35, 0xB5, 0xAA}},
		{"0", tcell.NewEventKey(tcell.KeyRune, '0', tcell.ModNone), []byte{0x0B, 0x8B}},
		{"space", tcell.NewEventKey(tcell.KeyRune, ' ', tcell.ModNone), []byte{0x39, 0xB9}},
		{"Ctrl-C", tcell.NewEventKey(tcell.KeyCtrlC, 0, tcell.ModCtrl), []byte{0x1D, 0x2E, 0xAE, 0x9D}},
		{"Ctrl-D byte", tcell.NewEventKey(tcell.KeyRune, 0x04, tcell.ModNone), []byte{0x1D, 0x20, 0xA0, 0x9D}},
		{"Ctrl-P rune", tcell.NewEventKey(tcell.KeyRune, 'p', tcell.ModCtrl), []byte{0x1D, 0x19, 0x99, 0x9D}},
		{"Enter", tcell.NewEventKey(tcell.KeyEnter, 0, tcell.ModNone), []byte{0x1C, 0x9C}},
		{"Backspace", tcell.NewEventKey(tcell.KeyBackspace2, 0, tcell.ModNone), []byte{0x0E, 0x8E}},
		{"Tab", tcell.NewEventKey(tcell.KeyTab, 0, tcell.ModNone), []byte{0x0F, 0x8F}},
		{"Esc", tcell.NewEventKey(tcell.KeyEsc, 0, tcell.ModNone), []byte{0x01, 0x81}},
		{"Up", tcell.NewEventKey(tcell.KeyUp, 0, tcell.ModNone), []byte{0xE0, 0x48, 0xE0, 0xC8}},
		{"Down", tcell.NewEventKey(tcell.KeyDown, 0, tcell.ModNone), []byte{0xE0, 0x50, 0xE0, 0xD0}},
		{"Left", tcell.NewEventKey(tcell.KeyLeft, 0, tcell.ModNone), []byte{0xE0, 0x4B, 0xE0, 0xCB}},
		{"Right", tcell.NewEventKey(tcell.KeyRight, 0, tcell.ModNone), []byte{0xE0, 0x4D, 0xE0, 0xCD}},
		{"Home", tcell.NewEventKey(tcell.KeyHome, 0, tcell.ModNone), []byte{0xE0, 0x47, 0xE0, 0xC7}},
		{"End", tcell.NewEventKey(tcell.KeyEnd, 0, tcell.ModNone), []byte{0xE0, 0x4F, 0xE0, 0xCF}},
		{"PgUp", tcell.NewEventKey(tcell.KeyPgUp, 0, tcell.ModNone), []byte{0xE0, 0x49, 0xE0, 0xC9}},
		{"PgDn", tcell.NewEventKey(tcell.KeyPgDn, 0, tcell.ModNone), []byte{0xE0, 0x51, 0xE0, 0xD1}},
		{"Insert", tcell.NewEventKey(tcell.KeyInsert, 0, tcell.ModNone), []byte{0xE0, 0x52, 0xE0, 0xD2}},
		{"Delete", tcell.NewEventKey(tcell.KeyDelete, 0, tcell.ModNone), []byte{0xE0, 0x53, 0xE0, 0xD3}},
		{"Shift-Up", tcell.NewEventKey(tcell.KeyUp, 0, tcell.ModShift), []byte{0x2A, 0xE0, 0x48, 0xE0, 0xC8, 0xAA}},
		{"Alt-x", tcell.NewEventKey(tcell.KeyRune, 'x', tcell.ModAlt), []byte{0x38, 0x2D, 0xAD, 0xB8}},
		{"Alt-Ctrl-C", tcell.NewEventKey(tcell.KeyCtrlC, 0, tcell.ModCtrl|tcell.ModAlt), []byte{0x38, 0x1D, 0x2E, 0xAE, 0x9D, 0xB8}},
		{"F1", tcell.NewEventKey(tcell.KeyF1, 0, tcell.ModNone), []byte{0x3B, 0xBB}},
		{"F10", tcell.NewEventKey(tcell.KeyF10, 0, tcell.ModNone), []byte{0x44, 0xC4}},
		{"F11", tcell.NewEventKey(tcell.KeyF11, 0, tcell.ModNone), []byte{0x57, 0xD7}},
		{"F12", tcell.NewEventKey(tcell.KeyF12, 0, tcell.ModNone), []byte{0x58, 0xD8}},
	}
	for _, tt := range tests {
		got, ok := appendScanCodes(nil, tt.ev)
		if !ok || !bytes.Equal(got, tt.want) {
			t.Errorf("%s: got % X (ok %v), want % X", tt.name, got, ok, tt.want)
		}
	}
	if got, ok := appendScanCodes(nil, tcell.NewEventKey(tcell.KeyRune, 'é', tcell.ModNone)); ok || len(got) != 0 {
		t.Errorf("é (not on a US keyboard) gave % X", got)
	}
}

func TestSerialBytes(t *testing.T) {
	tests := []struct {
		ev   *tcell.EventKey
		want string
	}{
		{tcell.NewEventKey(tcell.KeyRune, 'q', tcell.ModNone), "q"},
		{tcell.NewEventKey(tcell.KeyRune, 'Q', tcell.ModNone), "Q"},
		{tcell.NewEventKey(tcell.KeyEnter, 0, tcell.ModNone), "\r"},
		{tcell.NewEventKey(tcell.KeyBackspace, 0, tcell.ModNone), "\x7f"},
		{tcell.NewEventKey(tcell.KeyCtrlD, 0, tcell.ModCtrl), "\x04"},
		{tcell.NewEventKey(tcell.KeyLeft, 0, tcell.ModNone), "\x1b[D"},
		{tcell.NewEventKey(tcell.KeyDelete, 0, tcell.ModNone), "\x1b[3~"},
		{tcell.NewEventKey(tcell.KeyRune, 'b', tcell.ModAlt), "\x1bb"},
		{tcell.NewEventKey(tcell.KeyRune, 'é', tcell.ModNone), "é"},
	}
	for _, tt := range tests {
		got, ok := appendSerialBytes(nil, tt.ev)
		if !ok || string(got) != tt.want {
			t.Errorf("%s: got %q (ok %v), want %q", tt.ev.Name(), got, ok, tt.want)
		}
	}
	if got, ok := appendSerialBytes(nil, tcell.NewEventKey(tcell.KeyF5, 0, tcell.ModAlt)); ok || len(got) != 0 {
		t.Errorf("Alt-F5 (no serial form) gave %q", got)
	}
}

// usKeyboard decodes set-1 scan codes back into text, from the physical rows of a US
// keyboard (written independently of the table under test).
func usKeyboard(t *testing.T, codes []byte) string {
	t.Helper()
	rows := []struct {
		first        byte
		plain, shift string
	}{
		{0x02, "1234567890-=", "!@#$%^&*()_+"},
		{0x10, "qwertyuiop[]", "QWERTYUIOP{}"},
		{0x1E, "asdfghjkl;'`", "ASDFGHJKL:\"~"},
		{0x2B, "\\zxcvbnm,./", "|ZXCVBNM<>?"},
	}
	var out strings.Builder
	shift := false
	for i := 0; i < len(codes); i++ {
		c := codes[i]
		switch c {
		case 0x2A:
			shift = true
			continue
		case 0xAA:
			shift = false
			continue
		case 0x39:
			out.WriteByte(' ')
			continue
		case 0x1C:
			out.WriteByte('\n')
			continue
		}
		if c&0x80 != 0 {
			continue
		}
		found := false
		for _, r := range rows {
			if c >= r.first && int(c-r.first) < len(r.plain) {
				s := r.plain
				if shift {
					s = r.shift
				}
				out.WriteByte(s[c-r.first])
				found = true
			}
		}
		if !found {
			t.Fatalf("unexpected make code %#02x at %d", c, i)
		}
	}
	return out.String()
}

// runUI runs a UI on a simulation screen in a goroutine and returns what the test needs.
func runUI(t *testing.T, m Machine, opts Options) (*UI, *countingScreen, <-chan error, context.CancelFunc) {
	t.Helper()
	scr := newScreen(80, 26)
	opts.Screen = scr
	u := New(m, opts)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	done := make(chan struct{})
	go func() { errc <- u.Run(ctx); close(done) }()
	// Events injected before Run initialises the screen would be lost with its old queue.
	waitFor(t, "the first frame", func() bool { return strings.Contains(rowText(scr, Rows), "Ctrl-A h") })
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run still running at the end of the test")
		}
	})
	return u, scr, errc, cancel
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPasteLosesNothing(t *testing.T) {
	m := &fakeMachine{}
	_, scr, _, _ := runUI(t, m, Options{})
	var text strings.Builder
	for i := 0; text.Len() < 5000; i++ {
		text.WriteString("The Quick brown fox #42 jumps over (the) lazy dog's {back}? ")
	}
	want := text.String()
	want += "\nls\n"
	scr.PostEventWait(tcell.NewEventPaste(true))
	for _, r := range want {
		if r == '\n' {
			// Terminals deliver a pasted line feed as the byte 0x0A, which tcell calls Ctrl-J.
			scr.InjectKey(tcell.KeyCtrlJ, 0, tcell.ModCtrl)
			continue
		}
		scr.InjectKey(tcell.KeyRune, r, tcell.ModNone)
	}
	scr.PostEventWait(tcell.NewEventPaste(false))
	var got string
	waitFor(t, "the pasted text", func() bool {
		codes, _ := m.got()
		got = usKeyboard(t, codes)
		return len(got) >= len(want)
	})
	if got != want {
		t.Errorf("pasted %d characters, guest got %d; first difference near %q", len(want), len(got), firstDiff(got, want))
	}
}

func firstDiff(a, b string) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i:min(len(a), i+20)] + " vs " + b[i:min(len(b), i+20)]
		}
	}
	return ""
}

func TestTypingReachesKeyboard(t *testing.T) {
	m := &fakeMachine{}
	_, scr, _, _ := runUI(t, m, Options{})
	scr.InjectKey(tcell.KeyRune, 'l', tcell.ModNone)
	scr.InjectKey(tcell.KeyRune, 's', tcell.ModNone)
	scr.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	want := []byte{0x26, 0xA6, 0x1F, 0x9F, 0x1C, 0x9C}
	waitFor(t, "ls Enter as scan codes", func() bool {
		codes, _ := m.got()
		return len(codes) >= len(want)
	})
	if codes, _ := m.got(); !bytes.Equal(codes, want) {
		t.Errorf("scan codes % X, want % X", codes, want)
	}
}

func TestCtrlACommands(t *testing.T) {
	m := &fakeMachine{}
	u, scr, errc, _ := runUI(t, m, Options{})
	ctrlA := func() { scr.InjectKey(tcell.KeyCtrlA, 0, tcell.ModCtrl) }

	// Ctrl-A Ctrl-A types one Ctrl-A.
	ctrlA()
	ctrlA()
	want := []byte{0x1D, 0x1E, 0x9E, 0x9D}
	waitFor(t, "a literal Ctrl-A", func() bool { c, _ := m.got(); return len(c) >= 4 })
	if codes, _ := m.got(); !bytes.Equal(codes, want) {
		t.Errorf("Ctrl-A Ctrl-A sent % X, want % X", codes, want)
	}

	// Ctrl-A h shows the help; the next key only closes it.
	ctrlA()
	scr.InjectKey(tcell.KeyRune, 'h', tcell.ModNone)
	xLine := EscapeHelp(false)[0] // Ctrl-A x
	waitFor(t, "the help overlay", func() bool { return strings.Contains(screenText(scr), xLine) })
	scr.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	waitFor(t, "the help to close", func() bool { return !strings.Contains(screenText(scr), xLine) })

	// Ctrl-A c: the serial view shows serial output and sends keys to the UART.
	if _, err := u.SerialWriter().Write([]byte("hello from COM1\r\n$ ")); err != nil {
		t.Fatal(err)
	}
	ctrlA()
	scr.InjectKey(tcell.KeyRune, 'c', tcell.ModNone)
	waitFor(t, "the serial view", func() bool { return strings.HasPrefix(rowText(scr, 0), "hello from COM1") })
	if x, y, vis := scr.GetCursor(); x != 2 || y != 1 || !vis {
		t.Errorf("serial cursor at %d,%d (%v), want 2,1", x, y, vis)
	}
	scr.InjectKey(tcell.KeyRune, 'l', tcell.ModNone)
	scr.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	scr.InjectKey(tcell.KeyCtrlC, 0, tcell.ModCtrl)
	scr.InjectKey(tcell.KeyUp, 0, tcell.ModNone)
	waitFor(t, "serial input", func() bool { _, s := m.got(); return len(s) >= 6 })
	if _, s := m.got(); string(s) != "l\r\x03\x1b[A" {
		t.Errorf("serial view sent %q, want %q", s, "l\r\x03\x1b[A")
	}
	if codes, _ := m.got(); len(codes) != 4 {
		t.Errorf("serial-view keys reached the keyboard: % X", codes)
	}

	// Ctrl-A x quits and restores the terminal.
	ctrlA()
	scr.InjectKey(tcell.KeyRune, 'x', tcell.ModNone)
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Run after Ctrl-A x: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Ctrl-A x did not quit")
	}
	if n := scr.finiCount(); n != 1 {
		t.Errorf("terminal restored %d times, want 1", n)
	}
}

func TestCancelRestoresTerminal(t *testing.T) {
	m := &fakeMachine{}
	_, scr, errc, cancel := runUI(t, m, Options{})
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if scr.finiCount() != 1 {
		t.Error("terminal not restored after cancel")
	}
}

func TestPanicRestoresTerminal(t *testing.T) {
	m := &fakeMachine{panicky: true}
	scr := newScreen(80, 26)
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		_ = Run(context.Background(), m, Options{Screen: scr})
	}()
	if recovered == nil {
		t.Fatal("the panic was swallowed, not re-raised")
	}
	if scr.finiCount() != 1 {
		t.Error("terminal not restored on a panic")
	}
}

func TestCloseFromAnotherGoroutine(t *testing.T) {
	m := &fakeMachine{}
	u, scr, errc, _ := runUI(t, m, Options{})
	u.Close()
	select {
	case <-errc:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after Close")
	}
	if scr.finiCount() != 1 {
		t.Errorf("terminal restored %d times, want 1", scr.finiCount())
	}
}

func TestStoppedKeepsLastScreen(t *testing.T) {
	m := &fakeMachine{}
	for i, r := range "panic: ilock: no type" {
		m.screen[0][i] = uint16(r) | 0x07<<8
	}
	u, scr, errc, _ := runUI(t, m, Options{})
	waitFor(t, "the guest's screen", func() bool { return strings.HasPrefix(rowText(scr, 0), "panic: ilock") })
	reason := "all CPUs halted with nothing to wake them: cpu0 EIP=801003f9 hlt with IF=0 and a long tail"
	u.Stopped(reason)
	waitFor(t, "the reason on the status line", func() bool {
		s := rowText(scr, Rows)
		return strings.HasPrefix(s, " all CPUs halted with nothing") && strings.Contains(s, "| q: quit")
	})
	if !strings.HasPrefix(rowText(scr, 0), "panic: ilock: no type") {
		t.Errorf("final screen lost: row 0 is %q", rowText(scr, 0))
	}
	// Typing no longer reaches the guest and does not close the screen; Ctrl-A commands still work.
	scr.InjectKey(tcell.KeyRune, 'l', tcell.ModNone)
	scr.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	if _, err := u.SerialWriter().Write([]byte("serial tail\r\n")); err != nil {
		t.Fatal(err)
	}
	scr.InjectKey(tcell.KeyCtrlA, 0, tcell.ModCtrl)
	scr.InjectKey(tcell.KeyRune, 'c', tcell.ModNone)
	waitFor(t, "the serial view", func() bool { return strings.HasPrefix(rowText(scr, 0), "serial tail") })
	select {
	case <-errc:
		t.Fatal("a key closed the stopped screen")
	default:
	}
	scr.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Run after q: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("q did not close the stopped screen")
	}
	if codes, ser := m.got(); len(codes) != 0 || len(ser) != 0 {
		t.Errorf("keys reached the stopped guest: codes % X, serial %q", codes, ser)
	}
	if scr.finiCount() != 1 {
		t.Errorf("terminal restored %d times, want 1", scr.finiCount())
	}
}

func (m *fakeMachine) frameCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.frames
}

func (m *fakeMachine) setCell(r, c int, v uint16) {
	m.mu.Lock()
	m.screen[r][c] = v
	m.mu.Unlock()
}

// framesIn counts the frames (Screen calls) the UI takes during d.
func framesIn(m *fakeMachine, d time.Duration) int {
	n := m.frameCount()
	time.Sleep(d)
	return m.frameCount() - n
}

// A screen that does not change must not be polled 60 times a second (QA-B6: an idle guest
// costs no host time); a change or a key brings the full frame rate back.
func TestIdleScreenSlowsFrames(t *testing.T) {
	m := &fakeMachine{}
	_, scr, _, _ := runUI(t, m, Options{})
	time.Sleep(time.Second) // more than quietFrames frames of an unchanged screen
	if n := framesIn(m, time.Second); n > 20 {
		t.Errorf("%d frames in 1 s of an unchanged screen, want at most 20", n)
	}
	m.setCell(3, 0, 'Z'|0x07<<8)
	waitFor(t, "the change on the screen", func() bool { return strings.HasPrefix(rowText(scr, 3), "Z") })
	if n := framesIn(m, 200*time.Millisecond); n < 4 {
		t.Errorf("%d frames in the 200 ms after a change, want the full rate (12)", n)
	}
	time.Sleep(time.Second)
	scr.InjectKey(tcell.KeyRune, 'l', tcell.ModNone)
	waitFor(t, "the key", func() bool { c, _ := m.got(); return len(c) >= 2 })
	if n := framesIn(m, 200*time.Millisecond); n < 4 {
		t.Errorf("%d frames in the 200 ms after a key, want the full rate (12)", n)
	}
}

func TestTitle(t *testing.T) {
	_, scr, _, _ := runUI(t, &fakeMachine{}, Options{Title: "xv6 lab"})
	if got := scr.GetTitle(); got != "xv6 lab" {
		t.Errorf("title %q, want the Title option", got)
	}
}

// TestHelpBoxFits checks the help box fits an 80-column terminal with nothing cut.
func TestHelpBoxFits(t *testing.T) {
	if helpWidth > Cols {
		t.Errorf("help box %d wide, more than %d columns", helpWidth, Cols)
	}
	for _, l := range helpText {
		if len("  "+l) > helpWidth {
			t.Errorf("help line cut at %d columns: %q", helpWidth, l)
		}
	}
	if p := escapePrompt(); len(" "+p) > Cols {
		t.Errorf("Ctrl-A prompt wider than the status row: %q", p)
	}
	u, scr := syncUI(t, &fakeMachine{}, 80, 26, Options{})
	u.help = true
	u.draw(time.Now())
	text := screenText(scr)
	for _, l := range EscapeHelp(false) {
		if !strings.Contains(text, l) {
			t.Errorf("help box lacks %q", l)
		}
	}
}

// TestKeysDocumented holds README.md and docs/keys.md to the one Ctrl-A table.
func TestKeysDocumented(t *testing.T) {
	table := EscapeKeysMarkdown()
	for _, doc := range []string{"../README.md", "../docs/keys.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), table) {
			t.Errorf("%s does not show the Ctrl-A table as EscapeKeysMarkdown gives it:\n%s", doc, table)
		}
	}
}

// TestWaitingNotice shows Options.Waiting on the screen and the status line until the
// guest has run an instruction.
func TestWaitingNotice(t *testing.T) {
	var ran uint64
	const msg = "waiting for gdb on tcp::26000 (-S)"
	u, scr := syncUI(t, &fakeMachine{}, 80, 26, Options{Waiting: msg, Stats: func() Stats { return Stats{CPUs: 1, Instructions: ran} }})
	u.draw(time.Now())
	if !strings.Contains(rowText(scr, Rows/2), msg) || !strings.Contains(rowText(scr, Rows), msg) {
		t.Errorf("notice not on the screen and the status line:\n%s", screenText(scr))
	}
	ran = 1
	u.draw(time.Now())
	if strings.Contains(screenText(scr), msg) {
		t.Errorf("notice still up after the guest ran:\n%s", screenText(scr))
	}
}

// TestSmallTerminalHoldsKeys: keys typed while the terminal is too small are held, then
// sent once it is large enough.
func TestSmallTerminalHoldsKeys(t *testing.T) {
	m := &fakeMachine{}
	u, scr := syncUI(t, m, 40, 10, Options{})
	u.draw(time.Now())
	if !strings.Contains(screenText(scr), "held") {
		t.Errorf("the small-terminal notice does not say keys are held:\n%s", screenText(scr))
	}
	u.key(tcell.NewEventKey(tcell.KeyRune, 'a', tcell.ModNone))
	u.flushInput()
	if codes, _ := m.got(); len(codes) != 0 {
		t.Errorf("sent % X while the guest could not be seen", codes)
	}
	scr.SetSize(80, 26)
	u.width, u.height = 80, 26
	u.draw(time.Now())
	if codes, _ := m.got(); !bytes.Equal(codes, []byte{0x1E, 0x9E}) {
		t.Errorf("after enlarging: sent % X, want 1E 9E", codes)
	}
}

// TestTypingInSerialViewScrollsToBottom: a key typed in the scrolled-back serial view
// shows the bottom again, where the guest answers.
func TestTypingInSerialViewScrollsToBottom(t *testing.T) {
	u, _ := syncUI(t, &fakeMachine{}, 80, 26, Options{SerialView: true})
	u.scroll = 5
	u.key(tcell.NewEventKey(tcell.KeyRune, 'a', tcell.ModNone))
	if u.scroll != 0 {
		t.Errorf("scroll %d after typing, want 0", u.scroll)
	}
}

// TestMonitorView: Ctrl-A m shows the monitor, typed lines are echoed, edited and run on
// Enter with their output shown, and Ctrl-A m goes back; quit quits.
func TestMonitorView(t *testing.T) {
	var ran []string
	mon := func(l string) (string, bool) { ran = append(ran, l); return "answer to " + l + "\n", l == "quit" }
	m := &fakeMachine{}
	u, scr := syncUI(t, m, 80, 26, Options{Monitor: mon})
	key := func(k tcell.Key, r rune) bool { return u.key(tcell.NewEventKey(k, r, tcell.ModNone)) }
	typeLine := func(s string) bool {
		for _, r := range s {
			key(tcell.KeyRune, r)
		}
		return key(tcell.KeyEnter, 0)
	}
	key(tcell.KeyCtrlA, 0)
	key(tcell.KeyRune, 'm')
	if u.view != viewMonitor {
		t.Fatal("Ctrl-A m did not show the monitor")
	}
	key(tcell.KeyRune, 'x')
	key(tcell.KeyBackspace2, 0)
	typeLine("info cpus")
	u.draw(time.Now())
	text := screenText(scr)
	for _, want := range []string{"(qemu) info cpus", "answer to info cpus", " monitor | "} {
		if !strings.Contains(text, want) {
			t.Errorf("screen lacks %q:\n%s", want, text)
		}
	}
	if codes, _ := m.got(); len(codes) != 0 || len(ran) != 1 || ran[0] != "info cpus" {
		t.Errorf("ran %q, guest got % X", ran, codes)
	}
	key(tcell.KeyCtrlA, 0)
	key(tcell.KeyRune, 'm')
	if u.view != viewVGA {
		t.Errorf("Ctrl-A m again: view %d, want VGA", u.view)
	}
	key(tcell.KeyCtrlA, 0)
	key(tcell.KeyRune, 'm')
	if !typeLine("quit") {
		t.Error("quit did not quit")
	}
}

// Ctrl-A v saves a snapshot through Options.Save and shows its name, or the error, on
// the status row.
func TestSaveKey(t *testing.T) {
	saves := 0
	fail := false
	u, scr := syncUI(t, &fakeMachine{}, 80, 26, Options{Save: func() (string, error) {
		saves++
		if fail {
			return "", errors.New("snapshot: disk full")
		}
		return "snapshot saved to ./gemu-1.snap", nil
	}})
	t0 := time.Now()
	for i, want := range []string{"snapshot saved to ./gemu-1.snap", "snapshot: disk full"} {
		fail = i == 1
		u.key(tcell.NewEventKey(tcell.KeyCtrlA, 0, tcell.ModCtrl))
		u.key(tcell.NewEventKey(tcell.KeyRune, 'v', tcell.ModNone))
		u.draw(t0.Add(time.Duration(i) * time.Second))
		if line := rowText(scr, Rows); !strings.Contains(line, want) {
			t.Errorf("status row %q lacks %q", line, want)
		}
	}
	if saves != 2 {
		t.Errorf("Save called %d times, want 2", saves)
	}
	v, _ := syncUI(t, &fakeMachine{}, 80, 26, Options{})
	v.key(tcell.NewEventKey(tcell.KeyCtrlA, 0, tcell.ModCtrl))
	v.key(tcell.NewEventKey(tcell.KeyRune, 'v', tcell.ModNone)) // no Save: a note, no panic
}

// TestWhyStuck: Ctrl-A w opens the monitor and runs info stuck, dropping a half-typed
// line; the status line says when the guest was found stuck.
func TestWhyStuck(t *testing.T) {
	var ran []string
	mon := func(l string) (string, bool) { ran = append(ran, l); return "guest stuck: deadlock\n", false }
	m := &fakeMachine{}
	u, scr := syncUI(t, m, 80, 26, Options{Monitor: mon, Stats: func() Stats { return Stats{CPUs: 2, Stuck: true} }})
	key := func(k tcell.Key, r rune) bool { return u.key(tcell.NewEventKey(k, r, tcell.ModNone)) }
	u.draw(time.Now())
	if text := screenText(scr); !strings.Contains(text, "STUCK: Ctrl-A w") {
		t.Errorf("status line does not say the guest is stuck:\n%s", text)
	}
	key(tcell.KeyCtrlA, 0)
	key(tcell.KeyRune, 'm')
	key(tcell.KeyRune, 'x')
	key(tcell.KeyCtrlA, 0)
	key(tcell.KeyRune, 'w')
	if u.view != viewMonitor {
		t.Fatal("Ctrl-A w did not show the monitor")
	}
	u.draw(time.Now())
	text := screenText(scr)
	if !strings.Contains(text, "(qemu) info stuck") || !strings.Contains(text, "guest stuck: deadlock") {
		t.Errorf("monitor lacks info stuck and its answer:\n%s", text)
	}
	if len(ran) != 1 || ran[0] != "info stuck" || len(u.monLine) != 0 {
		t.Errorf("ran %q, line left %q", ran, u.monLine)
	}
}
