package tui

import (
	"fmt"
	"strings"
)

// An EscapeKey is one command typed after Ctrl-A. Both front ends take the same keys: this
// screen, and gemu's -nographic serial console (cmd/gemu), which has no VGA view.
type EscapeKey struct {
	Keys    string // what follows Ctrl-A, as the user names it
	Short   string // a word or two for the prompt shown after Ctrl-A; "" leaves it out
	Screen  string // what it does on the screen
	Console string // what it does in the -nographic console; "" when the same
}

// EscapeKeys is the one table of Ctrl-A commands. The screen's help box, the -nographic
// help, README.md and docs/keys.md all show it (tests hold the documents to it).
var EscapeKeys = []EscapeKey{
	{"x", "quit", "quit; disk writes are already in the image files", ""},
	{"c", "VGA/serial", "switch between the VGA screen and the serial console",
		"switch between the serial console and the monitor (qemu's commands; none with -gdb)"},
	{"m", "monitor", "qemu's monitor and back (not with -gdb)", ""},
	{"s", "status", "status line on or off", "print the status line once"},
	{"v", "", "save a snapshot (its name shows on the status line)", "save a snapshot (its name is printed)"},
	{"w", "", "why the guest is stuck: the monitor's info stuck",
		"print info stuck (a stuck guest's report also goes to stderr by itself)"},
	{"h", "help", "help (any key closes it)", "help"},
	{"Ctrl-A", "literal", "send one Ctrl-A to the guest", ""},
	{"PgUp/PgDn", "", "scroll the serial console a page (Up/Down: a line)",
		"nothing: the terminal keeps its own scrollback"},
}

// escapePrompt is the status-row prompt after Ctrl-A.
func escapePrompt() string {
	var b strings.Builder
	b.WriteString("Ctrl-A:")
	for _, k := range EscapeKeys {
		if k.Short != "" {
			fmt.Fprintf(&b, "  %s %s", k.Keys, k.Short)
		}
	}
	return b.String()
}

// EscapeHelp returns the Ctrl-A commands as help lines, for the screen (console false) or
// the -nographic console (console true).
func EscapeHelp(console bool) []string {
	var lines []string
	for _, k := range EscapeKeys {
		what := k.Screen
		if console && k.Console != "" {
			what = k.Console
		}
		lines = append(lines, fmt.Sprintf("Ctrl-A %-13s %s", k.Keys, what))
	}
	return lines
}

// EscapeKeysMarkdown returns the table of Ctrl-A commands as README.md and docs/keys.md
// show it.
func EscapeKeysMarkdown() string {
	var b strings.Builder
	b.WriteString("| keys | on the screen | with `-nographic` |\n|---|---|---|\n")
	for _, k := range EscapeKeys {
		keys := "`Ctrl-A " + k.Keys + "`"
		if k.Keys == "PgUp/PgDn" {
			keys = "`Ctrl-A PgUp`/`PgDn`"
		}
		con := k.Console
		if con == "" {
			con = "the same"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", keys, k.Screen, con)
	}
	return b.String()
}
