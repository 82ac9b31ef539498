//go:build !linux

package main

import "os"

// lockImage opens the image; locking is implemented on Linux only.
func lockImage(path string) (*os.File, error) { return os.OpenFile(path, os.O_RDWR, 0) }
