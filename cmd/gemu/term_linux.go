package main

import (
	"fmt"
	"syscall"
	"unsafe"
)

// termState is a terminal's saved settings.
type termState struct {
	fd int
	t  syscall.Termios
}

func ioctlTermios(fd int, req uintptr, t *syscall.Termios) error {
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(unsafe.Pointer(t)))
	if e != 0 {
		return e
	}
	return nil
}

// isTerminal reports whether fd is a terminal.
func isTerminal(fd int) bool {
	var t syscall.Termios
	return ioctlTermios(fd, syscall.TCGETS, &t) == nil
}

// makeRaw puts the terminal in a raw mode for a serial console: no line editing, no
// echo, no input translation, one byte at a time. Output processing (newline to CR LF)
// stays on; the signal keys (Ctrl-C, Ctrl-Z, Ctrl-Backslash) stay on only if signals is set.
func makeRaw(fd int, signals bool) (*termState, error) {
	var old syscall.Termios
	if err := ioctlTermios(fd, syscall.TCGETS, &old); err != nil {
		return nil, fmt.Errorf("terminal settings: %w", err)
	}
	t := old
	t.Iflag &^= syscall.IGNBRK | syscall.BRKINT | syscall.PARMRK | syscall.ISTRIP |
		syscall.INLCR | syscall.IGNCR | syscall.ICRNL | syscall.IXON
	t.Lflag &^= syscall.ECHO | syscall.ECHONL | syscall.ICANON | syscall.IEXTEN
	if !signals {
		t.Lflag &^= syscall.ISIG
	}
	t.Cflag &^= syscall.CSIZE | syscall.PARENB
	t.Cflag |= syscall.CS8
	t.Cc[syscall.VMIN] = 1
	t.Cc[syscall.VTIME] = 0
	if err := ioctlTermios(fd, syscall.TCSETS, &t); err != nil {
		return nil, fmt.Errorf("terminal raw mode: %w", err)
	}
	return &termState{fd: fd, t: old}, nil
}

// restore puts the terminal back as it was.
func (s *termState) restore() error {
	if s == nil {
		return nil
	}
	return ioctlTermios(s.fd, syscall.TCSETS, &s.t)
}
