package tui

import (
	"strings"
	"testing"
)

func serialScreen(t *testing.T, in string, height, scroll int) ([]string, int, int) {
	t.Helper()
	st := newSerialTerm()
	if _, err := st.Write([]byte(in)); err != nil {
		t.Fatal(err)
	}
	dst := make([][]rune, height)
	row, col, _ := st.view(dst, scroll)
	out := make([]string, height)
	for i, l := range dst {
		out[i] = strings.TrimRight(string(l), " ")
	}
	return out, row, col
}

func TestSerialTerm(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		row, col int
	}{
		{"plain", "xv6...\ncpu0: starting 0\n", []string{"xv6...", "cpu0: starting 0", ""}, 2, 0},
		{"cr overwrites", "abcd\rXY\r\n", []string{"XYcd", "", ""}, 1, 0},
		{"backspace", "$ lz\b \bs", []string{"$ ls", "", ""}, 0, 4},
		{"tab", "a\tb", []string{"a       b", "", ""}, 0, 9},
		{"csi ignored", "\x1b[1;31mred\x1b[0m \x1b[2J\x1b[Hok", []string{"red ok", "", ""}, 0, 6},
		{"osc ignored", "\x1b]0;title\x07x\x1b]2;t\x1b\\y", []string{"xy", "", ""}, 0, 2},
		{"other controls", "a\x00\x07b", []string{"ab", "", ""}, 0, 2},
		{"high bytes as cp437", "\xe2\xb3", []string{"Γ│", "", ""}, 0, 2},
		{"wrap", strings.Repeat("x", 85), []string{strings.Repeat("x", 80), "xxxxx", ""}, 1, 5},
		{"scrolls", "1\n2\n3\n4\n5", []string{"3", "4", "5"}, 2, 1},
	}
	for _, tt := range tests {
		got, row, col := serialScreen(t, tt.in, 3, 0)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || row != tt.row || col != tt.col {
			t.Errorf("%s: got %q cursor %d,%d; want %q cursor %d,%d", tt.name, got, row, col, tt.want, tt.row, tt.col)
		}
	}
}

func TestSerialScrollback(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 10; i++ {
		b.WriteString(string(rune('a'+i)) + "\n")
	}
	got, row, _ := serialScreen(t, b.String(), 3, 2)
	if strings.Join(got, "") != "ghi" || row != -1 {
		t.Errorf("scrolled back 2: %q cursor row %d, want ghi and no cursor", got, row)
	}
	got, _, _ = serialScreen(t, b.String(), 3, 100)
	if strings.Join(got, "") != "abc" {
		t.Errorf("scrolled to the top: %q, want abc", got)
	}
}

func TestSerialScrollbackBounded(t *testing.T) {
	st := newSerialTerm()
	for i := 0; i < serialMaxLines*2; i++ {
		if _, err := st.Write([]byte("line\n")); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(st.lines); n > serialMaxLines {
		t.Errorf("scrollback holds %d lines, limit %d", n, serialMaxLines)
	}
}
