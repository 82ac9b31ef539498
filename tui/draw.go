package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
)

// statusStyle is the look of the status row: reverse video in the terminal's own colours.
var statusStyle = tcell.StyleDefault.Reverse(true)

// helpText is the Ctrl-A h overlay: the Ctrl-A table and how other keys reach the guest.
var helpText = append(append([]string{
	"Gemu keys: Ctrl-A, then",
	"",
}, EscapeHelp(false)...),
	"",
	"Once the guest has stopped for good, q alone quits too.",
	"Other keys go to the guest: the PC keyboard in the VGA view,",
	"the serial line (COM1) in the serial view.",
	"",
	"Press any key to close this help.",
)

// helpWidth is the width of the help box, which fits an 80-column terminal.
const helpWidth = 76

// draw brings the terminal up to date with the machine; it runs once per frame tick. It
// reports whether the guest's screen (VGA or serial view) changed, not counting the status row.
func (u *UI) draw(now time.Time) bool {
	if u.width < Cols || u.height < Rows {
		changed := !u.small || u.full
		if changed {
			u.drawSmall()
			u.scr.Show()
		}
		u.small, u.full = true, false
		return changed
	}
	if u.small {
		u.small, u.full = false, true
		u.flushInput() // what was typed while the terminal was too small
	}
	if u.waiting != "" && u.opts.Stats != nil && u.opts.Stats().Instructions > 0 {
		u.waiting, u.full = "", true
	}
	full := u.full
	u.full = false
	if full {
		u.scr.Clear()
	}
	var changed bool
	switch u.view {
	case viewVGA:
		changed = u.drawVGA(full)
	case viewSerial:
		changed = u.drawTerm(u.serial, &u.serialVer, full)
	default:
		changed = u.drawTerm(u.mon, &u.monVer, full)
	}
	changed = changed || full
	dirty := changed
	if u.waiting != "" {
		w := min(len(u.waiting), Cols)
		u.putText((Cols-w)/2, Rows/2, u.waiting, w, tcell.StyleDefault.Bold(true))
		u.scr.HideCursor()
		dirty = true
	}
	if u.help {
		u.drawHelp()
		u.scr.HideCursor()
		dirty = true
	}
	dirty = u.drawStatus(now, full) || dirty
	if dirty {
		u.scr.Show()
	}
	return changed
}

// drawVGA draws the cells of the text screen that changed since the last frame (all of them
// when full) and places the cursor; it reports whether anything was drawn.
func (u *UI) drawVGA(full bool) bool {
	row, col, visible := u.m.Screen(&u.cur)
	style := attrStyle
	if u.scr.Colors() < 16 {
		style = attrStyle8
	}
	drew := full
	for r := 0; r < Rows; r++ {
		for c := 0; c < Cols; c++ {
			v := u.cur[r][c]
			if !full && v == u.prev[r][c] {
				continue
			}
			u.scr.SetContent(c, r, cp437[byte(v)], nil, style(byte(v>>8)))
			drew = true
		}
	}
	u.prev = u.cur
	if visible && row >= 0 && row < Rows && col >= 0 && col < Cols {
		u.scr.ShowCursor(col, row)
	} else {
		u.scr.HideCursor()
	}
	return drew || u.cursorMoved(row, col, visible)
}

// cursorMoved remembers the cursor and reports whether it differs from the last frame's.
func (u *UI) cursorMoved(row, col int, visible bool) bool {
	key := [3]int{row, col, 0}
	if visible {
		key[2] = 1
	}
	moved := key != u.lastCursor
	u.lastCursor = key
	return moved
}

// drawTerm draws a text view (the serial console, the monitor) when its text or scroll
// position changed; seen is the version last drawn.
func (u *UI) drawTerm(t *serialTerm, seen *uint64, full bool) bool {
	t.mu.Lock()
	ver := t.version
	t.mu.Unlock()
	if !full && ver == *seen {
		return false
	}
	*seen = ver
	row, col, used := t.view(u.lines, u.scroll)
	u.scroll = used
	for r, line := range u.lines {
		for c, ch := range line {
			u.scr.SetContent(c, r, ch, nil, tcell.StyleDefault)
		}
	}
	if row >= 0 {
		u.scr.ShowCursor(col, row)
	} else {
		u.scr.HideCursor()
	}
	return true
}

// drawHelp puts the help box in the middle of the 80x25 area.
func (u *UI) drawHelp() {
	const w = helpWidth
	top := (Rows - len(helpText) - 2) / 2
	left := (Cols - w) / 2
	style := tcell.StyleDefault.Foreground(cgaColor(15)).Background(cgaColor(1))
	for i := -1; i <= len(helpText); i++ {
		line := ""
		if i >= 0 && i < len(helpText) {
			line = helpText[i]
		}
		u.putText(left, top+1+i, "  "+line, w, style)
	}
}

