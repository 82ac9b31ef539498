package gdbstub

import "gemu/x86"

// InfoMem lists a CPU's page mappings as qemu's `info mem` does (the gdb monitor command's
// output), for other front ends' monitors.
func InfoMem(ram []byte, c *x86.CPU) string { return infoMem(ram, c) }

// InfoCPUs lists the CPUs as the gdb monitor's `info cpus` does, the selected one starred.
func InfoCPUs(cpus []*x86.CPU, sel int) string { return infoCPUs(cpus, sel) }
