/* lib32: start-up and services for the multiboot test kernels. Checks the multiboot
 * hand-over, loads a GDT (kernel and user flat segments, a TSS, free slots for tests), an
 * IDT whose handlers check each exception against what the test expects, masks the PICs,
 * calls test_main, and reports PASS through isa-debug-exit. */
#include "lib32.h"

	.section .multiboot, "a"
	.p2align 2
	.long 0x1BADB002, 0, -0x1BADB002

	.text
	.globl _start
_start:
	cli
	cld
	cmp $0x2BADB002, %eax
	jne bad_magic
	mov %ebx, mb_info
	lgdt gdtdesc
	ljmp $KCODE, $1f
1:	mov $KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	mov $stack_top, %esp
	/* Mask both PICs: a firmware may have left the timer running. */
	mov $0xff, %al
	out %al, $0x21
	out %al, $0xa1
	call setup_idt
	call setup_tss
	BEGIN 0x01
	call check_mbinfo
	mov $msg_start, %esi
	call puts
	call test_main
	BEGIN 0xff
	mov $msg_pass, %esi
	call puts
	mov $EXIT_PASS, %al
	out %al, $EXIT_PORT
1:	hlt
	jmp 1b

/* check_mbinfo: the info block has memory sizes (flag 0) that make sense, and a command
 * line pointer if flag 2 says there is one. */
check_mbinfo:
	mov mb_info, %ebx
	mov (%ebx), %eax
	and $1, %eax
	CHK %eax, $1
	mov 4(%ebx), %eax		/* mem_lower, KB */
	cmp $512, %eax
	jb 1f
	cmp $640, %eax
	ja 1f
	mov 8(%ebx), %eax		/* mem_upper, KB above 1 MB */
	cmp $1024, %eax
	jb 1f
	testl $4, (%ebx)
	jz 2f
	mov 16(%ebx), %eax
	test %eax, %eax
	jz 1f
2:	ret
1:	mov $msg_mbinfo, %esi
	call puts
	jmp fail_exit

bad_magic:
	mov $msg_magic, %esi
	call puts
	jmp fail_exit

/* setup_idt fills the IDT: interrupt gates for vectors 0-31, a DPL-3 trap gate at 0x40, a
 * DPL-3 interrupt gate at 0x41 (back to the kernel), 0x43 and 0x44 (ring 3 reports a failure), a DPL-0 interrupt gate at 0x42. */
setup_idt:
	xor %ecx, %ecx
1:	mov stubs(,%ecx,4), %eax
	mov $0x8e00, %edx
	call set_gate
	inc %ecx
	cmp $32, %ecx
	jb 1b
	mov $0x40, %ecx
	mov stubs+32*4, %eax
	mov $0xef00, %edx
	call set_gate
	mov $0x41, %ecx
	mov stubs+33*4, %eax
	mov $0xee00, %edx
	call set_gate
	mov $0x42, %ecx
	mov stubs+34*4, %eax
	mov $0x8e00, %edx
	call set_gate
	mov $0x43, %ecx
	mov stubs+35*4, %eax
	mov $0xee00, %edx
	call set_gate
	mov $0x44, %ecx
	mov stubs+36*4, %eax
	mov $0xee00, %edx
	call set_gate
	lidt idtdesc
	ret

/* set_gate: IDT entry ECX -> handler EAX in KCODE, type/DPL bits EDX (high word). */
	.globl set_gate
set_gate:
	mov %ax, idt(,%ecx,8)
	movw $KCODE, idt+2(,%ecx,8)
	mov %eax, %ebx
	and $0xffff0000, %ebx
	or %edx, %ebx
	mov %ebx, idt+4(,%ecx,8)
	ret

/* setup_tss: a 32-bit TSS with SS0:ESP0 = KDATA:tss_stack_top and the I/O map past the limit. */
setup_tss:
	movl $tss_stack_top, tss+4
	movl $KDATA, tss+8
	movw $104, tss+102
	SETDESC TSSSEL, tss, 103, 0x89, 0x0
	mov $TSSSEL, %ax
	ltr %ax
	ret

/* set_desc(sel, base, limit, access, flags): GDT descriptor; flags is the G/DB/L/AVL nibble. */
	.globl set_desc
set_desc:
	push %ebx
	mov 8(%esp), %ebx	/* sel */
	and $~7, %ebx
	add $gdt, %ebx
	mov 16(%esp), %eax	/* limit */
	mov %ax, (%ebx)
	shr $16, %eax
	and $0xf, %al
	mov 24(%esp), %ecx	/* flags */
	shl $4, %cl
	or %cl, %al
	mov %al, 6(%ebx)
	mov 12(%esp), %eax	/* base */
	mov %ax, 2(%ebx)
	shr $16, %eax
	mov %al, 4(%ebx)
	mov %ah, 7(%ebx)
	mov 20(%esp), %eax	/* access */
	mov %al, 5(%ebx)
	pop %ebx
	ret