// drawStatus writes the status row (row 25) when its text changed; it reports whether it drew.
func (u *UI) drawStatus(now time.Time, full bool) bool {
	if u.height <= Rows {
		return false
	}
	text := ""
	if u.stopped && !(u.msg != "" && now.Before(u.msgUntil)) {
		text = stoppedLine(u.stopMsg)
	} else if u.msg != "" && now.Before(u.msgUntil) {
		text = " " + u.msg
	} else if u.waiting != "" {
		text = " " + u.waiting
	} else if u.status {
		text = u.statusLine(now)
	}
	if !full && text == u.statusText {
		return false
	}
	u.statusText = text
	style := statusStyle
	if text == "" {
		style = tcell.StyleDefault
	}
	u.putText(0, Rows, text, Cols, style)
	return true
}

// statusLine formats the machine figures, sampling them at most twice a second so that the
// guest's MIPS figure is averaged over a useful interval.
func (u *UI) statusLine(now time.Time) string {
	if u.opts.Stats != nil && now.Sub(u.lastSample) >= 500*time.Millisecond {
		st := u.opts.Stats()
		if !u.lastSample.IsZero() {
			dt := now.Sub(u.lastSample).Seconds()
			u.mips = float64(st.Instructions-u.lastStats.Instructions) / dt / 1e6
			u.diskBusy = st.DiskReads != u.lastStats.DiskReads || st.DiskWrites != u.lastStats.DiskWrites
		}
		u.lastStats, u.lastSample = st, now
	}
	view := "VGA"
	if u.view == viewMonitor {
		view = "monitor"
	}
	if u.view == viewSerial {
		view = "serial"
		if u.scroll > 0 {
			view += fmt.Sprintf(" (-%d)", u.scroll)
		}
	}
	if u.opts.Stats == nil || u.lastSample.IsZero() {
		return FormatStatus(view, nil, 0, false)
	}
	return FormatStatus(view, &u.lastStats, u.mips, u.diskBusy)
}

// FormatStatus formats a status line: the view, then, when st is not nil, the machine's
// figures (mips guest instructions per host second, busy when the disks were just used).
// The screen's status row and the -nographic console's Ctrl-A s share it.
func FormatStatus(view string, st *Stats, mips float64, busy bool) string {
	var b strings.Builder
	b.WriteString(" " + view)
	if st != nil {
		up := st.VirtualTime.Truncate(time.Second)
		fmt.Fprintf(&b, " | %d CPU", st.CPUs)
		if st.CPUs != 1 {
			b.WriteString("s")
		}
		fmt.Fprintf(&b, " | %.1f MIPS | up %d:%02d:%02d | disk r%d w%d",
			mips, int(up.Hours()), int(up.Minutes())%60, int(up.Seconds())%60,
			st.DiskReads, st.DiskWrites)
		if busy {
			b.WriteString(" *")
		}
		switch {
		case st.Races == 1:
			b.WriteString(" | 1 race")
		case st.Races > 1:
			fmt.Fprintf(&b, " | %d races", st.Races)
		}
		if st.Stuck {
			b.WriteString(" | STUCK: Ctrl-A w")
		}
	}
	b.WriteString(" | Ctrl-A h: help")
	return b.String()
}

// stoppedLine is the status row once the machine has stopped for good: the reason, cut to
// leave room for the quit keys.
func stoppedLine(reason string) string {
	const keys = " | q: quit"
	text := " " + reason
	if n := Cols - len(keys); len([]rune(text)) > n {
		text = string([]rune(text)[:n-3]) + "..."
	}
	return text + keys
}

// drawSmall replaces everything with a centred notice while the terminal is below 80x25.
func (u *UI) drawSmall() {
	u.scr.Clear()
	u.scr.HideCursor()
	lines := wrap(fmt.Sprintf("Gemu needs a terminal of at least %dx%d; this one is %dx%d. "+
		"Please enlarge it. Keys typed meanwhile are held until it is; Ctrl-A x quits.",
		Cols, Rows, u.width, u.height), u.width)
	top := (u.height - len(lines)) / 2
	for i, l := range lines {
		if top+i < 0 || top+i >= u.height {
			continue
		}
		u.putText((u.width-len(l))/2, top+i, l, len(l), tcell.StyleDefault.Bold(true))
	}
}

// putText writes s at (x, y) padded with blanks (or cut) to width cells.
func (u *UI) putText(x, y int, s string, width int, style tcell.Style) {
	rs := []rune(s)
	for i := 0; i < width; i++ {
		r := ' '
		if i < len(rs) {
			r = rs[i]
		}
		u.scr.SetContent(x+i, y, r, nil, style)
	}
}

// wrap breaks s into lines of at most width runes at spaces (cutting words longer than width).
func wrap(s string, width int) []string {
	if width < 1 {
		return nil
	}
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		for len(w) > width {
			if line != "" {
				lines = append(lines, line)
				line = ""
			}
			lines = append(lines, w[:width])
			w = w[width:]
		}
		switch {
		case line == "":
			line = w
		case len(line)+1+len(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
