/* kern_trap: exceptions and traps. Which EIP each pushes (faults: the instruction; traps:
 * the next one), single-step (#DB) after POPF sets TF, the MOV SS shadow, DR6.BS, INT3 and
 * INTO, and a double fault when delivering #GP meets a not-present gate. */
#include "lib32.h"

	.text
	.globl test_main
test_main:
	/* ---- faults push the faulting EIP, traps the next one ---- */
	BEGIN 0x10
	xor %ecx, %ecx
	mov $1, %eax
	FAULT 0, 0, div %ecx
	mov fault_insn, %eax
	CHK last_eip, %eax
	FAULT 6, 0, ud2
	mov fault_insn, %eax
	CHK last_eip, %eax
	movl $3, expect_vec
	movl $0, expect_err
	movl $0, resume_eip
	int3
after_int3:
	CHK last_eip, $after_int3
	CHK expect_vec, $-1
	/* INTO: nothing with OF=0, #OF (4) as a trap with OF=1. */
	xor %eax, %eax			/* OF=0 */
	into
	mov $0x7fffffff, %eax
	add $1, %eax			/* OF=1 */
	movl $4, expect_vec
	into
after_into:
	CHK last_eip, $after_into
	CHK expect_vec, $-1

	/* ---- single step ---- */
	BEGIN 0x20
	movl $1, expect_vec
	pushf
	orl $0x100, (%esp)
	popf
	nop				/* the trap comes after this one */
step_at:
	nop
	CHK last_eip, $step_at
	CHK expect_vec, $-1
	mov %dr6, %eax
	and $0x4000, %eax		/* BS */
	CHK %eax, $0x4000
	/* MOV SS holds the trap back for one more instruction. */
	movl $1, expect_vec
	pushf
	orl $0x100, (%esp)
	popf
	mov %ss, %ax			/* traps after this one */
step2:
	mov %ax, %ss
	nop				/* no trap between mov ss and this */
step3:
	nop
	CHK expect_vec, $-1
	CHK last_eip, $step2
	movl $1, expect_vec
	pushf
	orl $0x100, (%esp)
	popf
	mov %ax, %ss			/* the shadow: no trap after it ... */
	nop				/* ... but after this one */
step4:
	nop
	CHK expect_vec, $-1
	CHK last_eip, $step4
	/* POP SS has the same shadow. */
	push %ss
	movl $1, expect_vec
	pushf
	orl $0x100, (%esp)
	popf
	pop %ss
	nop
step5:
	nop
	CHK expect_vec, $-1
	CHK last_eip, $step5
#ifndef QEMU_COMPAT
	/* STI holds back interrupts, not the single-step trap (SDM: only MOV SS and POP SS block
	 * debug exceptions; QEMU holds the trap back after STI as well). */
	cli
	movl $1, expect_vec
	pushf
	orl $0x100, (%esp)
	popf
	sti
step6:
	nop
	cli
	CHK expect_vec, $-1
	CHK last_eip, $step6
#endif

	/* ---- double fault: #GP meets a not-present IDT gate ---- */
	BEGIN 0x30
	andb $0x7f, idt + 13*8 + 5	/* gate 13 not present */
	mov $0x1000, %ax
	FAULT 8, 0, mov %ax, %fs
	orb $0x80, idt + 13*8 + 5
	mov fault_insn, %eax
	CHK last_eip, %eax		/* #DF pushes the EIP of the first fault */
	/* A not-present gate by itself: #NP(vector*8+2). */
	andb $0x7f, idt + 0x42*8 + 5
	FAULT 11, (0x42*8 + 2), int $0x42
	orb $0x80, idt + 0x42*8 + 5
	/* int n past the IDT limit: #GP(vector*8+2). */
	FAULT 13, (0x80*8 + 2), int $0x80
	ret
