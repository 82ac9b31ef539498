package main

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"sync"

	"gemu/pc"
)

// parseRaceRate is -race-rate N: the mean instructions of a CPU between two samples.
func parseRaceRate(o *options, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return fmt.Errorf("want a positive instruction count, got %q", v)
	}
	o.race, o.raceRate = true, n
	return nil
}

// raceLog is where race reports go: a -race-log file, stderr, or (under the screen front
// end, which owns the terminal) a buffer printed on stderr when the screen is gone.
type raceLog struct {
	mu   sync.Mutex
	w    io.Writer // nil: held in buf
	buf  bytes.Buffer
	s    *session
	err  error
	path string
}

// raceConfig turns -race on for cfg and returns its log, nil when -race is off.
func (s *session) raceConfig(o *options, cfg *pc.Config, stderr io.Writer) (*raceLog, error) {
	if !o.race {
		return nil, nil
	}
	syms, err := s.syms.load()
	if err != nil {
		return nil, err
	}
	l := &raceLog{s: s, w: stderr, path: o.raceLog}
	switch {
	case o.raceLog != "":
		f, err := s.create(o.raceLog)
		if err != nil {
			return nil, fmt.Errorf("-race-log: %w", err)
		}
		l.w = f
	case s.ui != nil:
		l.w = nil
	}
	cfg.Race = &pc.RaceConfig{Seed: cfg.SchedSeed, Rate: o.raceRate, Symbols: syms, Report: l.report}
	return l, nil
}

// report writes one race; it runs on the machine's goroutine.
func (l *raceLog) report(r *pc.Race) {
	l.mu.Lock()
	defer l.mu.Unlock()
	text := "gemu: " + r.Text
	if l.w == nil {
		l.buf.WriteString(text)
		return
	}
	if l.path == "" && l.s.console != nil && l.s.console.midLine() {
		text = "\n" + text
	}
	if _, err := io.WriteString(l.w, text); err != nil && l.err == nil {
		l.err = fmt.Errorf("-race-log %s: %w", l.path, err)
	}
}

// finish prints the races held back while the screen was up and says where the reports
// went; it returns the first write error.
func (l *raceLog) finish(stderr io.Writer, races int) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf.Len() > 0 {
		fmt.Fprint(stderr, l.buf.String())
	}
	if races > 0 && l.path != "" {
		noun := "races"
		if races == 1 {
			noun = "race"
		}
		fmt.Fprintf(stderr, "gemu: %d data %s reported in %s\n", races, noun, l.path)
	}
	return l.err
}
