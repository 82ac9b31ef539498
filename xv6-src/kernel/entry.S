# Kernel entry. The boot loader (or a multiboot loader) jumps to _start
# in protected mode with paging off. We turn on paging with entrypgdir
# (main.c), which maps both VA 0 and VA KERNBASE onto the first 4 MB of
# physical memory, move to the boot stack and call main at its high address.

#include "asm.h"
#include "memlayout.h"
#include "mmu.h"
#include "param.h"

# Multiboot header: lets GRUB-like loaders find the entry. It must sit in
# the first 8 KB of the file, 4-byte aligned.
.p2align 2
.text
.globl multiboot_header
multiboot_header:
  #define MB_MAGIC 0x1badb002
  #define MB_FLAGS 0
  .long MB_MAGIC
  .long MB_FLAGS
  .long (-MB_MAGIC-MB_FLAGS)

# The ELF entry point is the physical address of entry: paging is off.
.globl _start
_start = V2P_WO(entry)

.globl entry
entry:
  movl    %cr4, %eax
  orl     $(CR4_PSE), %eax
  movl    %eax, %cr4
  movl    $(V2P_WO(entrypgdir)), %eax
  movl    %eax, %cr3
  movl    %cr0, %eax
  orl     $(CR0_PG|CR0_WP), %eax
  movl    %eax, %cr0

  movl    $(stack + KSTACKSIZE), %esp
  # An indirect jump: a direct one would be PC-relative and stay low.
  mov     $main, %eax
  jmp     *%eax

.comm stack, KSTACKSIZE

.section .note.GNU-stack,"",@progbits
