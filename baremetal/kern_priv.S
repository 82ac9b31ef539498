/* kern_priv: privilege changes. Ring 0 -> 3 through IRET (with data segments nulled),
 * ring 3 -> 0 through DPL-3 trap and interrupt gates and the TSS stack, the gate DPL check
 * for int n, user in/out/cli/hlt and privileged instructions (#GP(0) with IOPL 0), loads of
 * more privileged segments, call gates with parameter copying and RETF back across
 * privilege levels, conforming code segments. */
#include "lib32.h"

#define CALLGATE 0x30	/* call gate, DPL 3, to KCODE:gate_target, 2 parameters */
#define CONFCODE 0x38	/* conforming code, DPL 0 */
#define GATE0    0x40	/* call gate, DPL 0 */

	.text
	.globl test_main
test_main:
	/* ---- IRET to ring 3; CS has RPL 3; FS with a DPL-0 segment is nulled ---- */
	BEGIN 0x10
	mov $KDATA, %ax
	mov %ax, %fs
	push $u_cs
	call to_user
	add $4, %esp
	CHK user_eax, $UCODE
	CHK u_fs, $0
	CHK u_ds, $UDATA

	/* ---- int $0x40 from ring 3: trap gate, stack from the TSS, IF kept ---- */
	BEGIN 0x20
	movl $0x40, expect_vec
	movl $0, expect_err
	movl $0, resume_eip
	push $u_int40
	call to_user
	add $4, %esp
	CHK user_eax, $0		/* ESP unchanged across int/iret in ring 3 */
	CHK last_vec, $0x40
	CHK last_cs, $UCODE
	CHK last_ss, $UDATA
	CHK last_esp, $user_stack_top
	mov last_frame, %eax
	add $(48 + 20), %eax
	CHK %eax, $tss_stack_top
	mov handler_eflags, %eax
	and $0x200, %eax
	CHK %eax, $0x200		/* trap gate: IF stays set */
	/* The DPL-3 interrupt gate 0x43 clears IF. */
	movl $0x43, expect_vec
	push $u_int43
	call to_user
	add $4, %esp
	mov handler_eflags, %eax
	and $0x200, %eax
	CHK %eax, $0
	mov last_eflags, %eax
	and $0x200, %eax
	CHK %eax, $0x200

	/* ---- int to a DPL-0 gate from ring 3: #GP(vector*8+2) ---- */
	BEGIN 0x30
	push $u_int42
	call to_user
	add $4, %esp
	CHK user_eax, $0x4242
	CHK last_vec, $13
	CHK last_err, $(0x42 * 8 + 2)

	/* ---- I/O and privileged instructions in ring 3: #GP(0) ---- */
	BEGIN 0x40
	push $u_priv
	call to_user
	add $4, %esp
	CHK user_eax, $0x600d

	/* ---- loading more privileged data and stack segments in ring 3 ---- */
	BEGIN 0x50
	push $u_seg
	call to_user
	add $4, %esp
	CHK user_eax, $0x5e6

	/* ---- call gate with 2 parameters from ring 3, RETF back ---- */
	BEGIN 0x60
	/* Call gate: offset gate_target, selector KCODE, 2 dwords, type 0xC, DPL 3, present. */
	mov $gate_target, %eax
	mov %ax, gdt + CALLGATE
	movw $KCODE, gdt + CALLGATE + 2
	movb $2, gdt + CALLGATE + 4
	movb $0xec, gdt + CALLGATE + 5
	shr $16, %eax
	mov %ax, gdt + CALLGATE + 6
	/* A DPL-0 call gate: ring 3 may not use it. */
	mov $gate_target, %eax
	mov %ax, gdt + GATE0
	movw $KCODE, gdt + GATE0 + 2
	movb $2, gdt + GATE0 + 4
	movb $0x8c, gdt + GATE0 + 5
	shr $16, %eax
	mov %ax, gdt + GATE0 + 6
	SETDESC CONFCODE, 0, 0xfffff, 0x9e, 0xc
	push $u_callgate
	call to_user
	add $4, %esp
	CHK user_eax, $0xca11
	CHK g_p1, $0x2222
	CHK g_p2, $0x1111
	CHK g_cs, $UCODE
	CHK g_ss, $UDATA
	CHK g_esp, $(user_stack_top - 8)
	CHK g_myesp, $(tss_stack_top - 24)
	CHK g_mycs, $KCODE

	/* ---- RETF from ring 0 to ring 3 ---- */
	BEGIN 0x70
	push $u_cs
	call to_user_lret
	add $4, %esp
	CHK user_eax, $UCODE

	/* ---- the TSS I/O permission bitmap: port 0xE9 allowed, 0xEA denied ---- */
	BEGIN 0x80
	mov $iotss, %edi		/* copy the TSS, then append a bitmap */
	mov $tss, %esi
	mov $104, %ecx
	rep movsb
	mov $iotss+104, %edi
	mov $0xff, %al
	mov $(8192 + 1), %ecx
	rep stosb
	andb $~(1 << (0xe9 & 7)), iotss + 104 + (0xe9 >> 3)
	movw $104, iotss + 102
	SETDESC 0x48, iotss, (104 + 8192), 0x89, 0x0
	mov $0x48, %ax
	ltr %ax
	push $u_iomap
	call to_user
	add $4, %esp
	CHK user_eax, $0x10a
	mov $TSSSEL, %ax		/* back to the plain TSS (clear its busy bit first) */
	andb $~2, gdt + TSSSEL + 5
	ltr %ax
	ret

