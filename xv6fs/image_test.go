package xv6fs

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"testing"
)

// TestCommittedImage opens the fs.img that Gemu ships and checks it whole.
func TestCommittedImage(t *testing.T) {
	const path = "../images/fs.img"
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		t.Skip("no", path)
	}
	im, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if sb := im.Superblock(); sb != (Superblock{Size: 1000, NBlocks: 941, NInodes: 200, NLog: 30, LogStart: 2, InodeStart: 32, BmapStart: 58}) {
		t.Fatalf("superblock %+v", sb)
	}
	if err := im.Check(); err != nil {
		t.Fatal(err)
	}
	ents, err := im.ReadDir("/")
	if err != nil {
		t.Fatal(err)
	}
	have := make(map[string]bool)
	for _, e := range ents {
		have[e.Name] = true
		if e.Type != TypeFile || e.Name == "README" {
			continue
		}
		b, err := im.ReadFile("/" + e.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("\x7fELF")) {
			t.Errorf("/%s is not an ELF file", e.Name)
		}
	}
	for _, n := range []string{".", "..", "README", "init", "sh", "ls", "usertests"} {
		if !have[n] {
			t.Errorf("/%s missing from the image", n)
		}
	}
	if have["console"] {
		t.Error("the image holds /console: init makes it at run time")
	}
}
