# The 256 interrupt entry points and the table of their addresses that
# tvinit() loads into the IDT. The CPU pushes an error code for vectors
# 8, 10-14 and 17; the others push a 0 so every trapframe looks alike.

.altmacro

.macro stub n
.globl vector\n
vector\n:
.if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17)
.else
  pushl $0
.endif
  pushl $\n
  jmp alltraps
.endm

.macro addr n
  .long vector\n
.endm

.text
.set i, 0
.rept 256
  stub %i
  .set i, i+1
.endr

.data
.p2align 2
.globl vectors
vectors:
.set i, 0
.rept 256
  addr %i
  .set i, i+1
.endr

.section .note.GNU-stack,"",@progbits
