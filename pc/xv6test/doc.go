// Package xv6test holds the board's long xv6 tests (usertests and friends), apart
// from package pc so that they get their own test timeout and run beside the other
// packages' tests. It has no code, only tests.
package xv6test
