//go:build unix

package xv6build

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// removeStale deletes the gemu-xv6build-PID-* directories of processes that no longer
// exist (signal 0 reaches only a live process).
func removeStale() {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), "gemu-xv6build-*-*"))
	for _, d := range old {
		f := strings.SplitN(strings.TrimPrefix(filepath.Base(d), "gemu-xv6build-"), "-", 2)
		pid, err := strconv.Atoi(f[0])
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.RemoveAll(d)
		}
	}
}
