//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package main

import (
	"io/fs"
	"os"
)

// lockRunDir creates a run directory's lock file; without flock it is not locked.
func lockRunDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
}

// runDirStale cannot tell a live run's directory from a killed one's without flock.
func runDirStale(string) (staleness, error) { return notStale, nil }

// ownedByUs cannot tell owners apart here; runDirStale keeps every directory anyway.
func ownedByUs(fs.FileInfo) bool { return false }
