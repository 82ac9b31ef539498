/* kern_task: hardware task switches between 32-bit TSSs: JMP to a TSS (busy bits, state
 * saved and restored, CR0.TS), CALL to a TSS and IRET back through the back link (NT), and
 * an interrupt through a task gate. */
#include "lib32.h"

#define TSSB   0x50	/* task B's TSS descriptor */
#define TGATE  0x58	/* a task gate to task B (for CALL) */

	.text
	.globl test_main
test_main:
	/* Task B: flat kernel segments, its own stack, starts at task_b. */
	movl $task_b, tssb + 32
	movl $2, tssb + 36
	movl $stack_b, tssb + 56
	movl $KCODE, tssb + 76
	movl $KDATA, tssb + 72
	movl $KDATA, tssb + 80
	movl $KDATA, tssb + 84
	movl $KDATA, tssb + 88
	movl $KDATA, tssb + 92
	mov %cr3, %eax
	mov %eax, tssb + 28
	movw $104, tssb + 102
	SETDESC TSSB, tssb, 103, 0x89, 0x0

	/* ---- JMP to a TSS and back ---- */
	BEGIN 0x10
	clts
	mov $0x600dcafe, %ebx
	mov $0x5151, %esi
	ljmp $TSSB, $0
back_from_b:
	/* Task A resumes after its ljmp with its registers. */
	CHK %ebx, $0x600dcafe
	CHK %esi, $0x5151
	str %eax
	CHK %eax, $TSSSEL
	CHK b_tr, $TSSB
	CHK b_eax_seen, $0x1234		/* B started with its TSS's EAX */
	mov %cr0, %eax
	and $8, %eax
	CHK %eax, $8			/* a task switch sets CR0.TS */
	clts
	/* Busy bits: A busy again, B free (JMP clears the old task's). */
	movzbl gdt + TSSSEL + 5, %eax
	CHK %eax, $0x8b
	movzbl gdt + TSSB + 5, %eax
	CHK %eax, $0x89
	CHK b_busy_a, $0x89		/* while B ran, A was not busy */

	/* ---- CALL to a TSS through a task gate, IRET back (NT, back link) ---- */
	BEGIN 0x20
	movl $task_b2, tssb + 32	/* a fresh start for B */
	movl $stack_b, tssb + 56
	movl $2, tssb + 36
	movw $0, gdt + TGATE		/* task gate: selector TSSB, type 5, DPL 0, present */
	movw $TSSB, gdt + TGATE + 2
	movb $0, gdt + TGATE + 4
	movb $0x85, gdt + TGATE + 5
	movw $0, gdt + TGATE + 6
	mov $0x7777, %edi
	lcall $TGATE, $0
	CHK %edi, $0x7777
	CHK b2_nt, $0x4000
	CHK b2_link, $TSSSEL
	pushf
	pop %eax
	and $0x4000, %eax
	CHK %eax, $0			/* NT is clear again in A */
	movzbl gdt + TSSB + 5, %eax
	CHK %eax, $0x89			/* IRET frees B */
	clts

	/* ---- an interrupt through a task gate in the IDT ---- */
	BEGIN 0x30
	movl $task_b3, tssb + 32
	movl $stack_b, tssb + 56
	movl $2, tssb + 36
	movw $0, idt + 0x42*8		/* IDT 0x42: task gate to TSSB */
	movw $TSSB, idt + 0x42*8 + 2
	movb $0, idt + 0x42*8 + 4
	movb $0x85, idt + 0x42*8 + 5
	movw $0, idt + 0x42*8 + 6
	int $0x42
	CHK b3_ran, $1
	CHK b2_link, $TSSSEL
	clts
	ret

task_b:
	mov %eax, b_eax_seen
	str %eax
	mov %eax, b_tr
	movzbl gdt + TSSSEL + 5, %eax
	mov %eax, b_busy_a
	ljmp $TSSSEL, $0		/* back to A, after its ljmp */

task_b2:
	pushf
	pop %eax
	and $0x4000, %eax
	mov %eax, b2_nt
	movzwl tssb, %eax
	mov %eax, b2_link
	iret				/* NT: back to the task in the back link */

task_b3:
	movl $1, b3_ran
	movzwl tssb, %eax
	mov %eax, b2_link
	iret

	.data
b_eax_seen: .long 0
b_tr:	.long 0
b_busy_a: .long 0
b2_nt:	.long 0
b2_link: .long 0
b3_ran:	.long 0
	.p2align 4
tssb:
	.long 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	.long 0x1234			/* EAX */
	.fill 15, 4, 0
	.space 4096
stack_b:
