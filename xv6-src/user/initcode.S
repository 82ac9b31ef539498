# The first user process. The kernel copies this raw binary to virtual
# address 0 of a fresh address space and starts it at `start`; it only
# asks for /init and, should that fail, keeps asking.
#include "syscall.h"

.globl start
start:
  pushl $argv         # exec(path, argv): arguments go on the stack,
  pushl $path         # and a dummy return address below them,
  pushl $0            # as a C call of the usys.S stub would leave it
  movl $SYS_exec, %eax
  int $0x40

retry:
  movl $SYS_exit, %eax
  int $0x40
  jmp retry

path:
  .string "/init"

.p2align 2
argv:
  .long path
  .long 0

# No executable stack wanted.
.section .note.GNU-stack,"",@progbits
