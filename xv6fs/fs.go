// Package xv6fs reads and writes xv6 file-system images: 512-byte blocks,
// a superblock in block 1, then the log, the inodes, the free bitmap and
// the data blocks (the format of xv6-src/include/fs.h).
package xv6fs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// On-disk constants from fs.h.
const (
	BlockSize  = 512                 // bytes in a block
	NDirect    = 12                  // direct block addresses in an inode
	NIndirect  = BlockSize / 4       // addresses in the indirect block
	MaxFile    = NDirect + NIndirect // largest file, in blocks
	DirSiz     = 14                  // longest name in a directory entry
	InodeSize  = 64                  // bytes of an on-disk inode
	DirentSize = 16                  // bytes of a directory entry
	RootIno    = 1                   // inode number of "/"
	ipb        = BlockSize / InodeSize
	bpb        = BlockSize * 8
)

// Inode types (stat.h).
const (
	TypeDir  = 1 // directory
	TypeFile = 2 // regular file
	TypeDev  = 3 // device
)

// xv6's default geometry (param.h): FSSIZE, the number of inodes mkfs makes, LOGSIZE.
const (
	DefaultSize    = 1000 // blocks
	DefaultNInodes = 200  // inodes
	DefaultNLog    = 30   // log blocks
)

// Errors that callers can test for with errors.Is.
var (
	ErrCorrupt  = errors.New("corrupt image")
	ErrNotExist = errors.New("file does not exist")
	ErrExist    = errors.New("file exists")
	ErrNotDir   = errors.New("not a directory")
	ErrIsDir    = errors.New("is a directory")
	ErrNoSpace  = errors.New("no space left in image")
	ErrTooBig   = errors.New("file too big")
	ErrName     = errors.New("bad file name")
)

// Superblock describes the layout of an image (struct superblock).
type Superblock struct {
	Size       uint32 // blocks in the image
	NBlocks    uint32 // data blocks
	NInodes    uint32 // inodes
	NLog       uint32 // log blocks
	LogStart   uint32 // first log block
	InodeStart uint32 // first inode block
	BmapStart  uint32 // first free-bitmap block
}

// DataStart returns the first data block: every block before it is metadata.
func (sb Superblock) DataStart() uint32 { return sb.Size - sb.NBlocks }

// Image is an xv6 file system held in memory.
type Image struct {
	data []byte
	sb   Superblock
}

// Layout computes the superblock xv6's mkfs writes for an image of size
// blocks with ninodes inodes and nlog log blocks.
func Layout(size, ninodes, nlog uint32) (Superblock, error) {
	if size == 0 || size > 1<<20 || ninodes == 0 || ninodes > 1<<16 || nlog > size {
		return Superblock{}, fmt.Errorf("xv6fs: bad geometry size=%d ninodes=%d nlog=%d", size, ninodes, nlog)
	}
	nbitmap := size/bpb + 1
	ninodeblocks := ninodes/ipb + 1
	nmeta := 2 + nlog + ninodeblocks + nbitmap
	if nmeta >= size {
		return Superblock{}, fmt.Errorf("xv6fs: %d metadata blocks leave no data blocks in %d", nmeta, size)
	}
	return Superblock{
		Size:       size,
		NBlocks:    size - nmeta,
		NInodes:    ninodes,
		NLog:       nlog,
		LogStart:   2,
		InodeStart: 2 + nlog,
		BmapStart:  2 + nlog + ninodeblocks,
	}, nil
}

// Create makes an empty file system (a root directory holding "." and "..")
// with xv6's layout for the given geometry.
func Create(size, ninodes, nlog uint32) (*Image, error) {
	sb, err := Layout(size, ninodes, nlog)
	if err != nil {
		return nil, err
	}
	im := &Image{data: make([]byte, int(size)*BlockSize), sb: sb}
	im.putSuper()
	for b := uint32(0); b < sb.DataStart(); b++ {
		im.setBit(b, true)
	}
	root, err := im.ialloc(TypeDir)
	if err != nil {
		return nil, err
	}
	if root != RootIno {
		return nil, fmt.Errorf("xv6fs: root got inode %d", root)
	}
	if err := im.setContent(root, dirents(RootIno, RootIno)); err != nil {
		return nil, err
	}
	return im, nil
}

