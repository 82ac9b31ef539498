package xv6fs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// DirEntry is one entry of a directory, with the type and size of the inode it names.
type DirEntry struct {
	Name string // at most DirSiz bytes
	Inum uint32 // inode number
	Type int16  // TypeDir, TypeFile or TypeDev
	Size uint32 // bytes
}

// Stat describes a file (struct stat plus the device numbers).
type Stat struct {
	Inum  uint32 // inode number
	Type  int16  // TypeDir, TypeFile or TypeDev
	Major int16  // device major number (TypeDev)
	Minor int16  // device minor number (TypeDev)
	Nlink int16  // directory entries naming it
	Size  uint32 // bytes
}

// dirents encodes "." and ".." for a new directory.
func dirents(self, parent uint32) []byte {
	b := make([]byte, 2*DirentSize)
	putDirent(b, self, ".")
	putDirent(b[DirentSize:], parent, "..")
	return b
}

func putDirent(b []byte, inum uint32, name string) {
	binary.LittleEndian.PutUint16(b, uint16(inum))
	clear(b[2:DirentSize])
	copy(b[2:DirentSize], name)
}

func direntName(b []byte) string {
	n := b[2:DirentSize]
	if i := bytes.IndexByte(n, 0); i >= 0 {
		n = n[:i]
	}
	return string(n)
}

// split turns "/a/b/c" (or "a/b/c", relative to the root) into its names.
func split(path string) ([]string, error) {
	var names []string
	for _, n := range strings.Split(path, "/") {
		if n == "" {
			continue
		}
		if len(n) > DirSiz {
			return nil, fmt.Errorf("xv6fs: %q is longer than %d bytes: %w", n, DirSiz, ErrName)
		}
		names = append(names, n)
	}
	return names, nil
}

// dirData reads a directory's entries, checking that inum is one.
func (im *Image) dirData(inum uint32) ([]byte, error) {
	b, d, err := im.content(inum)
	if err != nil {
		return nil, err
	}
	if d.Type != TypeDir {
		return nil, fmt.Errorf("xv6fs: inode %d: %w", inum, ErrNotDir)
	}
	return b[:len(b)/DirentSize*DirentSize], nil
}

// lookup finds name in directory dir; 0 when absent.
func (im *Image) lookup(dir uint32, name string) (uint32, error) {
	b, err := im.dirData(dir)
	if err != nil {
		return 0, err
	}
	for off := 0; off < len(b); off += DirentSize {
		inum := uint32(binary.LittleEndian.Uint16(b[off:]))
		if inum != 0 && direntName(b[off:]) == name {
			return inum, nil
		}
	}
	return 0, nil
}

// walk resolves path to an inode number.
func (im *Image) walk(path string) (uint32, error) {
	names, err := split(path)
	if err != nil {
		return 0, err
	}
	inum := uint32(RootIno)
	for _, n := range names {
		next, err := im.lookup(inum, n)
		if err != nil {
			return 0, fmt.Errorf("xv6fs: %s: %w", path, err)
		}
		if next == 0 {
			return 0, fmt.Errorf("xv6fs: %s: %w", path, ErrNotExist)
		}
		inum = next
	}
	return inum, nil
}

// parent resolves all but the last name of path and returns that name.
func (im *Image) parent(path string) (uint32, string, error) {
	names, err := split(path)
	if err != nil {
		return 0, "", err
	}
	if len(names) == 0 {
		return 0, "", fmt.Errorf("xv6fs: %q names the root: %w", path, ErrName)
	}
	last := names[len(names)-1]
	if last == "." || last == ".." {
		return 0, "", fmt.Errorf("xv6fs: %q: %w", path, ErrName)
	}
	dir, err := im.walk(strings.Join(names[:len(names)-1], "/"))
	if err != nil {
		return 0, "", err
	}
	return dir, last, nil
}

// link adds the entry name -> inum to directory dir, in its first free slot.
func (im *Image) link(dir uint32, name string, inum uint32) error {
	b, err := im.dirData(dir)
	if err != nil {
		return err
	}
	off := 0
	for ; off < len(b); off += DirentSize {
		if binary.LittleEndian.Uint16(b[off:]) == 0 {
			break
		}
	}
	if off == len(b) {
		b = append(b, make([]byte, DirentSize)...)
	}
	putDirent(b[off:], inum, name)
	return im.setContent(dir, b)
}

// create makes a new inode of type typ named by path, which must not exist.
func (im *Image) create(path string, typ int16) (uint32, uint32, error) {
	dir, name, err := im.parent(path)
	if err != nil {
		return 0, 0, err
	}
	old, err := im.lookup(dir, name)
	if err != nil {
		return 0, 0, err
	}
	if old != 0 {
		return 0, 0, fmt.Errorf("xv6fs: %s: %w", path, ErrExist)
	}
	inum, err := im.ialloc(typ)
	if err != nil {
		return 0, 0, err
	}
	if err := im.link(dir, name, inum); err != nil {
		d := dinode{}
		if werr := im.writeInode(inum, &d); werr != nil {
			return 0, 0, werr
		}
		return 0, 0, err
	}
	return dir, inum, nil
}

