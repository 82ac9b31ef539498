package vga

import "testing"

// BenchmarkSnapshot measures copying the whole 80x25 screen for a front end.
func BenchmarkSnapshot(b *testing.B) {
	v := New(make([]byte, MemSize))
	var dst [Rows][Cols]uint16
	for b.Loop() {
		v.Snapshot(&dst)
	}
}
