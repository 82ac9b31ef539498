// Package images holds the prebuilt xv6 disk images that Gemu boots by
// default. They are built from ../xv6-src with `make -C xv6-src images`;
// images_test.go checks that they match the sources.
package images

import _ "embed" // for go:embed

// Kernel is xv6.img: the boot sector followed by the kernel ELF, disk 0.
//
//go:embed xv6.img
var Kernel []byte

// FS is fs.img: the xv6 file system with the user programs, disk 1.
//
//go:embed fs.img
var FS []byte
