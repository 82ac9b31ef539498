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

// ScriptFormat describes the script language; `gemu test -h` prints it.
const ScriptFormat = `A script is a text file, one command a line:

  smp 2              the machine's CPUs (before the first step; -smp overrides it)
  memory 128         the machine's RAM in MB (likewise; -m overrides it)
  timeout 30s        virtual-time budget of each expect that follows (a Go duration:
                     500ms, 10s, 2m); the default is 10s, or -timeout
  expect "$ "        wait until the console prints this text (Go string syntax:
                     \n, \t, \", \\, \x1b ...)
  expect hi there    the same without quotes: the rest of the line, blanks kept
  expect /re+gexp/   wait for a match of a regular expression (Go RE2 syntax)
  send "ls\n"        type this text (Go string syntax)
  send ls            type the rest of the line as it stands
  sendline ls        type the rest of the line and a newline
  save NAME          save the machine's whole state as snapshot NAME (a file
                     NAME.snap in -snapshot-dir; docs/snapshots.md)
  loadvm NAME        start from snapshot NAME instead of booting (before the
                     first step; the machine has the snapshot's CPUs and RAM)

Comments: a line whose first non-blank character is # is a comment, and so is
the rest of a line from a # that follows a space or a tab, except inside a
"quoted string" or the /regexp/ of an expect. The blanks before such a comment
are not part of the text:

  timeout 10s   # virtual time         is  timeout 10s
  expect $ # the prompt                is  expect $     (no space after $)
  expect "$ "   # the prompt           is  expect "$ "  (quote to keep blanks)
  expect "a # b"                       waits for a # b
  expect /x # y/                       waits for a match of x # y
  sendline echo a#b                    types echo a#b (no blank before #)
  sendline echo a # b                  types echo a; write send "echo a # b\n"

Inside a /regexp/ a backslash escapes the next character, so \/ is a slash; the
regexp ends at the first other /, and only blanks or a comment may follow it.
Blank lines are ignored; a byte-order mark and CRLF line ends are accepted.
Text without quotes keeps its blanks, trailing ones included, when no comment
follows. Waiting is in virtual time (one instruction retired is one
nanosecond), so a script gives the same transcript on every run and any host
load. An expect looks only at output after the previous expect's match.
`

// A Script is a list of steps read from a script file; ScriptFormat describes the format.
type Script struct {
	Name     string
	CPUs     int    // from an smp line, 0 if none
	MemoryMB int    // from a memory line, 0 if none
	LoadVM   string // from a loadvm line: the snapshot to start from, "" to boot
	Steps    []Step
}

// A Step is one line of a script.
type Step struct {
	Line    int
	Op      string // "timeout", "expect", "expect-re", "send", "save"
	Text    string
	Re      *regexp.Regexp
	Timeout int64
}

// ParseScript reads a script in the format ScriptFormat describes; errors name the line.
func ParseScript(name string, r io.Reader) (*Script, error) {
	sc := bufio.NewScanner(r)
	s := &Script{Name: name}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff") // a byte-order mark from a Windows editor
		}
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		word, rest := trimmed, ""
		if i := strings.IndexAny(trimmed, " \t"); i >= 0 {
			word, rest = trimmed[:i], trimmed[i+1:]
		}
		rest, err := stripComment(word, rest)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
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
		if word == "loadvm" {
			name := strings.TrimSpace(rest)
			switch {
			case name == "" || strings.ContainsAny(name, " \t"):
				return nil, fmt.Errorf("%s:%d: loadvm %q: want a snapshot name", s.Name, n, rest)
			case len(s.Steps) > 0:
				return nil, fmt.Errorf("%s:%d: loadvm must come before the first step", s.Name, n)
			}
			s.LoadVM = name
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

// stripComment removes a trailing comment from the argument of a command, with the blanks
// before it: a # that follows a blank (or opens the argument) outside a "quoted string"
// and outside an expect's /regexp/. An argument with no comment is returned unchanged.
func stripComment(word, rest string) (string, error) {
	if word == "expect" {
		if t := strings.TrimLeft(rest, " \t"); strings.HasPrefix(t, "/") {
			// The regexp runs to the first / not escaped by a backslash.
			start := len(rest) - len(t)
			end := -1
			for i := start + 1; i < len(t)+start; i++ {
				if rest[i] == '\\' {
					i++
					continue
				}
				if rest[i] == '/' {
					end = i
					break
				}
			}
			if end < 0 {
				return "", fmt.Errorf("expect: regexp %s has no closing /", strings.TrimSpace(t))
			}
			after := strings.TrimLeft(rest[end+1:], " \t")
			if after != "" && (after[0] != '#' || len(after) == len(rest[end+1:])) {
				return "", fmt.Errorf("expect: text %q after the regexp (a comment starts with a blank and #)", after)
			}
			return rest[:end+1], nil
		}
	}
	inQuote := false
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == '#' && (i == 0 || rest[i-1] == ' ' || rest[i-1] == '\t'):
			return strings.TrimRight(rest[:i], " \t"), nil
		}
	}
	return rest, nil
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
	case "save":
		name := strings.TrimSpace(rest)
		if name == "" || strings.ContainsAny(name, " \t") {
			return Step{}, fmt.Errorf("save %q: want a snapshot name", rest)
		}
		return Step{Op: "save", Text: name}, nil
	}
	return Step{}, fmt.Errorf("unknown command %q (want smp, memory, loadvm, timeout, expect, send, sendline or save)", word)
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
		case "save":
			err = s.SaveSnapshot(st.Text)
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", sc.Name, st.Line, err)
		}
	}
	return nil
}