// WriteFile creates the file at path, or replaces the content of an
// existing file, with data. The parent directory must exist.
func (im *Image) WriteFile(path string, data []byte) error {
	if len(data) > MaxFile*BlockSize {
		return fmt.Errorf("xv6fs: %s: %d bytes: %w", path, len(data), ErrTooBig)
	}
	inum, err := im.walk(path)
	if err == nil {
		d, err := im.readInode(inum)
		if err != nil {
			return err
		}
		if d.Type != TypeFile {
			return fmt.Errorf("xv6fs: %s: %w", path, ErrIsDir)
		}
		return im.setContent(inum, data)
	}
	if _, inum, err = im.create(path, TypeFile); err != nil {
		return err
	}
	if err := im.setContent(inum, data); err != nil {
		return fmt.Errorf("xv6fs: %s: %w", path, err)
	}
	return nil
}

// Mkdir creates the directory path; its parent must exist.
func (im *Image) Mkdir(path string) error {
	dir, inum, err := im.create(path, TypeDir)
	if err != nil {
		return err
	}
	if err := im.setContent(inum, dirents(inum, dir)); err != nil {
		return err
	}
	// ".." is one more link to the parent, as the xv6 kernel counts it.
	d, err := im.readInode(dir)
	if err != nil {
		return err
	}
	d.Nlink++
	return im.writeInode(dir, &d)
}

// Mknod creates a device file with the given major and minor numbers.
func (im *Image) Mknod(path string, major, minor int16) error {
	_, inum, err := im.create(path, TypeDev)
	if err != nil {
		return err
	}
	d, err := im.readInode(inum)
	if err != nil {
		return err
	}
	d.Major, d.Minor = major, minor
	return im.writeInode(inum, &d)
}

// ReadFile returns the content of the file at path.
func (im *Image) ReadFile(path string) ([]byte, error) {
	inum, err := im.walk(path)
	if err != nil {
		return nil, err
	}
	b, d, err := im.content(inum)
	if err != nil {
		return nil, fmt.Errorf("xv6fs: %s: %w", path, err)
	}
	if d.Type == TypeDir {
		return nil, fmt.Errorf("xv6fs: %s: %w", path, ErrIsDir)
	}
	return b, nil
}

// ReadDir lists a directory in on-disk order, "." and ".." included.
func (im *Image) ReadDir(path string) ([]DirEntry, error) {
	inum, err := im.walk(path)
	if err != nil {
		return nil, err
	}
	b, err := im.dirData(inum)
	if err != nil {
		return nil, fmt.Errorf("xv6fs: %s: %w", path, err)
	}
	var out []DirEntry
	for off := 0; off < len(b); off += DirentSize {
		e := DirEntry{Inum: uint32(binary.LittleEndian.Uint16(b[off:])), Name: direntName(b[off:])}
		if e.Inum == 0 {
			continue
		}
		d, err := im.readInode(e.Inum)
		if err != nil {
			return nil, fmt.Errorf("xv6fs: %s: entry %q: %w", path, e.Name, err)
		}
		e.Type, e.Size = d.Type, d.Size
		out = append(out, e)
	}
	return out, nil
}

// Stat describes the file at path.
func (im *Image) Stat(path string) (Stat, error) {
	inum, err := im.walk(path)
	if err != nil {
		return Stat{}, err
	}
	d, err := im.readInode(inum)
	if err != nil {
		return Stat{}, err
	}
	return Stat{Inum: inum, Type: d.Type, Major: d.Major, Minor: d.Minor, Nlink: d.Nlink, Size: d.Size}, nil
}

// Remove deletes the entry path names, as xv6's unlink does: a directory
// must be empty; the inode and its blocks are freed with its last link.
func (im *Image) Remove(path string) error {
	dir, name, err := im.parent(path)
	if err != nil {
		return err
	}
	b, err := im.dirData(dir)
	if err != nil {
		return err
	}
	off := -1
	var inum uint32
	for o := 0; o < len(b); o += DirentSize {
		n := uint32(binary.LittleEndian.Uint16(b[o:]))
		if n != 0 && direntName(b[o:]) == name {
			off, inum = o, n
			break
		}
	}
	if off < 0 {
		return fmt.Errorf("xv6fs: %s: %w", path, ErrNotExist)
	}
	d, err := im.readInode(inum)
	if err != nil {
		return err
	}
	if d.Type == TypeDir {
		sub, err := im.dirData(inum)
		if err != nil {
			return err
		}
		for o := 2 * DirentSize; o < len(sub); o += DirentSize {
			if binary.LittleEndian.Uint16(sub[o:]) != 0 {
				return fmt.Errorf("xv6fs: %s: directory not empty: %w", path, ErrExist)
			}
		}
	}
	clear(b[off : off+DirentSize])
	if err := im.setContent(dir, b); err != nil {
		return err
	}
	if d.Type == TypeDir {
		// Its ".." no longer counts as a link to the parent.
		pd, err := im.readInode(dir)
		if err != nil {
			return err
		}
		pd.Nlink--
		if err := im.writeInode(dir, &pd); err != nil {
			return err
		}
		d.Nlink = 0
	} else {
		d.Nlink--
	}
	if d.Nlink > 0 {
		return im.writeInode(inum, &d)
	}
	if err := im.setContent(inum, nil); err != nil {
		return err
	}
	free := dinode{}
	return im.writeInode(inum, &free)
}
