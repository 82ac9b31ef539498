package harness

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// A Script is a list of steps read from a script file, one per line:
//
//	# a comment, and blank lines, are ignored
//	smp 2                the machine's CPUs (only before the first step; flags may override)
//	memory 128           the machine's RAM in MB (likewise)
//	timeout 30s          virtual-time budget for the expects that follow (Go duration)
//	expect "$ "          wait for this text (Go string syntax: \n, \t, \" ...)
//	expect $ 	         the same without quotes: the rest of the line, spaces kept
//	expect /re+gexp/     wait for a match of a regular expression (Go syntax)
//	send "ls\n"          type this text
//	sendline ls          type the rest of the line and a newline
type Script struct {
	Name     string
	CPUs     int // from an smp line, 0 if none
	MemoryMB int // from a memory line, 0 if none
	Steps    []Step
}

// A Step is one line of a script.
type Step struct {
	Line    int
	Op      string // "timeout", "expect", "expect-re", "send"
	Text    string
	Re      *regexp.Regexp
	Timeout int64
}

// ParseScript reads a script; errors name the line.
func ParseScript(name string, r io.Reader) (*Script, error) {
	sc := bufio.NewScanner(r)
	s := &Script{Name: name}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff") // a byte-order mark from a Windows editor
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		word, rest, _ := strings.Cut(strings.TrimLeft(line, " \t"), " ")
		if word == "smp" || word == "memory" {
			v, err := strconv.Atoi(strings.TrimSpace(rest))
			switch {
			case err != nil || v <= 0:
				return nil, fmt.Errorf("%s:%d: %s %q: want a positive number", name, n, word, rest)
			case len(s.Steps) > 0:
				return nil, fmt.Errorf("%s:%d: %s must come before the first step", name, n, word)
			case word == "smp":
				s.CPUs = v
			default:
				s.MemoryMB = v
			}
			continue
		}
		st, err := parseStep(word, rest)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		st.Line = n
		s.Steps = append(s.Steps, st)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

func parseStep(word, rest string) (Step, error) {
	switch word {
	case "timeout":
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil || d <= 0 {
			return Step{}, fmt.Errorf("timeout %q: want a positive duration such as 30s", rest)
		}
		return Step{Op: "timeout", Timeout: int64(d)}, nil
	case "expect":
		if t := strings.TrimSpace(rest); len(t) >= 2 && t[0] == '/' && t[len(t)-1] == '/' {
			re, err := regexp.Compile(t[1 : len(t)-1])
			if err != nil {
				return Step{}, fmt.Errorf("expect: %w", err)
			}
			return Step{Op: "expect-re", Re: re, Text: t}, nil
		}
		text, err := argText(rest)
		if err != nil || text == "" {
			return Step{}, fmt.Errorf("expect: want text, \"quoted text\" or /regexp/")
		}
		return Step{Op: "expect", Text: text}, nil
	case "send":
		text, err := argText(rest)
		if err != nil {
			return Step{}, fmt.Errorf("send: %w", err)
		}
		return Step{Op: "send", Text: text}, nil
	case "sendline":
		return Step{Op: "send", Text: rest + "\n"}, nil
	}
	return Step{}, fmt.Errorf("unknown command %q (want smp, memory, timeout, expect, send or sendline)", word)
}

// argText is a quoted Go string, or else the text as it stands.
func argText(s string) (string, error) {
	if t := strings.TrimSpace(s); strings.HasPrefix(t, `"`) {
		return strconv.Unquote(t)
	}
	return s, nil
}

// Run plays the script against a session and stops at the first expectation not met.
func (sc *Script) Run(s *Session) error {
	timeout := s.timeout
	for _, st := range sc.Steps {
		var err error
		switch st.Op {
		case "timeout":
			timeout = st.Timeout
		case "send":
			s.Send(st.Text)
		case "expect":
			err = s.ExpectWithin(st.Text, timeout)
		case "expect-re":
			_, err = s.ExpectRegexp(st.Re, timeout)
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", sc.Name, st.Line, err)
		}
	}
	return nil
}
