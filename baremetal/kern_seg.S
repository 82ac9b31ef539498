/* kern_seg: segmentation and the protection instructions. Expand-up and expand-down
 * limits (32- and 16-bit upper bounds), read-only and execute-only segments, not-present
 * and out-of-table selectors, #SS on a stack beyond its limit, 16-bit stacks, with the
 * error codes the SDM gives; BOUND (#BR), ARPL, VERR/VERW, LAR/LSL, ENTER with nesting
 * levels, and RCL/RCR results and flags for every count. */
#include "lib32.h"

#define DATA_LIM   0x30	/* RW data, base 0x200000, limit 0xFFF */
#define DOWN32     0x38	/* RW expand-down, base 0x200000, limit 0xFFF, B=1 */
#define DOWN16     0x40	/* RW expand-down, base 0x200000, limit 0xFFF, B=0 */
#define XONLY      0x48	/* execute-only code, flat */
#define RCODE      0x50	/* readable code, flat */
#define USTACK_DN  0x58	/* DPL-3 RW expand-down, base 0x300000, limit 0xFFF */
#define UNOTP      0x60	/* DPL-3 RW data, not present */
#define STACK16    0x68	/* RW data, base 0x400000, limit 0xFFFF, B=0 */
#define RONLY      0x70	/* read-only data, base 0x200000, limit 0xFFF */
#define CGATE      0x78	/* a DPL-3 call gate (for LAR/LSL) */
#define IGATE      0x80	/* an interrupt gate in the GDT (not valid for LAR) */
#define CONF       0x88	/* conforming readable code, DPL 0 */

	/* ZF after the previous instruction must be z (0 or 1). */
	.macro ZF z
	setz %bl
	movzbl %bl, %ebx
	CHK %ebx, $\z
	.endm

	/* RC table, end, insn: run insn (on AL/AX/EAX with count CL) for every table row. */
	.macro RC tab, end, insn:vararg
	mov $\tab, %esi
.Lrow\@:
	mov (%esi), %eax
	mov 4(%esi), %ecx
	cmpl $0, 8(%esi)
	je .Lclc\@
	stc
	jmp .Ldo\@
.Lclc\@:
	clc
.Ldo\@:
	\insn
	pushf
	pop %edx
	mov %esi, cur_row
	CHK %eax, 12(%esi)
	mov %edx, %ebx
	and $1, %ebx
	CHK %ebx, 16(%esi)
	cmpl $0xff, 20(%esi)
	je .Lnext\@
	shr $11, %edx
	and $1, %edx
	CHK %edx, 20(%esi)
.Lnext\@:
	add $24, %esi
	cmp $\end, %esi
	jb .Lrow\@
	.endm

	.text
	.globl test_main
