// Package harness runs a Gemu machine headless and drives its serial console the way a
// person at a terminal would: it types input, waits for output that matches, and keeps the
// transcript. Waiting is measured in virtual time (instructions retired), so a session
// gives the same transcript on every run and any host load, and a guest that hangs or
// panics ends the wait with the transcript so far and the reason, never a hung test.
package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"gemu/ide"
	"gemu/images"
	"gemu/pc"
)

// Second is one second of virtual time, in the board's nanoseconds (one instruction
// retired is one nanosecond).
const Second int64 = 1e9

// step is how much virtual time passes between two looks at the transcript.
const step = Second / 1000

// Limits that keep a guest flooding its console from eating the host: the transcript keeps
// at most maxKeep bytes (older ones are dropped and counted), a regular expression is
// matched against at most the last reWindow unread bytes, and a Failure prints at most
// the last failTail bytes.
const (
	maxKeep  = 4 << 20
	reWindow = 1 << 20
	failTail = 64 << 10
)

// Config describes the machine a session runs.
type Config struct {
	Kernel    []byte        // disk 0 image (boot sector + kernel); nil means the bundled images.Kernel
	FS        []byte        // disk 1 image; nil means the bundled images.FS. Copied: the caller's bytes never change
	CPUs      int           // processors (0 means 1)
	MemoryMB  int           // RAM (0 means the board's default)
	Timeout   int64         // default virtual-time budget of each Expect (0 means 10 virtual seconds)
	HostLimit time.Duration // host-time safety net for each Expect (0 means 30 minutes)
	SchedSeed uint64        // the schedule's seed (pc.Config.SchedSeed; 0 means the default)
	// Race, if set, runs the data-race detector; the first race fails the Expect running
	// when it is found, with the report as the reason. Its Report, if set, still hears of
	// every race.
	Race *pc.RaceConfig
	// Snapshots keeps the snapshots scripts save (save NAME) and start from (loadvm NAME);
	// nil: scripts cannot use snapshots.
	Snapshots SnapshotStore
	// LoadVM is the snapshot (in Snapshots) that scripts without a loadvm line start
	// from; "" boots them.
	LoadVM string
	// Stuck, if set, runs the stuck-guest watchdog; a report fails the Expect running when
	// it is made, with the report as the reason. Its Report, if set, still hears of it.
	Stuck *pc.StuckConfig
}

// Session is one running machine and its console transcript.
type Session struct {
	m       *pc.Machine
	disks   [2]*MemDisk
	out     transcript // what the guest wrote to COM1
	mark    int        // offset in out.buf where the next Expect starts looking
	timeout int64
	host    time.Duration
	done    *pc.Result      // set once the machine has stopped for good
	races   []*pc.Race      // found by the race detector (Config.Race)
	stuck   *pc.StuckReport // a stuck-guest report no Expect has failed on yet
	snaps   SnapshotStore
}

// Failure is the error an Expect returns when its pattern does not show up: the guest
// stopped, the virtual-time budget ran out, or the host-time safety net fired.
type Failure struct {
	Want       string // the pattern waited for
	Reason     string // why the wait ended
	Transcript string // the whole transcript so far
}

func (f *Failure) Error() string {
	t := f.Transcript
	if len(t) > failTail {
		t = fmt.Sprintf("[... %d bytes omitted ...]\n%s", len(t)-failTail, t[len(t)-failTail:])
	}
	return fmt.Sprintf("waiting for %s: %s\n--- transcript ---\n%s\n--- end of transcript ---", f.Want, f.Reason, t)
}

// Start builds the machine and boots it; nothing runs until the first Expect.
func Start(cfg Config) (*Session, error) {
	kernel, fs := cfg.Kernel, cfg.FS
	if kernel == nil {
		kernel = images.Kernel
	}
	if fs == nil {
		fs = images.FS
	}
	s := &Session{timeout: cfg.Timeout, host: cfg.HostLimit, snaps: cfg.Snapshots}
	if s.timeout <= 0 {
		s.timeout = 10 * Second
	}
	if s.host <= 0 {
		s.host = 30 * time.Minute
	}
	s.disks[0] = NewMemDisk(kernel)
	s.disks[1] = NewMemDisk(fs)
	pcfg := pc.Config{
		CPUs:      cfg.CPUs,
		MemoryMB:  cfg.MemoryMB,
		Disks:     [2]ide.Disk{s.disks[0], s.disks[1]},
		Serial:    &s.out,
		SchedSeed: cfg.SchedSeed,
	}
	if cfg.Race != nil {
		rc := *cfg.Race
		pcfg.Race = &rc
		rc.Report = func(r *pc.Race) {
			s.races = append(s.races, r)
			if cfg.Race.Report != nil {
				cfg.Race.Report(r)
			}
		}
	}
	if cfg.Stuck != nil {
		sc := *cfg.Stuck
		pcfg.Stuck = &sc
		sc.Report = func(r *pc.StuckReport) {
			s.stuck = r
			if cfg.Stuck.Report != nil {
				cfg.Stuck.Report(r)
			}
		}
	}
	m, err := pc.New(pcfg)
	if err != nil {
		return nil, fmt.Errorf("harness: building the machine: %w", err)
	}
	s.m = m
	return s, nil
}

// Send types text on the serial console; it reaches the guest as the machine runs.
func (s *Session) Send(text string) { s.m.SendSerial([]byte(text)) }

// Expect runs the machine until the transcript, after the end of the previous match,
// contains want. It uses the session's default budget of virtual time.
func (s *Session) Expect(want string) error {
	return s.ExpectWithin(want, s.timeout)
}

