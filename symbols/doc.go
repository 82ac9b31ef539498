// Package symbols turns guest addresses into names for the rest of Gemu: reports on a
// stuck guest, the data-race detector, and later the profiler and reverse debugging.
//
// A Table holds what one 32-bit ELF file (an xv6 kernel or user program) says about
// itself: its symbol table, the DWARF line table and the DWARF types and global
// variables. With it one can ask
//
//   - which function holds a code address (Func), which object holds a data address
//     (Data), the source line of an instruction (Line), and the chain of functions
//     inlined at it (Frames: "sleep" inlined in "wait");
//   - the address of a name (Addr), and one short description of any address (Describe):
//     "sys_link+0x3a (kernel/sysfile.c:142)", "icache+64", or plain hex;
//   - struct layouts and enum values (Field, Sizeof, Enum, EnumName), and the C access
//     path of an address inside a global variable (DataPath: "icache.inode[1].lock").
//
// Backtrace walks the frame-pointer chain of 32-bit x86 code built with
// -fno-omit-frame-pointer (return address at ebp+4, caller's ebp at ebp+0) through a
// caller-supplied memory reader; FormatStack prints the result one frame a line and
// ShortStack on one line ("sched <- sleep <- wait <- syscall <- trap <- alltraps").
//
// Procs reads xv6's process table (the kernel variable ptable and struct proc, both
// found through DWARF, so no offset is hard-coded) from guest memory, and FormatProcs
// prints it with each process's wait channel and kernel stack.
//
// The package never touches guest memory itself: callers pass functions that read
// guest virtual addresses, translating them as they see fit (for xv6's kernel half,
// physical = virtual - 0x80000000). Bad or truncated ELF files give errors, never
// panics. A Table is safe for concurrent use.
package symbols
