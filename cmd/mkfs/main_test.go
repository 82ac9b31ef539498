package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"gemu/xv6fs"
)

func TestMkfs(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"README":   []byte("readme\n"),
		"user/_ls": bytes.Repeat([]byte{0x7f, 'E', 'L', 'F'}, 5000), // 20000 bytes: uses the indirect block
		"user/_sh": []byte("shell"),
	}
	var args []string
	for _, n := range []string{"README", "user/_ls", "user/_sh"} {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	img1 := filepath.Join(dir, "fs1.img")
	img2 := filepath.Join(dir, "fs2.img")
	if err := run(append([]string{img1}, args...)); err != nil {
		t.Fatal(err)
	}
	if err := run(append([]string{img2}, args...)); err != nil {
		t.Fatal(err)
	}
	b1, err := os.ReadFile(img1)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := os.ReadFile(img2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatal("same inputs gave different images")
	}
	if len(b1) != 1000*512 {
		t.Fatalf("image is %d bytes", len(b1))
	}
	im, err := xv6fs.Open(img1)
	if err != nil {
		t.Fatal(err)
	}
	if sb := im.Superblock(); sb.LogStart != 2 || sb.InodeStart != 32 || sb.BmapStart != 58 || sb.NBlocks != 941 {
		t.Fatalf("superblock %+v", sb)
	}
	ents, err := im.ReadDir("/")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name)
	}
	want := []string{".", "..", "README", "ls", "sh"}
	if len(names) != len(want) {
		t.Fatalf("root holds %q, want %q", names, want)
	}
	for i := range want {
		if names[i] != want[i] || (i >= 2 && ents[i].Inum != uint32(i)) {
			t.Fatalf("root holds %+v, want %q with inodes 2, 3, 4 in order", ents, want)
		}
	}
	for path, src := range map[string]string{"/README": "README", "/ls": "user/_ls", "/sh": "user/_sh"} {
		got, err := im.ReadFile(path)
		if err != nil || !bytes.Equal(got, files[src]) {
			t.Fatalf("%s: %d bytes, %v", path, len(got), err)
		}
	}
	if err := im.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestMkfsErrors(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "_x")
	b := filepath.Join(dir, "x")
	long := filepath.Join(dir, "fifteen-letters")
	for _, p := range []string{a, b, long} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img := filepath.Join(dir, "fs.img")
	for name, args := range map[string][]string{
		"no args":   {},
		"duplicate": {img, a, b},
		"missing":   {img, filepath.Join(dir, "nope")},
		"long name": {img, long},
		"bad size":  {"-size", "10", img},
	} {
		if err := run(args); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
