package main

import "gemu/images"

// bundled returns the bundled xv6 boot disk and file system images.
func bundled() (kernel, fs []byte, err error) {
	return images.Kernel, images.FS, nil
}