test_main:
	SETDESC DATA_LIM, 0x200000, 0xfff, 0x92, 0x4
	SETDESC DOWN32, 0x200000, 0xfff, 0x96, 0x4
	SETDESC DOWN16, 0x200000, 0xfff, 0x96, 0x0
	SETDESC XONLY, 0, 0xfffff, 0x98, 0xc
	SETDESC RCODE, 0, 0xfffff, 0x9a, 0xc
	SETDESC USTACK_DN, 0x300000, 0xfff, 0xf6, 0x4
	SETDESC UNOTP, 0, 0xfffff, 0x72, 0xc
	SETDESC STACK16, 0x400000, 0xffff, 0x92, 0x0
	SETDESC RONLY, 0x200000, 0xfff, 0x90, 0x4
	SETDESC CGATE, 0, 0, 0xec, 0x0
	SETDESC IGATE, 0, 0, 0x8e, 0x0
	SETDESC CONF, 0, 0xfffff, 0x9e, 0xc

	/* ---- expand-up limit: the last byte of an access must be <= limit ---- */
	BEGIN 0x10
	movl $0x11223344, 0x200ffc
	movl $0x55667788, 0x200010
	mov $DATA_LIM, %ax
	mov %ax, %fs
	mov %fs:0x10, %eax
	CHK %eax, $0x55667788		/* the base applies */
	mov %fs:0xffc, %eax
	CHK %eax, $0x11223344
	QFAULT 13, 0, mov %fs:0xffd, %eax
	QFAULT 13, 0, movb %fs:0x1000, %al
	QFAULT 13, 0, movw %ax, %fs:0xfff
	QFAULT 13, 0, movl $0, %fs:0xfffffffc
	movb %fs:0xfff, %al
	/* A read-only data segment: reads work, writes #GP(0). */
	mov $RONLY, %ax
	mov %ax, %gs
	mov %gs:0x10, %eax
	CHK %eax, $0x55667788
	QFAULT 13, 0, movl $1, %gs:0x10
	QFAULT 13, 0, incl %gs:0x10
	/* A segment override on a string destination is not possible: ES is the target. */
	mov %gs, %ax
	mov %ax, %es
	mov $0x10, %edi
	QFAULT 13, 0, stosl
	mov $KDATA, %ax
	mov %ax, %es

	/* ---- expand-down: valid offsets are limit+1 .. 0xFFFFFFFF (B=1) or 0xFFFF (B=0) ---- */
	BEGIN 0x20
	movl $0xabcdef01, 0x201000
	mov $DOWN32, %ax
	mov %ax, %fs
	mov %fs:0x1000, %eax
	CHK %eax, $0xabcdef01
	QFAULT 13, 0, movb %fs:0xfff, %al
	QFAULT 13, 0, movl %fs:0xffe, %eax
	QFAULT 13, 0, movl %fs:0, %eax
	movl $0x12345678, %fs:0x10000	/* far above: fine with B=1 */
	CHK 0x210000, $0x12345678
	mov $DOWN16, %ax
	mov %ax, %fs
	mov %fs:0x1000, %eax
	CHK %eax, $0xabcdef01
	movw %fs:0xfffe, %ax
	QFAULT 13, 0, movb %fs:0x10000, %al
	QFAULT 13, 0, movw %fs:0xffff, %ax
	QFAULT 13, 0, movb %fs:0xfff, %al

	/* ---- code segments in data registers; execute-only code ---- */
	BEGIN 0x30
	mov $XONLY, %ax
	FAULT 13, XONLY, mov %ax, %fs
	mov $RCODE, %ax
	mov %ax, %fs
	mov %fs:test_main, %eax
	CHK %eax, test_main
	QFAULT 13, 0, movl $0, %fs:0x300000	/* code is never writable */
	/* Running in execute-only code: a CS-relative read is #GP(0). */
	ljmp $XONLY, $1f
1:	mov %cs, %eax
	CHK %eax, $XONLY
	QFAULT 13, 0, movl %cs:test_main, %eax
	ljmp $KCODE, $2f
