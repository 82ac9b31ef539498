//go:build darwin || freebsd || netbsd || openbsd

package pc

const mapNoReserve = 0
