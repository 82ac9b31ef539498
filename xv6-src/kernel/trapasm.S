#include "mmu.h"

# Every vector stub (vectors.S) pushes an error code (real or 0) and the
# trap number, then jumps here. We finish the trapframe and call trap().
.globl alltraps
alltraps:
  pushl   %ds
  pushl   %es
  pushl   %fs
  pushl   %gs
  pushal

  # Kernel data segment for C code.
  movw    $(SEG_KDATA<<3), %ax
  movw    %ax, %ds
  movw    %ax, %es

  pushl   %esp          # trap(struct trapframe *tf)
  call    trap
  addl    $4, %esp

# Also where a new process starts: forkret returns here.
.globl trapret
trapret:
  popal
  popl    %gs
  popl    %fs
  popl    %es
  popl    %ds
  addl    $0x8, %esp    # trap number and error code
  iret

.section .note.GNU-stack,"",@progbits
