package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// runDirPrefix names the temporary directories runs keep their disk copies in (the bundled
// images, -snapshot copies). Each holds a lock file its run keeps locked.
const runDirPrefix = "gemu-run-"

// runDirLock is the lock file in a run directory.
const runDirLock = ".lock"

// runDir returns the run's temporary directory, making it on first use: the directory
// is removed at exit, and one left behind by a killed run is removed by a later one.
func (s *session) runDir() (string, error) {
	if s.dir != "" {
		return s.dir, nil
	}
	dir, err := os.MkdirTemp("", runDirPrefix)
	if err != nil {
		return "", fmt.Errorf("temporary directory: %w", err)
	}
	s.tmpDirs = append(s.tmpDirs, dir)
	lock, err := lockRunDir(filepath.Join(dir, runDirLock))
	if err != nil {
		return "", fmt.Errorf("temporary directory: %w", err)
	}
	s.files = append(s.files, lock)
	s.dir = dir
	return dir, nil
}

// cleanStaleRunDirs removes the run directories a killed run left behind in the temporary
// directory: only this user's, only when no process holds their lock, and only once they
// are a minute old (a run that is making its directory right now has not locked it yet).
// It returns the first error met; runs go on without cleaning.
func cleanStaleRunDirs() error {
	tmp := os.TempDir()
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return fmt.Errorf("cleaning %s: %w", tmp, err)
	}
	var first error
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), runDirPrefix) {
			continue
		}
		dir := filepath.Join(tmp, e.Name())
		info, err := e.Info()
		if err != nil || !ownedByUs(info) {
			continue // gone meanwhile (its run removed it), or not ours: not ours to clean
		}
		stale, err := runDirStale(filepath.Join(dir, runDirLock))
		if err != nil {
			continue // a lock file we cannot open is not known to be stale: keep it
		}
		if stale != notStale && time.Since(info.ModTime()) >= time.Minute {
			if err := os.RemoveAll(dir); err != nil && first == nil {
				first = fmt.Errorf("removing a stale %s: %w", dir, err)
			}
		}
	}
	return first
}

// staleness says whether a run directory's run is gone.
type staleness int

const (
	notStale    staleness = iota
	staleLocked           // the lock file is there and nobody holds it
	staleNoLock           // there is no lock file
)
