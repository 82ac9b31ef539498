/* rom_real: a 64 KB ROM run from reset. Real mode basics and every 16-bit ModRM form,
 * real-mode interrupts and exceptions through the IVT, string ops, 32-bit operands and
 * addresses in real mode, the switch to protected mode and every 32-bit ModRM/SIB form,
 * the way back to real mode, and "unreal" mode (a segment keeps its cached limit).
 * Progress goes to POST_PORT, text to CON_PORT; the end is EXIT_PASS or EXIT_FAIL on EXIT_PORT. */
#include "ports.h"
/* The ROM is linked at offset 0 of segment F000 (linear 0xF0000). In protected mode the
 * code segments have base 0xF0000 too, so labels are offsets everywhere; LIN() gives the
 * linear address for flat data references. */
#define ROM(x) (x)
#define LIN(x) ((x) + 0xF0000)

/* Scratch variables in RAM (DS=0 in real mode). */
#define DE_FLAG 0x600
#define UD_FLAG 0x602
#define GP_FLAG 0x604	/* vector of the last limit fault + 1 */
#define GP_IP   0x606	/* where the faulting instruction starts */
#define GP_SKIP 0x608	/* and its length */

	.macro POST code
	mov $\code, %al
	mov $POST_PORT, %dx
	out %al, %dx
	.endm

	/* After a compare: fail with id unless equal. */
	.macro CHK16 id
	je .Lok\@
	mov $\id, %al
	jmp fail16
.Lok\@:
	.endm

	/* One 16-bit ModRM form: store a marker at linear address lin (FS=0), read it back
	 * through form into CX. */
	.macro M16 id, form, lin
	movw $(0xA500 + \id), %fs:\lin
	xor %cx, %cx
	mov \form, %cx
	cmp $(0xA500 + \id), %cx
	CHK16 \id
	.endm

	.code16
	.text
	.globl start
start:
	cli
	cld
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $0x7000, %sp
	POST 0x01
	mov $ROM(msg_start), %si
	call puts16

	/* The reset state: CS=F000 after the far jump, real mode, CR0.PE clear. */
	mov %cs, %ax
	cmp $0xF000, %ax
	CHK16 0x02
	mov %cr0, %eax
	test $1, %al
	CHK16 0x03

	/* ---- every 16-bit ModRM memory form (DS=SS=0) ---- */
	POST 0x10
	mov $0x1000, %bx
	mov $0x2000, %bp
	mov $0x0100, %si
	mov $0x0200, %di
	M16 0x10, "(%bx,%si)", 0x1100
	M16 0x11, "(%bx,%di)", 0x1200
	M16 0x12, "(%bp,%si)", 0x2100
	M16 0x13, "(%bp,%di)", 0x2200
	M16 0x14, (%si), 0x0100
	M16 0x15, (%di), 0x0200
	M16 0x16, 0x3456, 0x3456
	M16 0x17, (%bx), 0x1000
	M16 0x18, "0x7f(%bx,%si)", 0x117f
	M16 0x19, "-0x80(%bx,%di)", 0x1180
	M16 0x1a, "0x10(%bp,%si)", 0x2110
	M16 0x1b, "-0x10(%bp,%di)", 0x21f0
	M16 0x1c, 0x20(%si), 0x0120
	M16 0x1d, 0x30(%di), 0x0230
	M16 0x1e, 0x40(%bp), 0x2040
	M16 0x1f, -1(%bx), 0x0fff
	M16 0x20, "0x1234(%bx,%si)", 0x2334
	M16 0x21, "0x1234(%bx,%di)", 0x2434
	M16 0x22, "0x1234(%bp,%si)", 0x3334
	M16 0x23, "0x1234(%bp,%di)", 0x3434
	M16 0x24, 0x2000(%si), 0x2100
	M16 0x25, 0x2000(%di), 0x2200
	M16 0x26, 0x1000(%bp), 0x3000
	M16 0x27, 0x0800(%bx), 0x1800
	/* 16-bit effective addresses wrap at 64 KB. */
	mov $0xfff0, %bx
	mov $0x0020, %si
	M16 0x28, "(%bx,%si)", 0x0010
	mov $0x2000, %di
	M16 0x29, 0xf000(%di), 0x1000
	mov $0x1000, %bx
	mov $0x0100, %si
	mov $0x0200, %di
	/* BP-based forms default to SS, others to DS; overrides win. */
	mov $0x0100, %ax
	mov %ax, %ss
	M16 0x2a, "(%bp,%si)", 0x3100
	M16 0x2b, "%ds:(%bp,%si)", 0x2100
	M16 0x2c, %ss:(%bx), 0x2000
	M16 0x2d, 0x10(%bp), 0x3010
	xor %ax, %ax
	mov %ax, %ss
	/* 8-bit registers in ModRM: AH/CH/DH/BH are 4-7. */
	mov $0x1234, %ax
	mov %ah, %cl
	cmp $0x12, %cl
	CHK16 0x2e

	/* ---- stack, calls, interrupts through the IVT ---- */
	POST 0x30
	mov $0x7000, %sp
	push $0x1234
	pop %ax
	cmp $0x1234, %ax
	CHK16 0x30
	cmp $0x7000, %sp
	CHK16 0x31
	/* SP wraps at 64 KB. */
	mov $0x1000, %ax
	mov %ax, %ss
	xor %sp, %sp
	push $0xbeef
	mov %sp, %cx
	xor %ax, %ax
	mov %ax, %ss
	mov $0x7000, %sp
	cmp $0xfffe, %cx
	CHK16 0x32
	mov $0x1000, %ax
	mov %ax, %es
	cmpw $0xbeef, %es:0xfffe
	CHK16 0x33
	xor %ax, %ax
	mov %ax, %es
	/* Near and far calls. */
	xor %cx, %cx
	call nearsub
	cmp $0x1111, %cx
	CHK16 0x34
	lcall $0xf000, $ROM(farsub)
	cmp $0x2222, %cx
	CHK16 0x35
	mov %cs, %ax
	cmp $0xf000, %ax
	CHK16 0x36
	/* int n through the IVT: vector 0x30 at 0000:00C0. */
	movw $ROM(int30), 0xc0
	movw $0xf000, 0xc2
	xor %ax, %ax
	int $0x30
	cmp $0x5a5a, %ax
	CHK16 0x37
	/* #DE: the 386 pushes the address of the faulting div. */
	movw $ROM(de_handler), 0x00
	movw $0xf000, 0x02
	movb $0, DE_FLAG
	mov $1, %ax
	xor %cl, %cl
