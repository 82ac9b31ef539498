package symbols

import (
	"bytes"
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