2:	/* Selectors: beyond the GDT limit, in a missing LDT, a system segment, null. */
	mov $0x1000, %ax
	FAULT 13, 0x1000, mov %ax, %fs
	xor %eax, %eax			/* LDTR keeps its reset limit 0xFFFF until lldt */
	lldt %ax
	mov $0x0c, %ax
	FAULT 13, 0x0c, mov %ax, %fs
	mov $TSSSEL, %ax
	FAULT 13, TSSSEL, mov %ax, %fs
	xor %eax, %eax
	FAULT 13, 0, mov %ax, %ss
	xor %eax, %eax
	mov %ax, %fs
	QFAULT 13, 0, movl %fs:0x1000, %eax
	/* Not present: #NP(selector) for data registers. */
	mov $UNOTP, %ax
	FAULT 11, UNOTP, mov %ax, %fs

	/* ---- stack segments (in ring 3, so the fault switches to the TSS stack) ---- */
	BEGIN 0x40
	push $u_stack
	call to_user
	add $4, %esp
	CHK user_eax, $0x55

	/* ---- a 16-bit stack: push and pop use SP, the upper ESP half stays ---- */
	BEGIN 0x48
	mov %esp, %esi
	mov $STACK16, %ax
	mov %ax, %ss
	mov $0x12340010, %esp
	mov $0xfeedface, %eax
	push %eax
	mov %esp, %ebx
	pop %ecx
	mov $0x56780000, %esp
	push $0x77
	mov %esp, %edx
	mov $KDATA, %ax
	mov %ax, %ss
	mov %esi, %esp
	CHK %ebx, $0x1234000c
	CHK %ecx, $0xfeedface
	CHK 0x40000c, $0xfeedface
	CHK %edx, $0x5678fffc
	CHK 0x40fffc, $0x77

	/* ---- BOUND ---- */
	BEGIN 0x50
	movl $10, bnd
	movl $20, bnd+4
	mov $15, %eax
	bound %eax, bnd
	mov $10, %eax
	bound %eax, bnd
	mov $20, %eax
	bound %eax, bnd
	mov $21, %eax
	FAULT 5, 0, bound %eax, bnd
	mov $9, %eax
	FAULT 5, 0, bound %eax, bnd
	movl $-5, bnd			/* signed bounds */
	movl $5, bnd+4
	mov $-5, %eax
	bound %eax, bnd
	mov $-6, %eax
	FAULT 5, 0, bound %eax, bnd
	movw $-3, bnd16
	movw $3, bnd16+2
	mov $0xffff0003, %eax		/* 16-bit: only AX counts */
	boundw %ax, bnd16
	mov $4, %eax
	FAULT 5, 0, boundw %ax, bnd16
	mov fault_insn, %ecx
	CHK last_eip, %ecx		/* #BR is a fault: EIP of the bound */

	/* ---- ARPL ---- */
	BEGIN 0x58
	mov $0x0010, %eax
	mov $0x0003, %ecx
	arpl %cx, %ax
	ZF 1
	CHK %eax, $0x0013
	mov $0xaaaa0013, %eax
	mov $0x0001, %ecx
	arpl %cx, %ax
	ZF 0
	CHK %eax, $0xaaaa0013
	movw $0x0020, sel16
	mov $0x0002, %ecx
	arpl %cx, sel16
	ZF 1
	movzwl sel16, %eax
	CHK %eax, $0x0022

	/* ---- VERR / VERW at CPL 0 ---- */
	BEGIN 0x60
	mov $KDATA, %eax
	verr %ax
	ZF 1
	verw %ax
	ZF 1
	mov $RONLY, %eax
	verr %ax
	ZF 1
	verw %ax
	ZF 0
	mov $XONLY, %eax
	verr %ax
	ZF 0
	mov $RCODE, %eax
	verr %ax
	ZF 1
	verw %ax
	ZF 0
	mov $TSSSEL, %eax
	verr %ax
	ZF 0
	xor %eax, %eax
	verr %ax
	ZF 0
	mov $0x1000, %eax
	verr %ax
	ZF 0

	/* ---- LAR / LSL ---- */
	BEGIN 0x68
	mov $0x12345678, %eax
	mov $KDATA, %ecx
	lar %ecx, %eax
	ZF 1
	and $0xfff0ffff, %eax		/* bits 19:16 are undefined (SDM: masked by 00FxFF00H) */
	CHK %eax, $0x00c09300		/* accessed now: type 3 */
	mov $KDATA, %ecx
	lsl %ecx, %eax
	ZF 1
	CHK %eax, $0xffffffff
	mov $DATA_LIM, %ecx
	lsl %ecx, %eax
	ZF 1
	CHK %eax, $0xfff
	mov $TSSSEL, %ecx
	lar %ecx, %eax
	ZF 1
	CHK %eax, $0x00008b00		/* busy TSS after ltr */
	lsl %ecx, %eax
	ZF 1
	CHK %eax, $103
	mov $CGATE, %ecx
	lar %ecx, %eax
	ZF 1
	CHK %eax, $0x0000ec00
	mov $0x5555, %eax
	lsl %ecx, %eax			/* gates have no limit */
	ZF 0
	CHK %eax, $0x5555
	mov $IGATE, %ecx
	lar %ecx, %eax
	ZF 0
	xor %ecx, %ecx
	lar %ecx, %eax
	ZF 0
	mov $0x1000, %ecx
	lsl %ecx, %eax
	ZF 0
	mov $UNOTP, %ecx		/* LAR works on not-present descriptors */
	lar %ecx, %eax
	ZF 1
	and $0xfff0ffff, %eax
	CHK %eax, $0x00c07200
	/* At CPL 3: DPL-0 segments are invisible, conforming code is not. */
	push $u_protect
	call to_user
	add $4, %esp
	CHK user_eax, $0x1a5

	/* ---- ENTER with nesting levels ---- */
	BEGIN 0x70
	mov %esp, %esi
	mov %ebp, %edi
	mov $0x80000, %esp
	mov $0x90000, %ebp
	movl $0x1111, (0x90000-4)
	movl $0x2222, (0x90000-8)
	enter $16, $3
	mov %esp, %ecx
	mov %ebp, %edx
	mov %esi, %esp
	mov %edi, %ebp
	CHK %edx, $(0x80000 - 4)
	CHK %ecx, $(0x80000 - 32)
	CHK (0x80000-4), $0x90000
	CHK (0x80000-8), $0x1111
	CHK (0x80000-12), $0x2222
	CHK (0x80000-16), $(0x80000 - 4)
	mov $0x80000, %esp
	mov $0x90000, %ebp
	enter $8, $1
	mov %esp, %ecx
	mov %ebp, %edx
	mov %esi, %esp
	mov %edi, %ebp
	CHK %edx, $(0x80000 - 4)
	CHK %ecx, $(0x80000 - 16)
	CHK (0x80000-8), $(0x80000 - 4)
	mov $0x80000, %esp
	mov $0x90000, %ebp
	enter $0, $33			/* the level is taken mod 32 */
	mov %esp, %ecx
	mov %ebp, %edx
	mov %esi, %esp
	mov %edi, %ebp
	CHK %edx, $(0x80000 - 4)
	CHK %ecx, $(0x80000 - 8)
	mov $0x80000, %esp
	mov $0x90000, %ebp
	enter $12, $0
	mov %esp, %ecx
	mov %ebp, %edx
	mov %esi, %esp
	mov %edi, %ebp
	CHK %edx, $(0x80000 - 4)
	CHK %ecx, $(0x80000 - 16)

	/* ---- RCL / RCR: every count, both carries ---- */
	BEGIN 0x78
	RC tab_rcl8, tab_rcl8_end, rclb %cl, %al
	RC tab_rcl16, tab_rcl16_end, rclw %cl, %ax
	RC tab_rcl32, tab_rcl32_end, rcll %cl, %eax
	RC tab_rcr8, tab_rcr8_end, rcrb %cl, %al
	RC tab_rcr16, tab_rcr16_end, rcrw %cl, %ax
	RC tab_rcr32, tab_rcr32_end, rcrl %cl, %eax
	ret

