package main

import (
	"os"
	"testing"
)

func TestNoTUIWithoutATerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for _, args := range [][]string{nil, {"-nographic"}, {"-display", "none"}, {"-display", "curses"}} {
		o, err := parseArgs(args)
		if err != nil {
			t.Fatal(err)
		}
		// Pipes are not terminals: the serial console on stdio stands in, whatever the flags.
		if f := newTUIFront(o, r, w); f != nil {
			t.Errorf("%v: screen front end chosen for a pipe", args)
		}
	}
	// The positive case (a terminal) is what the e2e tests run, inside tmux.
}
