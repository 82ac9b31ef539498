package xv6fs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
)

func newImage(t *testing.T) *Image {
	t.Helper()
	im, err := Create(DefaultSize, DefaultNInodes, DefaultNLog)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7+i/BlockSize) ^ seed
	}
	return b
}

func TestLayoutMatchesXv6(t *testing.T) {
	sb, err := Layout(1000, 200, 30)
	if err != nil {
		t.Fatal(err)
	}
	want := Superblock{Size: 1000, NBlocks: 941, NInodes: 200, NLog: 30, LogStart: 2, InodeStart: 32, BmapStart: 58}
	if sb != want {
		t.Fatalf("Layout = %+v, want %+v", sb, want)
	}
	if sb.DataStart() != 59 {
		t.Fatalf("DataStart = %d, want 59", sb.DataStart())
	}
	if _, err := Layout(10, 200, 30); err == nil {
		t.Fatal("Layout accepted a geometry with no data blocks")
	}
}

func TestCreateRoot(t *testing.T) {
	im := newImage(t)
	b := im.Bytes()
	if got := binary.LittleEndian.Uint32(b[BlockSize:]); got != 1000 {
		t.Fatalf("superblock size %d", got)
	}
	ents, err := im.ReadDir("/")
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 2 || ents[0].Name != "." || ents[1].Name != ".." || ents[0].Inum != RootIno || ents[1].Inum != RootIno {
		t.Fatalf("root entries %+v", ents)
	}
	// The root's only block is the first data block, as xv6's mkfs leaves it.
	d, err := im.readInode(RootIno)
	if err != nil {
		t.Fatal(err)
	}
	if d.Addrs[0] != 59 || d.Size != 32 || d.Type != TypeDir || d.Nlink != 1 {
		t.Fatalf("root inode %+v", d)
	}
	if im.FreeBlocks() != 940 {
		t.Fatalf("FreeBlocks = %d, want 940", im.FreeBlocks())
	}
	if err := im.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestRoundTrip(t *testing.T) {
	im := newImage(t)
	files := map[string][]byte{
		"/a":          []byte("hello"),
		"/empty":      {},
		"/d/x":        pattern(3000, 1),
		"/d/e/deep":   pattern(BlockSize, 2),
		"/fourteench": pattern(14, 3),
	}
	if err := im.Mkdir("/d"); err != nil {
		t.Fatal(err)
	}
	if err := im.Mkdir("d/e"); err != nil {
		t.Fatal(err)
	}
	for p, b := range files {
		if err := im.WriteFile(p, b); err != nil {
			t.Fatalf("WriteFile(%s): %v", p, err)
		}
	}
	if err := im.Mknod("/console", 1, 1); err != nil {
		t.Fatal(err)
	}
	back, err := Parse(im.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range files {
		got, err := back.ReadFile(p)
		if err != nil {
			t.Fatalf("ReadFile(%s): %v", p, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("ReadFile(%s): %d bytes differ from the %d written", p, len(got), len(want))
		}
	}
	st, err := back.Stat("/console")
	if err != nil || st.Type != TypeDev || st.Major != 1 || st.Minor != 1 {
		t.Fatalf("Stat(/console) = %+v, %v", st, err)
	}
	st, err = back.Stat("/d")
	if err != nil || st.Type != TypeDir || st.Nlink != 2 {
		t.Fatalf("Stat(/d) = %+v, %v (want nlink 2: its entry and e's ..)", st, err)
	}
	ents, err := back.ReadDir("/d/e")
	if err != nil || len(ents) != 3 || ents[2].Name != "deep" || ents[2].Size != BlockSize || ents[2].Type != TypeFile {
		t.Fatalf("ReadDir(/d/e) = %+v, %v", ents, err)
	}
	if err := back.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestBigFile(t *testing.T) {
	im := newImage(t)
	free := im.FreeBlocks()
	big := pattern(MaxFile*BlockSize, 9)
	if err := im.WriteFile("/big", big); err != nil {
		t.Fatal(err)
	}
	// MaxFile data blocks plus the indirect block.
	if used := free - im.FreeBlocks(); used != MaxFile+1 {
		t.Fatalf("big file used %d blocks, want %d", used, MaxFile+1)
	}
	got, err := im.ReadFile("/big")
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("ReadFile(/big): %d bytes, %v", len(got), err)
	}
	d, err := im.readInode(2)
	if err != nil {
		t.Fatal(err)
	}
	// xv6 order: 12 direct blocks, then the indirect block, then the rest.
	if d.Addrs[NDirect] != d.Addrs[NDirect-1]+1 {
		t.Fatalf("indirect block %d does not follow the last direct block %d", d.Addrs[NDirect], d.Addrs[NDirect-1])
	}
	if err := im.WriteFile("/big2", make([]byte, MaxFile*BlockSize+1)); !errors.Is(err, ErrTooBig) {
		t.Fatalf("one byte past MaxFile: %v, want ErrTooBig", err)
	}
	// Shrinking gives every block back, indirect block included.
	if err := im.WriteFile("/big", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if used := free - im.FreeBlocks(); used != 1 {
		t.Fatalf("after shrinking the file uses %d blocks, want 1", used)
	}
	if err := im.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestFull(t *testing.T) {
	im := newImage(t)
	var err error
	n := 0
	for ; n < 100; n++ {
		if err = im.WriteFile(fmt.Sprintf("/f%d", n), pattern(MaxFile*BlockSize, byte(n))); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrNoSpace) {
		t.Fatalf("after %d big files: %v, want ErrNoSpace", n, err)
	}
	// 940 free blocks hold 6 files of 141 blocks.
	if n != 6 {
		t.Fatalf("%d big files fit, want 6", n)
	}
	if err := im.WriteFile("/f0", pattern(MaxFile*BlockSize, 1)); err != nil {
		t.Fatalf("rewriting a file in place needs no new space: %v", err)
	}
	if err := im.Check(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		if err = im.WriteFile(fmt.Sprintf("/s%d", i), nil); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrNoSpace) {
		t.Fatalf("creating 200 empty files: %v, want ErrNoSpace (inodes or directory blocks)", err)
	}
	if err := im.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestNoSpaceLeavesImageUnchanged(t *testing.T) {
	im := newImage(t)
	for i := 0; i < 6; i++ {
		if err := im.WriteFile(fmt.Sprintf("/f%d", i), pattern(MaxFile*BlockSize, byte(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := im.WriteFile("/small", make([]byte, 20*BlockSize)); err != nil {
		t.Fatal(err)
	}
	before := bytes.Clone(im.Bytes())
	if err := im.WriteFile("/small", make([]byte, 100*BlockSize)); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("growing past the free space: %v", err)
	}
	if !bytes.Equal(before, im.Bytes()) {
		t.Fatal("a failed write changed the image")
	}
}

func TestErrors(t *testing.T) {
	im := newImage(t)
	if err := im.WriteFile("/a", []byte("a")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"read missing", second(im.ReadFile("/nope")), ErrNotExist},
		{"read dir", second(im.ReadFile("/")), ErrIsDir},
		{"file as dir", second(im.ReadDir("/a")), ErrNotDir},
		{"long name", im.WriteFile("/fifteen-chars-x", nil), ErrName},
		{"mkdir exists", im.Mkdir("/a"), ErrExist},
		{"no parent", im.WriteFile("/no/a", nil), ErrNotExist},
		{"write dir", im.WriteFile("/", nil), ErrIsDir},
		{"dot name", im.Mkdir("/.."), ErrName},
		{"under file", im.WriteFile("/a/b", nil), ErrNotDir},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestCorrupt(t *testing.T) {
	good := newImage(t)
	if err := good.WriteFile("/f", pattern(20*BlockSize, 4)); err != nil {
		t.Fatal(err)
	}
	base := good.Bytes()
	mutate := func(f func(b []byte)) []byte {
		b := bytes.Clone(base)
		f(b)
		return b
	}
	le := binary.LittleEndian
	parseCases := map[string][]byte{
		"empty":          nil,
		"short":          base[:700],
		"truncated":      base[:len(base)-BlockSize],
		"zero super":     mutate(func(b []byte) { clear(b[BlockSize : 2*BlockSize]) }),
		"nblocks>size":   mutate(func(b []byte) { le.PutUint32(b[BlockSize+4:], 5000) }),
		"log overlaps":   mutate(func(b []byte) { le.PutUint32(b[BlockSize+12:], 100) }),
		"bmap in data":   mutate(func(b []byte) { le.PutUint32(b[BlockSize+24:], 990) }),
		"huge ninodes":   mutate(func(b []byte) { le.PutUint32(b[BlockSize+8:], 1<<30) }),
		"inodes overlap": mutate(func(b []byte) { le.PutUint32(b[BlockSize+8:], 300) }),
	}
	for name, b := range parseCases {
		if _, err := Parse(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Parse(%s): %v, want ErrCorrupt", name, err)
		}
	}
	inode2 := 32*BlockSize + 2*InodeSize
	readCases := map[string][]byte{
		"block past end":    mutate(func(b []byte) { le.PutUint32(b[inode2+12:], 5000) }),
		"block in log":      mutate(func(b []byte) { le.PutUint32(b[inode2+12+4*3:], 3) }),
		"indirect past end": mutate(func(b []byte) { le.PutUint32(b[inode2+12+4*NDirect:], 1<<31) }),
		"size too big":      mutate(func(b []byte) { le.PutUint32(b[inode2+8:], (MaxFile+1)*BlockSize) }),
		"bad type":          mutate(func(b []byte) { le.PutUint16(b[inode2:], 9) }),
	}
	for name, b := range readCases {
		im, err := Parse(b)
		if err != nil {
			t.Errorf("Parse(%s): %v", name, err)
			continue
		}
		if _, err := im.ReadFile("/f"); !errors.Is(err, ErrCorrupt) {
			t.Errorf("ReadFile(%s): %v, want ErrCorrupt", name, err)
		}
		if err := im.Check(); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Check(%s): %v, want ErrCorrupt", name, err)
		}
	}
	checkCases := map[string][]byte{
		"block marked free": mutate(func(b []byte) { b[58*BlockSize+70/8] &^= 1 << (70 % 8) }),
		"leaked block":      mutate(func(b []byte) { b[58*BlockSize+900/8] |= 1 << (900 % 8) }),
		"nlink":             mutate(func(b []byte) { le.PutUint16(b[inode2+6:], 3) }),
		"shared block":      mutate(func(b []byte) { le.PutUint32(b[inode2+12+4:], 59) }),
		"dangling entry":    mutate(func(b []byte) { le.PutUint16(b[59*BlockSize+2*DirentSize:], 7) }),
	}
	for name, b := range checkCases {
		im, err := Parse(b)
		if err != nil {
			t.Errorf("Parse(%s): %v", name, err)
			continue
		}
		if err := im.Check(); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Check(%s): %v, want ErrCorrupt", name, err)
		}
	}
}

func TestDeterministic(t *testing.T) {
	build := func() []byte {
		im := newImage(t)
		for i := 0; i < 30; i++ {
			if err := im.WriteFile(fmt.Sprintf("/p%d", i), pattern(i*1000, byte(i))); err != nil {
				t.Fatal(err)
			}
		}
		return im.Bytes()
	}
	if !bytes.Equal(build(), build()) {
		t.Fatal("two identical builds differ")
	}
}

func FuzzParse(f *testing.F) {
	im, err := Create(64, 16, 4)
	if err != nil {
		f.Fatal(err)
	}
	if err := im.Mkdir("/d"); err != nil {
		f.Fatal(err)
	}
	if err := im.WriteFile("/d/f", pattern(13*BlockSize, 5)); err != nil {
		f.Fatal(err)
	}
	f.Add(bytes.Clone(im.Bytes()))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		im, err := Parse(b)
		if err != nil {
			return
		}
		_ = im.Check()
		walkAll(im, "/", 0)
		_ = im.WriteFile("/d/g", []byte("new"))
		_ = im.Mkdir("/e")
		_ = im.Remove("/d/f")
		_ = im.Remove("/d")
		walkAll(im, "/", 0)
	})
}

// walkAll reads everything reachable, which must never panic.
func walkAll(im *Image, dir string, depth int) {
	if depth > 4 {
		return
	}
	ents, err := im.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if e.Name == "." || e.Name == ".." || e.Name == "" {
			continue
		}
		p := dir + "/" + e.Name
		_, _ = im.Stat(p)
		if e.Type == TypeDir {
			walkAll(im, p, depth+1)
		} else {
			_, _ = im.ReadFile(p)
		}
	}
}

func TestRemove(t *testing.T) {
	im := newImage(t)
	free := im.FreeBlocks()
	if err := im.Mkdir("/d"); err != nil {
		t.Fatal(err)
	}
	if err := im.WriteFile("/d/big", pattern(MaxFile*BlockSize, 1)); err != nil {
		t.Fatal(err)
	}
	if err := im.Remove("/d"); !errors.Is(err, ErrExist) {
		t.Fatalf("removing a non-empty directory: %v", err)
	}
	if err := im.Remove("/d/nope"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("removing a missing file: %v", err)
	}
	if err := im.Remove("/d/big"); err != nil {
		t.Fatal(err)
	}
	if _, err := im.Stat("/d/big"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("Stat after Remove: %v", err)
	}
	if err := im.Remove("/d"); err != nil {
		t.Fatal(err)
	}
	// Every block is free again (the root directory keeps its size).
	if im.FreeBlocks() != free {
		t.Fatalf("%d free blocks after removing everything, want %d", im.FreeBlocks(), free)
	}
	st, err := im.Stat("/")
	if err != nil || st.Nlink != 1 {
		t.Fatalf("root after removing its subdirectory: %+v, %v", st, err)
	}
	if err := im.Check(); err != nil {
		t.Fatal(err)
	}
	if err := im.Remove("/"); !errors.Is(err, ErrName) {
		t.Fatalf("removing the root: %v", err)
	}
	if err := im.Remove("/."); !errors.Is(err, ErrName) {
		t.Fatalf("removing .: %v", err)
	}
}

// TestCorruptMetadataNeverPanics scrambles the superblock, inodes, bitmap
// and directory blocks of a small image at random and uses the result.
func TestCorruptMetadataNeverPanics(t *testing.T) {
	im, err := Create(200, 32, 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Mkdir("/d"); err != nil {
		t.Fatal(err)
	}
	for i, n := range []int{0, 100, 6000, (MaxFile - 3) * BlockSize} {
		if err := im.WriteFile(fmt.Sprintf("/d/f%d", i), pattern(n, byte(i))); err != nil {
			t.Fatal(err)
		}
	}
	base := im.Bytes()
	meta := int(im.Superblock().DataStart()+3) * BlockSize // metadata and the first directory blocks
	x := uint32(1)
	rnd := func(n int) int {
		x = x*1103515245 + 12345
		return int(x>>8) % n
	}
	for iter := 0; iter < 3000; iter++ {
		b := bytes.Clone(base)
		for k := 0; k < 1+rnd(8); k++ {
			off := BlockSize + rnd(meta-BlockSize)
			if iter%3 == 0 {
				off = BlockSize + rnd(28) // the superblock itself
			}
			b[off] = byte(rnd(256))
		}
		im, err := Parse(b)
		if err != nil {
			continue
		}
		_ = im.Check()
		walkAll(im, "/", 0)
		_ = im.WriteFile("/d/new", pattern(3000, 7))
		_ = im.WriteFile("/d/f2", nil)
		_ = im.Remove("/d/f1")
		_ = im.Mkdir("/d/e")
		walkAll(im, "/", 0)
	}
}