/* Exception stubs: push a zero error code where the CPU pushes none, then the vector. */
	.macro STUB vec
stub\vec:
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17)
	.else
	pushl $0
	.endif
	pushl $\vec
	jmp trap_common
	.endm
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,64,65,66,67,68
	STUB \v
	.endr

	.section .rodata
stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,64,65,66,67,68
	.long stub\v
	.endr
	.text

/* trap_common: frame at EBP: es 0, ds 4, pushal 8-39 (eax at 36), vector 40, error 44,
 * eip 48, cs 52, eflags 56, esp 60 and ss 64 (from an outer ring). */
	.globl trap_common
trap_common:
	pushf
	popl %ss:entry_eflags
	pushal
	push %ds
	push %es
	mov $KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %esp, %ebp
	cmpl $0x41, 40(%ebp)
	je back_to_kernel
	mov entry_eflags, %eax
	mov %eax, handler_eflags
	mov %ebp, last_frame
	mov 40(%ebp), %eax
	mov %eax, last_vec
	mov 44(%ebp), %eax
	mov %eax, last_err
	mov 48(%ebp), %eax
	mov %eax, last_eip
	mov 52(%ebp), %eax
	mov %eax, last_cs
	mov 56(%ebp), %eax
	mov %eax, last_eflags
	mov 60(%ebp), %eax
	mov %eax, last_esp
	mov 64(%ebp), %eax
	mov %eax, last_ss
	mov %cr2, %eax
	mov %eax, last_cr2
	incl trap_count
	cmpl $0x44, 40(%ebp)
	je user_failed
	mov 40(%ebp), %eax
	cmp expect_vec, %eax
	jne unexpected
	mov 44(%ebp), %eax
	cmp expect_err, %eax
	jne unexpected
	movl $-1, expect_vec
	cmpl $1, 40(%ebp)
	jne 2f
	andl $~0x100, 56(%ebp)		/* #DB: stop single-stepping */
2:	mov resume_eip, %eax
	test %eax, %eax
	jz 1f
	mov %eax, 48(%ebp)
	movl $0, resume_eip
1:	pop %es
	pop %ds
	popal
	add $8, %esp
	iret

/* to_user(entry): run entry in ring 3 (CS=UCODE, SS=DS=ES=UDATA, FS and GS as they are,
 * stack user_stack_top, EFLAGS user_eflags); it comes back with int $0x41, and to_user returns its EAX. */
	.globl to_user
to_user:
	push %ebx
	push %esi
	push %edi
	push %ebp
	mov %esp, kernel_esp
	mov 20(%esp), %eax
	mov $UDATA, %dx
	mov %dx, %ds
	mov %dx, %es
	push $UDATA
	push $user_stack_top
	pushl user_eflags
	push $UCODE
	push %eax
	iret
/* to_user_lret(entry): as to_user, but enters ring 3 through a far return. */
	.globl to_user_lret
to_user_lret:
	push %ebx
	push %esi
	push %edi
	push %ebp
	mov %esp, kernel_esp
	mov 20(%esp), %eax
	mov $UDATA, %dx
	mov %dx, %ds
	mov %dx, %es
	push $UDATA
	push $user_stack_top
	push $UCODE
	push %eax
	lret
back_to_kernel:
	mov 36(%ebp), %eax
	mov %eax, user_eax
	mov $KDATA, %dx
	mov %dx, %ds
	mov %dx, %es
	mov %dx, %fs
	mov %dx, %gs
	mov %dx, %ss
	mov kernel_esp, %esp
	pop %ebp
	pop %edi
	pop %esi
	pop %ebx
	ret

unexpected:
	mov $msg_unexp, %esi
	call puts
	mov last_vec, %eax
	call puthex
	mov $msg_err, %esi
	call puts
	mov last_err, %eax
	call puthex
	mov $msg_at, %esi
	call puts
	mov last_cs, %eax
	call puthex
	mov $':', %al
	out %al, $CON_PORT
	mov last_eip, %eax
	call puthex
	mov $msg_expected, %esi
	call puts
	mov expect_vec, %eax
	call puthex
	mov $msg_err, %esi
	call puts
	mov expect_err, %eax
	call puthex
	jmp fail_test

/* Ring 3 cannot do I/O: it reports failures through int $0x44 (EAX 1: no fault;
 * EAX 2: check failed, got EBX, want EDX). */
