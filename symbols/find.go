package symbols

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// FindKernel returns the kernel ELF that xv6's build leaves beside imagePath (an
// xv6.img): "kernel" in the same directory (xv6-public), or "kernel/kernel" (our
// xv6-src). It reports false when neither exists as an ELF file.
func FindKernel(imagePath string) (string, bool) {
	dir := filepath.Dir(imagePath)
	for _, p := range []string{filepath.Join(dir, "kernel"), filepath.Join(dir, "kernel", "kernel")} {
		if isELF(p) {
			return p, true
		}
	}
	return "", false
}

// isELF reports whether path is a regular file that starts with the ELF magic.
func isELF(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil {
		return false
	}
	return bytes.Equal(magic[:], []byte("\x7fELF"))
}

// ReadBootDisk reads the symbols of the kernel ELF that an xv6 boot disk image carries
// right after its 512-byte boot sector (both xv6 Makefiles append the kernel to the boot
// block). xv6-public's image keeps the kernel's DWARF; ours strips it, leaving the
// function and variable names.
func ReadBootDisk(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("symbols: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("symbols: %w", err)
	}
	return readBootELF(f, fi.Size(), path)
}

// ReadBootImage is ReadBootDisk for an image in memory.
func ReadBootImage(image []byte) (*Table, error) {
	return readBootELF(bytes.NewReader(image), int64(len(image)), "the boot disk")
}

// readBootELF reads the ELF after the boot sector of the size-byte image r; name is the
// image's name for errors.
func readBootELF(r io.ReaderAt, size int64, name string) (*Table, error) {
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 512); err != nil || !bytes.Equal(magic[:], []byte("\x7fELF")) {
		return nil, fmt.Errorf("symbols: %s: no ELF kernel after the boot sector", name)
	}
	t, err := ReadFrom(io.NewSectionReader(r, 512, size-512))
	if err != nil {
		return nil, fmt.Errorf("%s (the kernel after the boot sector): %w", name, err)
	}
	return t, nil
}