de_insn:
	div %cl
	cmpb $1, DE_FLAG
	CHK16 0x38
	/* #UD (ud2) and int3 through the IVT. */
	movw $ROM(ud_handler), 0x18
	movw $0xf000, 0x1a
	movb $0, UD_FLAG
ud_insn:
	ud2
	cmpb $1, UD_FLAG
	CHK16 0x39
	movw $ROM(bp_handler), 0x0c
	movw $0xf000, 0x0e
	xor %ax, %ax
	int3
	cmp $0x3333, %ax
	CHK16 0x3a

	/* ---- string ops ---- */
	POST 0x40
	mov $0x4000, %di
	mov $16, %cx
	mov $0x77, %al
	rep stosb
	cmp $0x4010, %di
	CHK16 0x40
	mov $0x4000, %si
	mov $0x5000, %di
	mov $16, %cx
	rep movsb
	cmp $0x5010, %di
	CHK16 0x41
	test %cx, %cx
	CHK16 0x42
	cmpb $0x77, 0x500f
	CHK16 0x43
	movw $0, 0x6008
	std
	mov $0x6010, %di
	mov $4, %cx
	mov $0xabcd, %ax
	rep stosw
	cld
	cmp $0x6008, %di
	CHK16 0x44
	cmpw $0xabcd, 0x600a
	CHK16 0x45
	cmpw $0, 0x6008
	CHK16 0x46
	/* repe cmpsb stops at the first difference, with CX counting it. */
	movl $0x58636261, 0x4100	/* "abcX" */
	movl $0x59636261, 0x4200	/* "abcY" */
	mov $0x4100, %si
	mov $0x4200, %di
	mov $10, %cx
	repe cmpsb
	setz %al
	cmp $6, %cx
	CHK16 0x47
	cmp $0, %al
	CHK16 0x48
	cmp $0x4104, %si
	CHK16 0x49

	/* ---- 32-bit operands and addresses in real mode ---- */
	POST 0x50
	mov $0x12345678, %eax
	add $0x11111111, %eax
	cmp $0x23456789, %eax
	CHK16 0x50
	movw $0x4321, 0x200
	mov $0x100, %eax
	mov $0x80, %ebx
	mov (%eax,%ebx,2), %cx
	cmp $0x4321, %cx
	CHK16 0x51
	mov $0x1000, %bx
#ifndef QEMU_COMPAT
	/* Real mode keeps the 64 KB limits: #GP (13) for DS, #SS (12) for SS, no error code.
	 * (QEMU's TCG does not check.) */
	movw $ROM(limit_handler13), 13*4
	movw $0xf000, 13*4+2
	movw $ROM(limit_handler12), 12*4
	movw $0xf000, 12*4+2
	movb $0, GP_FLAG
	movw $ROM(lim1), GP_IP
	movw $3, GP_SKIP
	mov $0x10000, %ebx
lim1:	mov (%ebx), %al
	cmpb $14, GP_FLAG
	CHK16 0x52
	movb $0, GP_FLAG
	movw $ROM(lim2), GP_IP
	movw $4, GP_SKIP
