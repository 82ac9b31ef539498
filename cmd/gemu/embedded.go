package main

import "errors"

// bundled returns the bundled xv6 boot disk and file system images.
func bundled() (kernel, fs []byte, err error) {
	return nil, nil, errors.New("no disk given and the bundled xv6 images are not built into this gemu")
}
