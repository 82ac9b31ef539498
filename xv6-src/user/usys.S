# System call stubs: the number goes in %eax, the arguments stay on the
# user stack where the kernel's argint/argptr find them, and int $0x40
# traps into the kernel, which leaves the result in %eax.
#include "syscall.h"

#define SYSCALL(name)          \
  .globl name;                 \
  .type name, @function;       \
  name:                        \
    movl $SYS_ ## name, %eax;  \
    int $0x40;                 \
    ret

SYSCALL(fork)
SYSCALL(exit)
SYSCALL(wait)
SYSCALL(pipe)
SYSCALL(read)
SYSCALL(kill)
SYSCALL(exec)
SYSCALL(fstat)
SYSCALL(chdir)
SYSCALL(dup)
SYSCALL(getpid)
SYSCALL(sbrk)
SYSCALL(sleep)
SYSCALL(uptime)
SYSCALL(open)
SYSCALL(write)
SYSCALL(mknod)
SYSCALL(unlink)
SYSCALL(link)
SYSCALL(mkdir)
SYSCALL(close)
SYSCALL(listen)
SYSCALL(connect)
SYSCALL(send)
SYSCALL(recv)
SYSCALL(disconnect)

# No executable stack wanted.
.section .note.GNU-stack,"",@progbits
