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
	out := make([]uint32, 0, n)
	for i := uint32(0); i < n && i < NDirect; i++ {
		out = append(out, d.Addrs[i])
	}
	if n > NDirect && d.Addrs[NDirect] != 0 {
		if err := im.checkAddr(inum, d.Addrs[NDirect]); err != nil {
			return nil, err
		}
		ind := im.block(d.Addrs[NDirect])
		for i := uint32(0); i < n-NDirect; i++ {
			out = append(out, binary.LittleEndian.Uint32(ind[4*i:]))
		}
	}
	for len(out) < int(n) {
		out = append(out, 0)
	}
	for _, a := range out {
		if a != 0 {
			if err := im.checkAddr(inum, a); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
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
	oldn := nblocks(d.Size)
	if d.Size > MaxFile*BlockSize {
		return fmt.Errorf("xv6fs: inode %d has size %d: %w", inum, d.Size, ErrCorrupt)
	}
	old, err := im.blocks(inum, &d, oldn)
	if err != nil {
		return err
	}
	newn := nblocks(uint32(len(data)))
	// Check the space first, so that a failure leaves the image unchanged.
	need := 0
	for i := uint32(0); i < newn; i++ {
		if i >= oldn || old[i] == 0 {
			need++
		}
	}
	if newn > NDirect && d.Addrs[NDirect] == 0 {
		need++
	}
	spare := 0
	for i := newn; i < oldn; i++ {
		if old[i] != 0 {
			spare++
		}
	}
	if newn <= NDirect && d.Addrs[NDirect] != 0 {
		spare++
	}
	if need > im.FreeBlocks()+spare {
		return fmt.Errorf("xv6fs: writing %d bytes: %w", len(data), ErrNoSpace)
	}
	for i := newn; i < oldn; i++ {
		if old[i] != 0 {
			im.bfree(old[i])
		}
	}
	var ind []byte
	if newn <= NDirect && d.Addrs[NDirect] != 0 {
		im.bfree(d.Addrs[NDirect])
		d.Addrs[NDirect] = 0
	} else if d.Addrs[NDirect] != 0 {
		ind = im.block(d.Addrs[NDirect])
	}
	for i := uint32(0); i < NDirect; i++ {
		if i >= newn {
			d.Addrs[i] = 0
		}
	}
	if ind != nil {
		for i := max(newn, NDirect) - NDirect; i < NIndirect; i++ {
			binary.LittleEndian.PutUint32(ind[4*i:], 0)
		}
	}
	for i := uint32(0); i < newn; i++ {
		a := uint32(0)
		if i < oldn {
			a = old[i]
		}
		if i == NDirect && ind == nil {
			// xv6 takes the indirect block just before the 13th data block.
			b, err := im.balloc()
			if err != nil {
				return err
			}
			d.Addrs[NDirect] = b
			ind = im.block(b)
		}
		if a == 0 {
			if a, err = im.balloc(); err != nil {
				return err
			}
		}
		blk := im.block(a)
		n := copy(blk, data[i*BlockSize:])
		clear(blk[n:])
		if i < NDirect {
			d.Addrs[i] = a
		} else {
			binary.LittleEndian.PutUint32(ind[4*(i-NDirect):], a)
		}
	}
	d.Size = uint32(len(data))
	return im.writeInode(inum, &d)
}
