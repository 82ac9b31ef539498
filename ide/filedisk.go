package ide

import (
	"fmt"
	"os"
)

// FileDisk is a raw disk image file; writes go straight to the file.
type FileDisk struct {
	f    *os.File
	path string
	size int64

	// ReadPolicy and WritePolicy say what failed host reads and writes do (PolicyStop, the
	// zero value, unless set).
	ReadPolicy, WritePolicy Policy
}

// OpenFileDisk opens a raw image read-write and checks its size is a positive multiple of 512.
func OpenFileDisk(path string) (*FileDisk, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("disk image: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("disk image: %w", err)
	}
	if st.Size() <= 0 || st.Size()%512 != 0 {
		f.Close()
		return nil, fmt.Errorf("disk image %s: size %d is not a positive multiple of 512", path, st.Size())
	}
	return &FileDisk{f: f, path: path, size: st.Size()}, nil
}

// ReadAt reads from the image.
func (d *FileDisk) ReadAt(p []byte, off int64) (int, error) { return d.f.ReadAt(p, off) }

// WriteAt writes to the image file at once (no caching).
func (d *FileDisk) WriteAt(p []byte, off int64) (int, error) { return d.f.WriteAt(p, off) }

// Size returns the image size in bytes.
func (d *FileDisk) Size() int64 { return d.size }

// Sync flushes the file to stable storage.
func (d *FileDisk) Sync() error { return d.f.Sync() }

// Close closes the image file.
func (d *FileDisk) Close() error { return d.f.Close() }

// Name returns the image's path, for messages.
func (d *FileDisk) Name() string { return d.path }

// ErrorPolicy returns ReadPolicy and WritePolicy (ErrorPolicies).
func (d *FileDisk) ErrorPolicy() (read, write Policy) { return d.ReadPolicy, d.WritePolicy }
