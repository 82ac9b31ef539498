# Trampoline for the other CPUs (APs). startothers() in main.c copies it
# to 0x7000 and sends STARTUP with vector 7, so the AP starts here in real
# mode at 0700:0000. Just below 0x7000 startothers leaves:
#   0x6FFC  top of the AP's kernel stack
#   0x6FF8  the C function to call (mpenter)
#   0x6FF4  physical address of the page directory to use
# The code is linked at 0x7000 and runs at physical addresses until paging is on.

#include "asm.h"
#include "memlayout.h"
#include "mmu.h"

#define CODESEL (SEG_KCODE<<3)
#define DATASEL (SEG_KDATA<<3)

.code16
.globl start
start:
  cli
  xorw    %ax, %ax
  movw    %ax, %ds
  movw    %ax, %es
  movw    %ax, %ss

  lgdt    gdtptr
  movl    %cr0, %eax
  orl     $CR0_PE, %eax
  movl    %eax, %cr0
  ljmpl   $CODESEL, $(start32)

.code32
start32:
  movw    $DATASEL, %ax
  movw    %ax, %ds
  movw    %ax, %es
  movw    %ax, %ss
  xorw    %ax, %ax
  movw    %ax, %fs
  movw    %ax, %gs

  movl    %cr4, %eax
  orl     $(CR4_PSE), %eax
  movl    %eax, %cr4
  movl    (start-12), %eax
  movl    %eax, %cr3
  movl    %cr0, %eax
  orl     $(CR0_PE|CR0_PG|CR0_WP), %eax
  movl    %eax, %cr0

  movl    (start-4), %esp
  call    *(start-8)

  # mpenter never returns; if it does, stop here.
  movw    $0x8a00, %ax
  movw    %ax, %dx
  outw    %ax, %dx
  movw    $0x8ae0, %ax
  outw    %ax, %dx
hang:
  jmp     hang

.p2align 2
gdt:
  SEG_NULLASM
  SEG_ASM(STA_X|STA_R, 0, 0xffffffff)
  SEG_ASM(STA_W, 0, 0xffffffff)

gdtptr:
  .word   (gdtptr - gdt - 1)
  .long   gdt

.section .note.GNU-stack,"",@progbits
