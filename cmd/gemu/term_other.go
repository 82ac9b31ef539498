//go:build !linux

package main

import "errors"

// termState is a terminal's saved settings (raw mode is supported on Linux only).
type termState struct{}

// isTerminal reports whether fd is a terminal (never, on this system).
func isTerminal(fd int) bool { return false }

// makeRaw is not supported on this system.
func makeRaw(fd int, signals bool) (*termState, error) {
	return nil, errors.New("raw terminal mode: not supported")
}

// restore does nothing.
func (s *termState) restore() error { return nil }