/* ---- ring 3 ---- */
u_stack:
	/* An expand-down stack: valid offsets 0x1000 and up. */
	mov $(USTACK_DN | 3), %ax
	mov %ax, %ss
	mov $0x1008, %esp
	push %eax
	push %eax
	QFAULT 12, 0, push %eax
	CHK %esp, $0x1000		/* the push did not happen */
	QFAULT 12, 0, movl %ss:0x800, %eax
	mov $0x10, %ebp			/* EBP-based addresses use SS: below its range */
	QFAULT 12, 0, movl (%ebp), %eax
	pop %eax
	pop %eax
	mov $(UDATA), %ax
	mov %ax, %ss
	mov $user_stack_top, %esp
	/* Not present: #SS(selector) for SS, #NP for others. */
	mov $(UNOTP | 3), %ax
	FAULT 12, UNOTP, mov %ax, %ss
	mov $(UNOTP | 3), %ax
	FAULT 11, UNOTP, mov %ax, %gs
	mov $0x55, %eax
	int $0x41

u_protect:
	mov $KDATA, %eax
	verr %ax
	ZF 0
	mov $UDATA, %eax
	verw %ax
	ZF 1
	mov $CONF, %eax
	verr %ax
	ZF 1
	mov $0x77, %eax
	mov $KDATA, %ecx
	lar %ecx, %eax
	ZF 0
	CHK %eax, $0x77
	mov $UDATA, %ecx
	lsl %ecx, %eax
	ZF 1
	mov $0x1a5, %eax
	int $0x41

	.data
bnd:	.long 0, 0
bnd16:	.word 0, 0
sel16:	.word 0
cur_row: .long 0
	.p2align 2
#include "rctab.inc"
