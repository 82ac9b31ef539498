package harness

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"gemu/pc"
)

// Snapshots in scripts: "save NAME" keeps the machine's whole state under a name, and a
// script that starts with "loadvm NAME" runs from that state instead of booting, so a
// grading run boots once and starts every test at the prompt (docs/snapshots.md).

// SnapshotStore keeps named snapshots for scripts. The snapshots it returns stay its
// own: callers restore from them and do not close them.
type SnapshotStore interface {
	Save(name string, s *pc.Snapshot) error
	Load(name string) (*pc.Snapshot, error)
}

// DirStore is a SnapshotStore in a directory: snapshot NAME is the file NAME.snap there
// (NAME as given when it has an extension or is a path). Snapshots saved or read once
// are kept in memory, so starting many scripts from one costs one read of its file.
type DirStore struct {
	Dir string // "" means the current directory

	mu   sync.Mutex
	kept map[string]*pc.Snapshot
}

// Path returns the file of snapshot name.
func (d *DirStore) Path(name string) (string, error) {
	if name == "" || strings.ContainsAny(name, " \t") {
		return "", fmt.Errorf("snapshot name %q: want one word", name)
	}
	if strings.ContainsRune(name, '/') || strings.ContainsRune(name, filepath.Separator) {
		return name, nil
	}
	if filepath.Ext(name) == "" {
		name += ".snap"
	}
	dir := d.Dir
	if dir == "" {
		dir = "."
	}
	return filepath.Join(dir, name), nil
}

// Save writes s to name's file and keeps it (the store takes s over).
func (d *DirStore) Save(name string, s *pc.Snapshot) error {
	path, err := d.Path(name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("snapshot directory: %w", err)
	}
	if err := pc.SaveSnapshot(s, path); err != nil {
		return err
	}
	d.keep(path, s)
	return nil
}

// Load returns snapshot name, read from its file the first time.
func (d *DirStore) Load(name string) (*pc.Snapshot, error) {
	path, err := d.Path(name)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	s := d.kept[path]
	d.mu.Unlock()
	if s != nil {
		return s, nil
	}
	s, err = pc.LoadSnapshot(path)
	if err != nil {
		return nil, err
	}
	d.keep(path, s)
	return s, nil
}

func (d *DirStore) keep(path string, s *pc.Snapshot) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.kept == nil {
		d.kept = make(map[string]*pc.Snapshot)
	}
	if old := d.kept[path]; old != nil && old != s {
		old.Close()
	}
	d.kept[path] = s
}

// Close releases the snapshots kept in memory.
func (d *DirStore) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for p, s := range d.kept {
		s.Close()
		delete(d.kept, p)
	}
}

// errNoStore says a script saved a snapshot with nowhere to keep it.
var errNoStore = errors.New("save: this session has no snapshot store (harness.Config.Snapshots)")

// SaveSnapshot is a script's save NAME: the machine's state goes to the session's store.
func (s *Session) SaveSnapshot(name string) error {
	if s.snaps == nil {
		return errNoStore
	}
	snap, err := s.m.Snapshot()
	if err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	if err := s.snaps.Save(name, snap); err != nil {
		snap.Close()
		return fmt.Errorf("save %s: %w", name, err)
	}
	return nil
}

// StartFrom builds the machine as Start does and restores it from snap: it has the
// snapshot's CPUs and RAM unless cfg says otherwise (and then the restore fails), and the
// transcript starts empty.
func StartFrom(cfg Config, snap *pc.Snapshot) (*Session, error) {
	if cfg.CPUs == 0 {
		cfg.CPUs = snap.CPUs()
	}
	if cfg.MemoryMB == 0 {
		cfg.MemoryMB = snap.MemoryMB()
	}
	s, err := Start(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.m.Restore(snap); err != nil {
		s.Close()
		return nil, fmt.Errorf("harness: %w", err)
	}
	return s, nil
}

// Start runs the script on a new session: booted from cfg, or restored from the
// snapshot of its loadvm line, else cfg.LoadVM (from cfg.Snapshots). The script's smp and memory lines
// apply where cfg leaves them 0.
func (sc *Script) Start(cfg Config) (*Session, error) {
	if cfg.CPUs == 0 {
		cfg.CPUs = sc.CPUs
	}
	if cfg.MemoryMB == 0 {
		cfg.MemoryMB = sc.MemoryMB
	}
	name := sc.LoadVM
	if name == "" {
		name = cfg.LoadVM
	}
	if name == "" {
		return Start(cfg)
	}
	if cfg.Snapshots == nil {
		return nil, fmt.Errorf("%s: loadvm %s: no snapshot store", sc.Name, name)
	}
	snap, err := cfg.Snapshots.Load(name)
	if err != nil {
		return nil, fmt.Errorf("%s: loadvm %s: %w", sc.Name, name, err)
	}
	s, err := StartFrom(cfg, snap)
	if err != nil {
		return nil, fmt.Errorf("%s: loadvm %s: %w", sc.Name, name, err)
	}
	return s, nil
}