// ExpectWithin is Expect with a budget of virtual time in ns (see Second).
func (s *Session) ExpectWithin(want string, budget int64) error {
	from := 0 // offset in b already searched without a match, less an overlap
	_, err := s.wait(fmt.Sprintf("%q", want), budget, func(b []byte) (int, []string) {
		from = min(from, len(b))
		i := bytes.Index(b[from:], []byte(want))
		if i < 0 {
			from = max(0, len(b)-len(want)+1)
			return -1, nil
		}
		return from + i + len(want), []string{want}
	})
	return err
}

// ExpectRegexp waits like ExpectWithin for a match of re and returns the match and its
// submatches.
func (s *Session) ExpectRegexp(re *regexp.Regexp, budget int64) ([]string, error) {
	seen := -1 // length of the unread text at the last look: match again only when it grew
	return s.wait("/"+re.String()+"/", budget, func(b []byte) (int, []string) {
		if len(b) == seen {
			return -1, nil
		}
		seen = len(b)
		off := max(0, len(b)-reWindow)
		loc := re.FindSubmatchIndex(b[off:])
		if loc == nil {
			return -1, nil
		}
		var subs []string
		for i := 0; i < len(loc); i += 2 {
			if loc[i] < 0 {
				subs = append(subs, "")
				continue
			}
			subs = append(subs, string(b[off+loc[i]:off+loc[i+1]]))
		}
		return off + loc[1], subs
	})
}

// wait runs the machine in small steps of virtual time until match finds something in the
// unread transcript; match returns the end offset of the match, or -1.
func (s *Session) wait(want string, budget int64, match func([]byte) (int, []string)) ([]string, error) {
	deadline := time.Now().Add(s.host)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	for spent := int64(0); ; spent += step {
		s.mark -= s.out.trim(s.mark)
		if len(s.races) > 0 {
			return nil, s.fail(want, "data race found: "+s.races[0].Text)
		}
		if r := s.stuck; r != nil {
			s.stuck = nil
			return nil, s.fail(want, r.Text)
		}
		if end, subs := match(s.out.buf[s.mark:]); end >= 0 {
			s.mark += end
			return subs, nil
		}
		if s.done != nil {
			return nil, s.fail(want, "the machine stopped: "+s.done.Message)
		}
		if spent >= budget {
			return nil, s.fail(want, fmt.Sprintf("not seen within %s of virtual time", virtual(budget)))
		}
		r, done, err := s.m.RunFor(ctx, step)
		if err != nil {
			return nil, s.fail(want, "machine error: "+err.Error())
		}
		if done {
			if ctx.Err() != nil {
				return nil, s.fail(want, fmt.Sprintf("host time limit %s reached", s.host))
			}
			s.done = &r
		}
	}
}

func (s *Session) fail(want, reason string) error {
	return &Failure{Want: want, Reason: reason, Transcript: s.Transcript()}
}

// virtual formats a virtual duration in ns.
func virtual(ns int64) string { return time.Duration(ns).String() }

// Transcript returns what the guest has written to the serial console, with the carriage
// returns a terminal would need removed. Past maxKeep bytes, the oldest are replaced by a
// line that counts them.
func (s *Session) Transcript() string {
	t := strings.ReplaceAll(string(s.out.buf), "\r", "")
	if s.out.dropped > 0 {
		t = fmt.Sprintf("[... %d bytes omitted ...]\n%s", s.out.dropped, t)
	}
	return t
}

// transcript collects console output; trim keeps it within maxKeep bytes.
type transcript struct {
	buf     []byte
	dropped int64
}

func (t *transcript) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	return len(p), nil
}

// trim keeps the newest maxKeep/2 bytes once the transcript is over maxKeep, and returns
// how far a read offset at mark moves back (unread bytes dropped under a flood are lost).
func (t *transcript) trim(mark int) int {
	if len(t.buf) <= maxKeep {
		return 0
	}
	n := len(t.buf) - maxKeep/2
	t.buf = append(t.buf[:0], t.buf[n:]...)
	t.dropped += int64(n)
	return min(mark, n)
}

// Disk returns the current contents of disk i (0 or 1), as the guest left them.
func (s *Session) Disk(i int) []byte { return s.disks[i].Bytes() }

// Races returns the races the detector has found so far (Config.Race).
func (s *Session) Races() []*pc.Race { return s.races }

// Machine returns the board, for tests that need more than the console.
func (s *Session) Machine() *pc.Machine { return s.m }

// Close stops the machine and releases it.
func (s *Session) Close() error {
	if err := s.m.Close(); err != nil {
		return fmt.Errorf("harness: closing the machine: %w", err)
	}
	return nil
}

// SaveDisk writes disk i to a file, for looking at what the guest wrote with other tools.
func (s *Session) SaveDisk(i int, path string) error {
	if err := os.WriteFile(path, s.Disk(i), 0o644); err != nil {
		return fmt.Errorf("harness: saving disk %d: %w", i, err)
	}
	return nil
}

// MemDisk is a disk image held in memory.
type MemDisk struct{ b []byte }

// NewMemDisk returns a disk holding a copy of img.
func NewMemDisk(img []byte) *MemDisk { return &MemDisk{b: bytes.Clone(img)} }

// ReadAt reads from the image.
func (d *MemDisk) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(d.b)) {
		return 0, errors.New("read past the end of the disk")
	}
	return copy(p, d.b[off:]), nil
}

// WriteAt writes to the image.
func (d *MemDisk) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(d.b)) {
		return 0, errors.New("write past the end of the disk")
	}
	return copy(d.b[off:], p), nil
}

// Size is the image's size in bytes.
func (d *MemDisk) Size() int64 { return int64(len(d.b)) }

// Bytes returns the image (not a copy).
func (d *MemDisk) Bytes() []byte { return d.b }
