//go:build linux || darwin || freebsd || netbsd || openbsd

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// lockRunDir creates a run directory's lock file and locks it for as long as the file
// stays open.
func lockRunDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return f, nil
}

// runDirStale tries the lock of a run directory: a run holds it as long as it lives.
func runDirStale(lockPath string) (staleness, error) {
	f, err := os.OpenFile(lockPath, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return staleNoLock, nil
	}
	if err != nil {
		return notStale, err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return notStale, nil // its run is alive
	}
	return staleLocked, nil // closing f drops the lock again
}

// ownedByUs reports whether a file belongs to the user running gemu.
func ownedByUs(info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
