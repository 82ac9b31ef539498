package xv6fs

import (
	"encoding/binary"
	"fmt"
)

// dinode is an inode as stored on disk (struct dinode).
type dinode struct {
	Type  int16
	Major int16
	Minor int16
	Nlink int16
	Size  uint32
	Addrs [NDirect + 1]uint32
}

func (im *Image) inodeBytes(inum uint32) ([]byte, error) {
	if inum == 0 || inum >= im.sb.NInodes {
		return nil, fmt.Errorf("xv6fs: inode %d out of range: %w", inum, ErrCorrupt)
	}
	b := im.block(im.sb.InodeStart + inum/ipb)
	off := (inum % ipb) * InodeSize
	return b[off : off+InodeSize], nil
}

func (im *Image) readInode(inum uint32) (dinode, error) {
	var d dinode
	p, err := im.inodeBytes(inum)
	if err != nil {
		return d, err
	}
	le := binary.LittleEndian
	d.Type = int16(le.Uint16(p[0:]))
	d.Major = int16(le.Uint16(p[2:]))
	d.Minor = int16(le.Uint16(p[4:]))
	d.Nlink = int16(le.Uint16(p[6:]))
	d.Size = le.Uint32(p[8:])
	for i := range d.Addrs {
		d.Addrs[i] = le.Uint32(p[12+4*i:])
	}
	return d, nil
}

func (im *Image) writeInode(inum uint32, d *dinode) error {
	p, err := im.inodeBytes(inum)
	if err != nil {
		return err
	}
	le := binary.LittleEndian
	le.PutUint16(p[0:], uint16(d.Type))
	le.PutUint16(p[2:], uint16(d.Major))
	le.PutUint16(p[4:], uint16(d.Minor))
	le.PutUint16(p[6:], uint16(d.Nlink))
	le.PutUint32(p[8:], d.Size)
	for i, a := range d.Addrs {
		le.PutUint32(p[12+4*i:], a)
	}
	return nil
}

// ialloc takes the lowest free inode, as xv6 does, with one link.
func (im *Image) ialloc(typ int16) (uint32, error) {
	for inum := uint32(1); inum < im.sb.NInodes; inum++ {
		d, err := im.readInode(inum)
		if err != nil {
			return 0, err
		}
		if d.Type == 0 {
			d = dinode{Type: typ, Nlink: 1}
			return inum, im.writeInode(inum, &d)
		}
	}
	return 0, fmt.Errorf("xv6fs: allocating an inode: %w", ErrNoSpace)
}

// checkAddr rejects block addresses outside the data blocks.
func (im *Image) checkAddr(inum, a uint32) error {
	if a < im.sb.DataStart() || a >= im.sb.Size {
		return fmt.Errorf("xv6fs: inode %d names block %d outside the data blocks: %w", inum, a, ErrCorrupt)
	}
	return nil
}

// blocks returns the addresses of the first n blocks of a file; 0 marks a hole.
func (im *Image) blocks(inum uint32, d *dinode, n uint32) ([]uint32, error) {
	if n > MaxFile {
		return nil, fmt.Errorf("xv6fs: inode %d has %d blocks: %w", inum, n, ErrCorrupt)
	}
	a, _, err := im.slots(inum, d)
	if err != nil {
		return nil, err
	}
	return a[:n], nil
}

func nblocks(size uint32) uint32 { return (size + BlockSize - 1) / BlockSize }

// content reads a whole file; holes read as zeros.
func (im *Image) content(inum uint32) ([]byte, dinode, error) {
	d, err := im.readInode(inum)
	if err != nil {
		return nil, d, err
	}
	if d.Type < TypeDir || d.Type > TypeDev {
		return nil, d, fmt.Errorf("xv6fs: inode %d has type %d: %w", inum, d.Type, ErrCorrupt)
	}
	if d.Size > MaxFile*BlockSize {
		return nil, d, fmt.Errorf("xv6fs: inode %d has size %d: %w", inum, d.Size, ErrCorrupt)
	}
	addrs, err := im.blocks(inum, &d, nblocks(d.Size))
	if err != nil {
		return nil, d, err
	}
	out := make([]byte, d.Size)
	for i, a := range addrs {
		if a != 0 {
			copy(out[i*BlockSize:], im.block(a))
		}
	}
	return out, d, nil
}

// slots returns every block address an inode holds, in file order (0 for
// none), whether or not its size reaches them, and its indirect block:
// the kernel frees all of them when the file goes. Each nonzero one is
// checked to lie in the data area.
func (im *Image) slots(inum uint32, d *dinode) ([MaxFile]uint32, uint32, error) {
	var a [MaxFile]uint32
	copy(a[:NDirect], d.Addrs[:NDirect])
	ind := d.Addrs[NDirect]
	if ind != 0 {
		if err := im.checkAddr(inum, ind); err != nil {
			return a, 0, err
		}
		b := im.block(ind)
		for i := 0; i < NIndirect; i++ {
			a[NDirect+i] = binary.LittleEndian.Uint32(b[4*i:])
		}
	}
	for _, x := range a {
		if x != 0 {
			if err := im.checkAddr(inum, x); err != nil {
				return a, 0, err
			}
		}
	}
	return a, ind, nil
}

// setContent replaces a file's bytes, keeping the blocks it already has in
// place, taking new ones lowest-first and freeing those it no longer needs.
func (im *Image) setContent(inum uint32, data []byte) error {
	d, err := im.readInode(inum)
	if err != nil {
		return err
	}
	if len(data) > MaxFile*BlockSize {
		return fmt.Errorf("xv6fs: %d bytes: %w", len(data), ErrTooBig)
	}
	old, ind, err := im.slots(inum, &d)
	if err != nil {
		return err
	}
	newn := int(nblocks(uint32(len(data))))
	// Check the space first, so that a failure leaves the image unchanged.
	need, spare := 0, 0
	for i, a := range old {
		if i < newn && a == 0 {
			need++
		}
		if i >= newn && a != 0 {
			spare++
		}
	}
	if newn > NDirect && ind == 0 {
		need++
	}
	if newn <= NDirect && ind != 0 {
		spare++
	}
	if need > im.FreeBlocks()+spare {
		return fmt.Errorf("xv6fs: writing %d bytes: %w", len(data), ErrNoSpace)
	}
	for i := newn; i < MaxFile; i++ {
		if old[i] != 0 {
			im.bfree(old[i])
			old[i] = 0
		}
	}
	if newn <= NDirect && ind != 0 {
		im.bfree(ind)
		ind = 0
	}
	for i := 0; i < newn; i++ {
		if i == NDirect && ind == 0 {
			// xv6 takes the indirect block just before the 13th data block.
			if ind, err = im.balloc(); err != nil {
				return err
			}
		}
		if old[i] == 0 {
			if old[i], err = im.balloc(); err != nil {
				return err
			}
		}
		blk := im.block(old[i])
		n := copy(blk, data[i*BlockSize:])
		clear(blk[n:])
	}
	copy(d.Addrs[:NDirect], old[:NDirect])
	d.Addrs[NDirect] = ind
	if ind != 0 {
		b := im.block(ind)
		for i := 0; i < NIndirect; i++ {
			binary.LittleEndian.PutUint32(b[4*i:], old[NDirect+i])
		}
	}
	d.Size = uint32(len(data))
	return im.writeInode(inum, &d)
}
