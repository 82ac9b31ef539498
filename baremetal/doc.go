// Package baremetal holds bare-metal test programs for the x86 CPU (issue 9): ROMs run
// from the reset vector and multiboot kernels, written in GNU as, that report progress
// codes on port 0x190, text on the 0xE9 debug console, and end through isa-debug-exit
// (port 0xF4, 0x10 = pass). The built binaries are committed; the tests run them on the
// x86 package directly and check that they match a rebuild of their sources.
package baremetal