user_failed:
	mov 28(%ebp), %edx
	mov 24(%ebp), %eax
	cmpl $2, 36(%ebp)
	je check_failed
	jmp no_fault0

	.globl no_fault
no_fault:
	push %eax
	mov %cs, %eax
	test $3, %eax
	pop %eax
	jz no_fault0
	mov $1, %eax
	int $0x44
no_fault0:
	mov $KDATA, %ax
	mov %ax, %ds
	mov $msg_nofault, %esi
	call puts
	mov expect_vec, %eax
	call puthex
	mov $msg_at, %esi
	call puts
	mov fault_insn, %eax
	call puthex
	jmp fail_test

	.globl check_failed
check_failed:
	push %eax
	mov %cs, %eax
	test $3, %eax
	pop %eax
	jz 1f
	mov %eax, %ebx
	mov $2, %eax
	int $0x44
1:	push %edx
	push %eax
	mov $KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov $msg_got, %esi
	call puts
	pop %eax
	call puthex
	mov $msg_want, %esi
	call puts
	pop %eax
	call puthex
fail_test:
	mov $msg_test, %esi
	call puts
	mov cur_test, %eax
	call puthex
	mov $'\n', %al
	out %al, $CON_PORT
fail_exit:
	mov $EXIT_FAIL, %al
	out %al, $EXIT_PORT
1:	hlt
	jmp 1b

/* puts writes the NUL-terminated string at ESI; puthex writes EAX in hex. */
	.globl puts
puts:
	push %eax
1:	lodsb
	test %al, %al
	jz 2f
	out %al, $CON_PORT
	jmp 1b
2:	pop %eax
	ret

	.globl puthex
puthex:
	push %ecx
	push %edx
	mov %eax, %edx
	mov $28, %ecx
1:	mov %edx, %eax
	shr %cl, %eax
	and $0xf, %al
	add $'0', %al
	cmp $'9', %al
	jbe 2f
	add $7, %al
2:	out %al, $CON_PORT
	sub $4, %ecx
	jns 1b
	pop %edx
	pop %ecx
	ret

	.section .rodata
msg_start:	.asciz "kernel: start\n"
msg_pass:	.asciz "kernel: PASS\n"
msg_magic:	.asciz "FAIL: EAX is not the multiboot magic\n"
msg_mbinfo:	.asciz "FAIL: multiboot info: no memory sizes, odd sizes, or a null cmdline\n"
msg_unexp:	.asciz "FAIL: exception "
msg_err:	.asciz " error "
msg_at:		.asciz " at "
msg_expected:	.asciz ", expected "
msg_nofault:	.asciz "FAIL: no exception, expected "
msg_got:	.asciz "FAIL: got "
msg_want:	.asciz " want "
msg_test:	.asciz " in test "

	.data
	.p2align 3
	.globl gdt
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08 kernel code */
	.quad 0x00cf92000000ffff	/* 0x10 kernel data */
	.quad 0x00cffa000000ffff	/* 0x18 user code */
	.quad 0x00cff2000000ffff	/* 0x20 user data */
	.fill 27, 8, 0			/* 0x28 TSS, 0x30-0xf8 for tests */
gdt_end:
	.globl gdtdesc
gdtdesc:
	.word gdt_end - gdt - 1
	.long gdt
	.p2align 3
idtdesc:
	.word 0x45 * 8 - 1
	.long idt
	.globl user_eflags
user_eflags:	.long 0x202
	.globl expect_vec, expect_err, resume_eip, fault_insn, cur_test, trap_count
expect_vec:	.long -1
expect_err:	.long 0
resume_eip:	.long 0
fault_insn:	.long 0
cur_test:	.long 0
trap_count:	.long 0
	.globl last_vec, last_err, last_eip, last_cs, last_eflags, last_esp, last_ss, last_cr2, last_frame, handler_eflags, user_eax, mb_info
last_vec:	.long 0
last_err:	.long 0
last_eip:	.long 0
last_cs:	.long 0
last_eflags:	.long 0
last_esp:	.long 0
last_ss:	.long 0
last_cr2:	.long 0
last_frame:	.long 0
handler_eflags:	.long 0
entry_eflags:	.long 0
user_eax:	.long 0
kernel_esp:	.long 0
mb_info:	.long 0

	.bss
	.p2align 12
	.globl idt, tss, tss_stack_top, user_stack_top, stack_top
idt:	.space 0x45 * 8
	.p2align 4
tss:	.space 104
	.p2align 12
	.space 8192
tss_stack_top:
	.space 8192
user_stack_top:
	.space 16384
stack_top:
