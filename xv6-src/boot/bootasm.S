# Boot sector. The BIOS loads it at 0x7C00 and starts it in real mode
# with CS:IP = 0000:7C00. It switches to 32-bit protected mode and calls
# bootmain (bootmain.c), which loads the kernel. No BIOS calls are made.

#include "asm.h"
#include "mmu.h"

#define CODESEL (SEG_KCODE<<3)
#define DATASEL (SEG_KDATA<<3)

.code16
.globl start
start:
  cli                         # no handlers are set up yet
  xorw    %ax, %ax
  movw    %ax, %ds
  movw    %ax, %es
  movw    %ax, %ss

  # The 8042's output port drives address line 20; until it is set,
  # addresses wrap at 1 MB and the kernel at 0x100000 would land on 0.
a20wait1:
  inb     $0x64, %al          # wait until the controller's input buffer is empty
  testb   $0x2, %al
  jnz     a20wait1
  movb    $0xd1, %al          # next data byte goes to the output port
  outb    %al, $0x64
a20wait2:
  inb     $0x64, %al
  testb   $0x2, %al
  jnz     a20wait2
  movb    $0xdf, %al          # output port value with A20 on
  outb    %al, $0x60

  # Flat segments: virtual = linear = physical from here on.
  lgdt    gdtptr
  movl    %cr0, %eax
  orl     $CR0_PE, %eax
  movl    %eax, %cr0
  ljmp    $CODESEL, $pmode     # reload CS, now a 32-bit segment

.code32
pmode:
  movw    $DATASEL, %ax
  movw    %ax, %ds
  movw    %ax, %es
  movw    %ax, %ss
  xorw    %ax, %ax            # FS and GS are not used
  movw    %ax, %fs
  movw    %ax, %gs

  movl    $start, %esp        # stack grows down from just below this code
  call    bootmain

  # bootmain only returns on failure: tell Bochs-style emulators, then stop.
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
  SEG_ASM(STA_X|STA_R, 0x0, 0xffffffff)   # code
  SEG_ASM(STA_W, 0x0, 0xffffffff)         # data

gdtptr:
  .word   (gdtptr - gdt - 1)
  .long   gdt

.section .note.GNU-stack,"",@progbits