lim2:	mov 0xffff, %cx
	cmpb $14, GP_FLAG
	CHK16 0x53
	movb $0, GP_FLAG
	movw $ROM(lim3), GP_IP
	movw $4, GP_SKIP
	mov $0xfffe, %ebp
lim3:	mov 1(%ebp), %cx
	cmpb $13, GP_FLAG
	CHK16 0x54
	mov 0xfffe, %cx			/* the last word is fine */
	mov $0x1000, %bx
#endif

	/* ---- real mode -> protected mode ---- */
	POST 0x60
	lgdtl %cs:ROM(gdtdesc)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $pm32

/* Real-mode subroutines and handlers. */
nearsub:
	mov $0x1111, %cx
	ret
farsub:
	mov $0x2222, %cx
	lret
int30:
	/* The pushed CS is F000. */
	mov %sp, %bp
	cmpw $0xf000, 2(%bp)
	CHK16 0x3c
	mov $0x5a5a, %ax
	iret
de_handler:
	mov %sp, %bp
	cmpw $ROM(de_insn), (%bp)
	CHK16 0x3d
	addw $2, (%bp)
	movb $1, DE_FLAG
	iret
ud_handler:
	mov %sp, %bp
	cmpw $ROM(ud_insn), (%bp)
	CHK16 0x3e
	addw $2, (%bp)
	movb $1, UD_FLAG
	iret
limit_handler13:
	movb $14, GP_FLAG
	jmp 1f
limit_handler12:
	movb $13, GP_FLAG
1:	mov %sp, %bp
	mov GP_IP, %ax
	cmp %ax, (%bp)
	CHK16 0x55
	mov GP_SKIP, %ax
	add %ax, (%bp)
	iret
bp_handler:
	mov $0x3333, %ax
	iret

/* puts16 writes the NUL-terminated string at CS:SI to the console. */
puts16:
	push %ax
1:	mov %cs:(%si), %al
	test %al, %al
	jz 2f
	out %al, $CON_PORT
	inc %si
	jmp 1b
2:	pop %ax
	ret

/* puthex16 writes AL as two hex digits. */
puthex16:
	push %ax
	shr $4, %al
	call nibble16
	pop %ax
	push %ax
	and $0xf, %al
	call nibble16
	pop %ax
	ret
nibble16:
	add $'0', %al
	cmp $'9', %al
	jbe 1f
	add $7, %al
1:	out %al, $CON_PORT
	ret

/* fail16 reports check AL as failed and exits. */
fail16:
	mov %al, %bl
	mov $ROM(msg_fail), %si
	call puts16
	mov %bl, %al
	call puthex16
	mov $'\n', %al
	out %al, $CON_PORT
	mov $EXIT_FAIL, %al
	out %al, $EXIT_PORT
	hlt
	jmp fail16

/* ---- 32-bit protected mode ---- */
	.macro POST32 code
	push %eax
	push %edx
	mov $\code, %al
	mov $POST_PORT, %dx
	out %al, %dx
	pop %edx
	pop %eax
	.endm

	.macro CHK32 id
	je .Lok\@
	mov $\id, %eax
	jmp fail32
.Lok\@:
	.endm

	/* Register values for the ModRM/SIB forms (all lie in RAM; ESP is the stack). */
	.set v_eax, 0x1100
	.set v_ecx, 0x1200
	.set v_edx, 0x1300
	.set v_ebx, 0x1400
	.set v_esp, 0x7000
	.set v_ebp, 0x1600
	.set v_esi, 0x1700
	.set v_edi, 0x1800

	/* One memory form: marker at the computed linear address, compared through the form. */
	.macro M32 id, form, lin
	movl $(0xc0de0000 + \id + \@), \lin
	cmpl $(0xc0de0000 + \id + \@), \form
	CHK32 (\id * 0x10000 + \@)
	.endm

	/* Every base with every index and scale, with no, 8-bit and 32-bit displacement. */
	.macro SIB_ALL
	.irp base, eax, ecx, edx, ebx, esp, ebp, esi, edi
	.irp index, eax, ecx, edx, ebx, ebp, esi, edi
	.irp scale, 1, 2, 4, 8
	M32 0x1000, "(%\base,%\index,\scale)", (v_\base + v_\index * \scale)
	M32 0x2000, "-0x40(%\base,%\index,\scale)", (v_\base + v_\index * \scale - 0x40)
	M32 0x3000, "0x12345(%\base,%\index,\scale)", (v_\base + v_\index * \scale + 0x12345)
	.endr
	.endr
	.endr
	.endm

	.code32
pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $0x7000, %esp
	POST32 0x61
	mov %cr0, %eax
	and $1, %eax
	cmp $1, %eax
	CHK32 0x61

	POST32 0x62
	mov $v_eax, %eax
	mov $v_ecx, %ecx
	mov $v_edx, %edx
	mov $v_ebx, %ebx
	mov $v_ebp, %ebp
	mov $v_esi, %esi
	mov $v_edi, %edi
	/* ModRM without SIB: every base register, with each displacement size. */
	.irp base, eax, ecx, edx, ebx, ebp, esi, edi
	M32 0x100, (%\base), v_\base
	M32 0x200, 0x7f(%\base), (v_\base + 0x7f)
	M32 0x300, -0x80(%\base), (v_\base - 0x80)
	M32 0x400, 0x23456(%\base), (v_\base + 0x23456)
	.endr
	/* Absolute disp32 (mod 0, r/m 5), and SIB with no base (index*scale + disp32). */
	M32 0x500, 0x9abc, 0x9abc
	.irp index, eax, ecx, edx, ebx, ebp, esi, edi
	.irp scale, 1, 2, 4, 8
	M32 0x600, "0x100(,%\index,\scale)", (v_\index * \scale + 0x100)
	.endr
	.endr
	/* ESP as a base (SIB only). */
	M32 0x700, (%esp), v_esp
	M32 0x701, 8(%esp), (v_esp + 8)
	POST32 0x63
	SIB_ALL
	/* lea computes the same addresses without touching memory. */
	lea 0x10(%ebx,%esi,4), %eax
	cmp $(v_ebx + v_esi * 4 + 0x10), %eax
	CHK32 0x800

	/* ---- protected mode -> real mode ---- */
	POST32 0x70
	ljmp $0x18, $ROM(pm16)

	/* fail32 reports check EAX as failed and exits. */
fail32:
	mov %eax, %ebx
	mov $LIN(msg_fail), %esi
1:	lodsb
	test %al, %al
	jz 2f
	out %al, $CON_PORT
	jmp 1b
2:	mov $28, %ecx
3:	mov %ebx, %eax
	shr %cl, %eax
	and $0xf, %al
	add $'0', %al
	cmp $'9', %al
	jbe 4f
	add $7, %al
4:	out %al, $CON_PORT
	sub $4, %ecx
	jns 3b
	mov $'\n', %al
	out %al, $CON_PORT
	mov $EXIT_FAIL, %al
	out %al, $EXIT_PORT
	hlt
	jmp fail32

	.code16
pm16:
	/* 16-bit protected mode: load 64 KB data segments, but leave GS with a 4 GB limit. */
	mov $0x20, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov $0x28, %ax
	mov %ax, %gs
	mov %cr0, %eax
	and $~1, %eax
	mov %eax, %cr0
	ljmp $0xf000, $ROM(real_again)
real_again:
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov $0x7000, %sp
	POST 0x71
	mov %cr0, %eax
	test $1, %al
	CHK16 0x71
	/* Interrupts through the IVT work again. */
	xor %ax, %ax
	int $0x30
	cmp $0x5a5a, %ax
	CHK16 0x72
	/* GS kept its 4 GB limit ("unreal" mode): a 32-bit address above 1 MB works. */
	mov $0x200000, %ebx
	movl $0xcafebabe, %gs:(%ebx)
	mov %gs:(%ebx), %eax
	cmp $0xcafebabe, %eax
	CHK16 0x73

	POST 0x7f
	mov $ROM(msg_pass), %si
	call puts16
	mov $EXIT_PASS, %al
	out %al, $EXIT_PORT
	hlt
	jmp .

	.p2align 3
gdt:
	.quad 0
	.word 0xffff, 0x0000		/* 0x08: 32-bit code, base 0xF0000, 4 GB */
	.byte 0x0f, 0x9a, 0xcf, 0x00
	.word 0xffff, 0x0000		/* 0x10: 32-bit data, base 0, 4 GB */
	.byte 0x00, 0x92, 0xcf, 0x00
	.word 0xffff, 0x0000		/* 0x18: 16-bit code, base 0xF0000, 64 KB */
	.byte 0x0f, 0x9a, 0x00, 0x00
	.word 0xffff, 0x0000		/* 0x20: 16-bit data, base 0, 64 KB */
	.byte 0x00, 0x92, 0x00, 0x00
	.word 0xffff, 0x0000		/* 0x28: data, base 0, 4 GB (for unreal mode) */
	.byte 0x00, 0x92, 0x8f, 0x00
gdt_end:
gdtdesc:
	.word gdt_end - gdt - 1
	.long LIN(gdt)

msg_start:	.asciz "rom_real: start\n"
msg_pass:	.asciz "rom_real: PASS\n"
msg_fail:	.asciz "rom_real: FAIL check 0x"

	.section .reset, "ax"
	.code16
reset:
	ljmp $0xf000, $ROM(start)
	.fill 16 - (. - reset), 1, 0xf4