// Open reads the image file at path.
func Open(path string) (*Image, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("xv6fs: %w", err)
	}
	im, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return im, nil
}

// Parse checks the superblock of an image and returns it, working on a copy of b.
func Parse(b []byte) (*Image, error) {
	if len(b) < 2*BlockSize {
		return nil, fmt.Errorf("xv6fs: %d bytes is too short for an image: %w", len(b), ErrCorrupt)
	}
	sb := Superblock{}
	f := b[BlockSize:]
	for i, p := range []*uint32{&sb.Size, &sb.NBlocks, &sb.NInodes, &sb.NLog, &sb.LogStart, &sb.InodeStart, &sb.BmapStart} {
		*p = binary.LittleEndian.Uint32(f[4*i:])
	}
	if err := sb.check(uint64(len(b))); err != nil {
		return nil, err
	}
	data := make([]byte, int(sb.Size)*BlockSize)
	copy(data, b)
	return &Image{data: data, sb: sb}, nil
}

func (sb Superblock) check(n uint64) error {
	bad := func(what string) error {
		return fmt.Errorf("xv6fs: superblock %+v: %s: %w", sb, what, ErrCorrupt)
	}
	switch {
	case sb.Size < 4 || uint64(sb.Size)*BlockSize > n:
		return bad(fmt.Sprintf("size does not fit the %d-byte image", n))
	case sb.NBlocks == 0 || sb.NBlocks >= sb.Size:
		return bad("nblocks out of range")
	case sb.NInodes < 2 || sb.NInodes > 1<<16:
		return bad("ninodes out of range")
	case sb.LogStart < 2 || uint64(sb.LogStart)+uint64(sb.NLog) > uint64(sb.InodeStart):
		return bad("log overlaps")
	case uint64(sb.InodeStart)+uint64((sb.NInodes+ipb-1)/ipb) > uint64(sb.BmapStart):
		return bad("inodes overlap the bitmap")
	case uint64(sb.BmapStart)+uint64((sb.Size+bpb-1)/bpb) > uint64(sb.DataStart()):
		return bad("bitmap overlaps the data blocks")
	}
	return nil
}

// Superblock returns the image's layout.
func (im *Image) Superblock() Superblock { return im.sb }

// Bytes returns the image; it stays valid until the next change.
func (im *Image) Bytes() []byte { return im.data }

// Save writes the image to the file at path.
func (im *Image) Save(path string) error {
	if err := os.WriteFile(path, im.data, 0o644); err != nil {
		return fmt.Errorf("xv6fs: %w", err)
	}
	return nil
}

func (im *Image) putSuper() {
	f := im.data[BlockSize:]
	sb := im.sb
	for i, v := range []uint32{sb.Size, sb.NBlocks, sb.NInodes, sb.NLog, sb.LogStart, sb.InodeStart, sb.BmapStart} {
		binary.LittleEndian.PutUint32(f[4*i:], v)
	}
}

// block returns block b of the image.
func (im *Image) block(b uint32) []byte {
	return im.data[int(b)*BlockSize : int(b+1)*BlockSize]
}

func (im *Image) bit(b uint32) bool {
	m := im.block(im.sb.BmapStart + b/bpb)
	return m[(b%bpb)/8]&(1<<(b%8)) != 0
}

func (im *Image) setBit(b uint32, on bool) {
	m := im.block(im.sb.BmapStart + b/bpb)
	if on {
		m[(b%bpb)/8] |= 1 << (b % 8)
	} else {
		m[(b%bpb)/8] &^= 1 << (b % 8)
	}
}

// FreeBlocks counts the data blocks the bitmap marks free.
func (im *Image) FreeBlocks() int {
	n := 0
	for b := im.sb.DataStart(); b < im.sb.Size; b++ {
		if !im.bit(b) {
			n++
		}
	}
	return n
}

// balloc takes the lowest free data block, as xv6 does, and zeroes it.
func (im *Image) balloc() (uint32, error) {
	for b := im.sb.DataStart(); b < im.sb.Size; b++ {
		if !im.bit(b) {
			im.setBit(b, true)
			clear(im.block(b))
			return b, nil
		}
	}
	return 0, fmt.Errorf("xv6fs: allocating a block: %w", ErrNoSpace)
}

func (im *Image) bfree(b uint32) {
	im.setBit(b, false)
}
