/* Macros shared by the multiboot test kernels (lib32.S provides the routines). */
#include "ports.h"

#define KCODE 0x08
#define KDATA 0x10
#define UCODE 0x1b
#define UDATA 0x23
#define TSSSEL 0x28

	/* BEGIN id: a progress code to POST_PORT; failures name it. */
	.macro BEGIN id
	movl $\id, cur_test
	push %eax
	push %edx
	mov $\id, %al
	mov $POST_PORT, %dx
	out %al, %dx
	pop %edx
	pop %eax
	.endm

	/* CHK got, want: fail the current test unless got == want (cmpl want, got). */
	.macro CHK got, want
	cmpl \want, \got
	je .Lok\@
	mov \got, %eax
	mov \want, %edx
	jmp check_failed
.Lok\@:
	.endm

	/* FAULT vec, err, insn: insn must raise exception vec with error code err; execution
	 * resumes after it. last_eip, last_cr2 etc. describe the fault. */
	.macro FAULT vec, err, insn:vararg
	movl $\vec, expect_vec
	movl $\err, expect_err
	movl $.Lres\@, resume_eip
	movl $.Lins\@, fault_insn
.Lins\@:
	\insn
	jmp no_fault
.Lres\@:
	.endm

	/* SETDESC sel, base, limit, access, flags: write a GDT descriptor. */
	.macro SETDESC sel, base, limit, access, flags
	push $\flags
	push $\access
	push $\limit
	push $\base
	push $\sel
	call set_desc
	add $20, %esp
	.endm

	/* QFAULT: a FAULT that QEMU's TCG is known to miss (segment limits, read-only and
	 * execute-only segments); left out of -DQEMU_COMPAT builds (make qemu-check). */
#ifdef QEMU_COMPAT
	.macro QFAULT vec, err, insn:vararg
	.endm
#else
	.macro QFAULT vec, err, insn:vararg
	FAULT \vec, \err, \insn
	.endm
#endif
