package main

import (
	"fmt"
	"os"
	"syscall"
)

// fOFDGetLk is Linux's F_OFD_GETLK (open-file-description locks, which qemu uses).
const fOFDGetLk = 36

// lockImage takes an exclusive lock on a disk image for as long as the returned file
// stays open, so two emulators never write one image at once: another gemu holds a
// flock on it, and a running qemu holds byte-range locks from offset 100.
func lockImage(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: is another process using the image? (%v)", path, err)
	}
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: 100, Len: 200}
	if err := syscall.FcntlFlock(f.Fd(), fOFDGetLk, &lk); err == nil && lk.Type != syscall.F_UNLCK {
		f.Close()
		return nil, fmt.Errorf("%s: is another process using the image? (it holds a qemu lock)", path)
	}
	return f, nil
}
