// Package uc is a small cgo binding to libunicorn (QEMU's CPU as a library) for the x86
// differential tests. It is built only with the build tag `unicorn`, so a plain `go build`
// needs no C library.
package uc