/* gate_target runs in ring 0 on the TSS stack: [eip][cs][param 0x2222][0x1111][esp][ss]. */
gate_target:
	mov %esp, g_myesp
	mov %cs, %eax
	mov %eax, g_mycs
	mov 4(%esp), %eax
	mov %eax, g_cs
	mov 8(%esp), %eax
	mov %eax, g_p1
	mov 12(%esp), %eax
	mov %eax, g_p2
	mov 16(%esp), %eax
	mov %eax, g_esp
	mov 20(%esp), %eax
	mov %eax, g_ss
	lret $8

/* ---- ring-3 code: results in EAX, then int $0x41 ---- */
u_cs:
	mov %fs, %eax
	mov %eax, u_fs
	/* A memory reference through the nulled FS: #GP(0). (QEMU's TCG does not check.) */
#ifndef QEMU_COMPAT
	FAULT 13, 0, mov %fs:0x1000, %eax
#endif
	mov %ds, %eax
	mov %eax, u_ds
	mov %cs, %eax
	int $0x41

u_int40:
	mov %esp, %esi
	int $0x40
	mov %esp, %eax
	sub %esi, %eax
	int $0x41

u_int43:
	int $0x43
	int $0x41

u_int42:
	movl $13, expect_vec
	movl $(0x42 * 8 + 2), expect_err
	movl $1f, resume_eip
	int $0x42
	jmp no_fault
1:	mov $0x4242, %eax
	int $0x41

u_priv:
	FAULT 13, 0, inb $0x80, %al
	FAULT 13, 0, outb %al, $0x80
	mov $0x3f8, %dx
	FAULT 13, 0, inb %dx, %al
	mov $1, %ecx
	FAULT 13, 0, rep insb
	FAULT 13, 0, cli
	FAULT 13, 0, sti
	FAULT 13, 0, hlt
	FAULT 13, 0, mov %cr0, %eax
	FAULT 13, 0, mov %eax, %cr3
	FAULT 13, 0, lgdt gdtdesc
	FAULT 13, 0, lidt gdtdesc
	FAULT 13, 0, ltr %ax
	/* popf in ring 3 does not change IF or IOPL (no fault). */
	pushf
	pop %ebx
	push $0x3000
	popf
	pushf
	pop %ecx
	and $0x3200, %ecx
	cmp $0x0200, %ecx
	jne 1f
	mov $0x600d, %eax
	int $0x41
1:	mov %ecx, %eax
	int $0x41

u_seg:
	mov $KDATA, %ax
	FAULT 13, KDATA, mov %ax, %ds
	mov $KDATA, %ax
	FAULT 13, KDATA, mov %ax, %ss
	mov $(KDATA | 3), %ax
	FAULT 13, (KDATA & ~3), mov %ax, %es
	/* SS must have RPL = CPL: UDATA with RPL 0. */
	mov $(UDATA & ~3), %ax
	FAULT 13, (UDATA & ~3), mov %ax, %ss
	/* Null SS in ring 3: #GP(0); null DS is fine. */
	xor %eax, %eax
	FAULT 13, 0, mov %ax, %ss
	xor %eax, %eax
	mov %ax, %ds
	mov $UDATA, %ax
	mov %ax, %ds
	/* A code segment in ES needs readable code of the right privilege: KCODE is DPL 0. */
	mov $KCODE, %ax
	FAULT 13, KCODE, mov %ax, %es
	/* A far jump to ring-0 code is refused. */
	FAULT 13, KCODE, ljmp $KCODE, $0
	mov $0x5e6, %eax
	int $0x41

u_callgate:
	/* Through the DPL-0 gate: #GP(gate selector). */
	FAULT 13, GATE0, lcall $(GATE0 | 3), $0
	/* A far call straight to ring-0 non-conforming code: #GP(selector). */
	FAULT 13, KCODE, lcall $KCODE, $0
	/* Conforming DPL-0 code runs at CPL 3: CS gets RPL 3. */
	lcall $(CONFCODE | 3), $conf_fn
	cmp $(CONFCODE | 3), %eax
	jne 1f
	mov %esp, %esi
	push $0x1111
	push $0x2222
	lcall $(CALLGATE | 3), $0
	cmp %esi, %esp
	jne 1f
	mov %cs, %eax
	cmp $UCODE, %eax
	jne 1f
	mov $0xca11, %eax
1:	int $0x41

u_iomap:
	mov $'.', %al
	outb %al, $0xe9			/* allowed by the bitmap */
	inb $0xe9, %al
	FAULT 13, 0, outb %al, $0xea
	FAULT 13, 0, outw %ax, $0xe8	/* 0xe8 is denied: a word access needs both bits clear */
	FAULT 13, 0, outw %ax, $0xe9	/* 0xea is denied */
	mov $0x10a, %eax
	int $0x41

conf_fn:
	mov %cs, %eax
	lret

	.data
u_fs:	.long -1
u_ds:	.long -1
g_p1:	.long 0
g_p2:	.long 0
g_cs:	.long 0
g_ss:	.long 0
g_esp:	.long 0
g_myesp: .long 0
g_mycs:	.long 0

	.bss
	.p2align 4
iotss:	.space 104 + 8192 + 1
