package tui

import (
	"testing"
	"time"
)

// BenchmarkFrameUnchanged is one frame tick when the guest screen did not change: the
// snapshot and the diff, which run 60 times a second.
func BenchmarkFrameUnchanged(b *testing.B) {
	m := &fakeMachine{visible: true}
	scr := newScreen(80, 26)
	if err := scr.Init(); err != nil {
		b.Fatal(err)
	}
	u := New(m, Options{})
	u.scr, u.width, u.height = scr, 80, 26
	now := time.Now()
	u.draw(now)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u.draw(now)
	}
}

// BenchmarkFrameAllChanged is a frame where every cell changed (a full scroll or clear).
func BenchmarkFrameAllChanged(b *testing.B) {
	m := &fakeMachine{visible: true}
	scr := newScreen(80, 26)
	if err := scr.Init(); err != nil {
		b.Fatal(err)
	}
	u := New(m, Options{})
	u.scr, u.width, u.height = scr, 80, 26
	now := time.Now()
	for i := 0; i < b.N; i++ {
		m.mu.Lock()
		for r := range m.screen {
			for c := range m.screen[r] {
				m.screen[r][c] = uint16('a'+(i+r+c)%26) | uint16(i&0xFF)<<8
			}
		}
		m.mu.Unlock()
		u.draw(now)
	}
}
