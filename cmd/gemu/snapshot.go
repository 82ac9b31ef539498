package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gemu/pc"
)

// Snapshots on the command line: -loadvm FILE starts from one, Ctrl-A v (screen and
// -nographic) and the monitor's savevm write one to -snapshot-dir, and the monitor's
// loadvm goes back to one (docs/snapshots.md).

// snapshotExt is the extension of snapshot files gemu names.
const snapshotExt = ".snap"

// loadVM reads -loadvm's snapshot and gives cfg its number of CPUs and RAM size unless
// -smp or -m chose them (a machine of another shape then refuses the snapshot).
func loadVM(o *options, cfg *pc.Config) (*pc.Snapshot, error) {
	if o.loadvm == "" {
		return nil, nil
	}
	snap, err := pc.LoadSnapshot(o.loadvm)
	if err != nil {
		return nil, fmt.Errorf("-loadvm: %w", err)
	}
	if o.smp == 0 {
		cfg.CPUs = snap.CPUs()
	}
	if o.memMB == 0 {
		cfg.MemoryMB = snap.MemoryMB()
	}
	return snap, nil
}

// restoreVM puts the machine in -loadvm's state and releases the snapshot.
func restoreVM(o *options, m *pc.Machine, snap *pc.Snapshot) error {
	if snap == nil {
		return nil
	}
	defer snap.Close()
	if err := m.Restore(snap); err != nil {
		return fmt.Errorf("-loadvm: %s: %w", o.loadvm, err)
	}
	return nil
}

// snapshotPath is where the snapshot called name goes: name as given when it is a
// path, else a file in the snapshot directory, with snapshotExt added when name has no
// extension.
func snapshotPath(dir, name string) (string, error) {
	if name == "" {
		return "", errors.New("a snapshot needs a name")
	}
	if strings.ContainsRune(name, filepath.Separator) || strings.ContainsRune(name, '/') {
		return name, nil
	}
	if filepath.Ext(name) == "" {
		name += snapshotExt
	}
	if dir == "" {
		dir = "."
	}
	return filepath.Join(dir, name), nil
}

// newSnapshotName names a snapshot saved with Ctrl-A v: gemu-DATE-TIME.snap in dir,
// with a number added when that exists.
func newSnapshotName(dir string, now time.Time) string {
	if dir == "" {
		dir = "."
	}
	base := "gemu-" + now.Format("20060102-150405")
	for i := 1; ; i++ {
		name := base + snapshotExt
		if i > 1 {
			name = fmt.Sprintf("%s-%d%s", base, i, snapshotExt)
		}
		p := filepath.Join(dir, name)
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			return p
		}
	}
}

// saveVM writes a snapshot of m to path and returns a line saying so.
func saveVM(m *pc.Machine, path string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("snapshot directory: %w", err)
	}
	snap, err := m.Snapshot()
	if err != nil {
		return "", err
	}
	defer snap.Close()
	if err := pc.SaveSnapshot(snap, path); err != nil {
		return "", err
	}
	size := ""
	if fi, err := os.Stat(path); err == nil {
		size = fmt.Sprintf(" (%d KB)", (fi.Size()+1023)/1024)
	}
	return "snapshot saved to " + path + size, nil
}

// quickSave is Ctrl-A v: a snapshot under a new name in -snapshot-dir.
func quickSave(m *pc.Machine, o *options) func() (string, error) {
	return func() (string, error) {
		return saveVM(m, newSnapshotName(o.snapshotDir, time.Now()))
	}
}
