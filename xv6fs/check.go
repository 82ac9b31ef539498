package xv6fs

import (
	"encoding/binary"
	"fmt"
)

// Check verifies the image as a whole, like fsck: every block an inode uses
// lies in the data area, is marked in the bitmap and is used once; no
// marked data block is unused; directories hold "." and ".." and form a
// tree from the root; link counts match the entries that name each inode.
// It returns the first problem found, wrapping ErrCorrupt.
func (im *Image) Check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("xv6fs: check: "+format+": %w", append(args, ErrCorrupt)...)
	}
	sb := im.sb
	for b := uint32(0); b < sb.DataStart(); b++ {
		if !im.bit(b) {
			return bad("metadata block %d marked free", b)
		}
	}
	owner := make(map[uint32]uint32)
	use := func(inum, a uint32) error {
		if err := im.checkAddr(inum, a); err != nil {
			return err
		}
		if o, ok := owner[a]; ok {
			return bad("block %d used by inodes %d and %d", a, o, inum)
		}
		if !im.bit(a) {
			return bad("block %d of inode %d marked free", a, inum)
		}
		owner[a] = inum
		return nil
	}
	refs := make(map[uint32]int)    // entries naming an inode, "." and ".." aside
	subdirs := make(map[uint32]int) // directories whose ".." names an inode
	inuse := make(map[uint32]int16)
	for inum := uint32(1); inum < sb.NInodes; inum++ {
		d, err := im.readInode(inum)
		if err != nil {
			return err
		}
		if d.Type == 0 {
			continue
		}
		inuse[inum] = d.Type
		if _, _, err := im.content(inum); err != nil {
			return err
		}
		// Every address counts, even past the size: a write that ran out of
		// space can leave an indirect block (or blocks) the size does not
		// reach, and the kernel frees them all with the file.
		addrs, ind, err := im.slots(inum, &d)
		if err != nil {
			return err
		}
		if ind != 0 {
			if err := use(inum, ind); err != nil {
				return err
			}
		}
		for i, a := range addrs {
			if a == 0 {
				if uint32(i) < nblocks(d.Size) {
					return bad("inode %d has a hole", inum)
				}
				continue
			}
			if err := use(inum, a); err != nil {
				return err
			}
		}
		if d.Type != TypeDir {
			continue
		}
		b, err := im.dirData(inum)
		if err != nil {
			return err
		}
		if len(b) < 2*DirentSize || direntName(b) != "." || direntName(b[DirentSize:]) != ".." ||
			uint32(binary.LittleEndian.Uint16(b)) != inum {
			return bad("directory %d does not start with . and ..", inum)
		}
		up := uint32(binary.LittleEndian.Uint16(b[DirentSize:]))
		if inum != RootIno {
			subdirs[up]++
		} else if up != RootIno {
			return bad("root's .. is %d", up)
		}
		for off := 2 * DirentSize; off < len(b); off += DirentSize {
			e := uint32(binary.LittleEndian.Uint16(b[off:]))
			if e != 0 {
				refs[e]++
			}
		}
	}
	for b := sb.DataStart(); b < sb.Size; b++ {
		if im.bit(b) {
			if _, ok := owner[b]; !ok {
				return bad("block %d marked used but unowned", b)
			}
		}
	}
	if inuse[RootIno] != TypeDir {
		return bad("root is not a directory")
	}
	for e := range refs {
		if inuse[e] == 0 {
			return bad("an entry names free inode %d", e)
		}
	}
	for inum, typ := range inuse {
		d, err := im.readInode(inum)
		if err != nil {
			return err
		}
		want := refs[inum]
		if typ == TypeDir {
			if inum == RootIno && want != 0 || inum != RootIno && want != 1 {
				return bad("directory %d is named %d times", inum, want)
			}
			want = 1 + subdirs[inum]
		}
		if int(d.Nlink) != want {
			return bad("inode %d has nlink %d, want %d", inum, d.Nlink, want)
		}
	}
	return nil
}
