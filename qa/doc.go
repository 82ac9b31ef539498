// Package qa holds regression tests written from QA sessions: a user's view of Gemu
// (bad guests, interrupted disk writes, determinism) that no single package owns.
// It has no non-test code.
package qa
