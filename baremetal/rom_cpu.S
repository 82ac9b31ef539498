/* rom_cpu: a 64 KB ROM run from reset that checks what a 386 test ROM's later stages check:
 * segment registers pushed and popped on 16-bit stacks (SP wraps at 64 KB, ESP[31:16] is
 * kept, pop ss moves SP by the old stack's size), pushf/popf, pusha/popa, enter/leave, near
 * and far calls and iret on 16-bit stacks, segment limits (LSL/LAR/VERR/VERW and the #GP and
 * #SS they raise, expand-down segments), 16-bit interrupt and trap gates on 16- and 32-bit
 * stacks, and task switches (jmp, call and iret, task gates for int n and for a fault with an
 * error code pushed on the new task's 16-bit stack).
 *
 * Progress goes to POST_PORT, text to CON_PORT. Every check also goes to TABLE_PORT as a
 * 5-byte record (check id, then the 32-bit value observed, little-endian), so a runner can
 * compare the whole table with another CPU's. The ROM compares each value with what the SDM
 * gives and lists the differences at the end; the exit is EXIT_PASS or EXIT_FAIL.
 *
 * The byte at SKIP (in RAM, 0 after reset) lets a runner leave out stages its CPU cannot
 * run: bit 0 the limit faults, bit 1 the interrupt gates, bit 2 the task switches (all need
 * exceptions or interrupts delivered through the IDT; Unicorn hands them to a hook). */
#include "ports.h"
#define ROM(x) (x)
#define LIN(x) ((x) + 0xF0000)
#define TABLE_PORT 0x198

/* RAM. */
#define SKIP     0x4F0		/* stages to leave out (see above) */
#define SAVE_EAX 0x500		/* REC's scratch */
#define SAVE_EDX 0x504
#define REC_V    0x508
#define NFAIL    0x50C		/* failed checks so far */
#define FAULTS   0x510		/* set by the fault handlers: vector + 1 */
#define F_ERR    0x514		/* error code */
#define F_SP     0x518		/* ESP in the handler */
#define F_IP     0x51C		/* the return address in the frame */
#define F_CS     0x520		/* the CS in the frame */
#define SKIPLEN  0x524		/* bytes the #GP/#SS handlers skip */
#define HSAVE    0x528		/* handlers' scratch */
#define HSAVE2   0x52C
#define FAILS    0x600		/* failed checks: (id, value) pairs */
#define GDT_RAM  0x1000		/* the GDT, copied from the ROM (the CPU writes busy and accessed bits) */
#define IDT_RAM  0x2000
#define TSS_MAIN 0x3000
#define TSS_B    0x3100
#define TSS_C    0x3200
#define TSS_D    0x3300
#define STK16    0x20000	/* base of the 16-bit (0x20) and 32-bit (0x28) test stacks */

	.macro POST code
	push %eax
	push %edx
	mov $\code, %al
	mov $POST_PORT, %dx
	out %al, %dx
	pop %edx
	pop %eax
	.endm

	/* REC id, val, want: send the record (id, val) to TABLE_PORT and note a failure if val
	 * is not want. Uses no stack (the stack is often what is under test), keeps every
	 * register but the flags; needs DS with base 0. Works in 16- and 32-bit code. */
	.macro REC id, val, want
	movl %eax, SAVE_EAX
	movl %edx, SAVE_EDX
	movl \val, %eax
	movl %eax, REC_V
	mov $TABLE_PORT, %dx
	movb $\id, %al
	outb %al, %dx
	movl REC_V, %eax
	outb %al, %dx
	shr $8, %eax
	outb %al, %dx
	shr $8, %eax
	outb %al, %dx
	shr $8, %eax
	outb %al, %dx
	movl REC_V, %eax
	cmpl $\want, %eax
	je .Lrec\@
	movl NFAIL, %eax
	movl $\id, FAILS(,%eax,8)
	movl REC_V, %edx
	movl %edx, FAILS+4(,%eax,8)
	incl NFAIL
.Lrec\@:
	movl SAVE_EAX, %eax
	movl SAVE_EDX, %edx
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
	mov $0x7000, %esp
	movl $0, NFAIL
#ifdef QEMU_COMPAT
	orb $1, SKIP			/* QEMU's TCG checks no segment limits */
#endif
	POST 0x01
	mov $ROM(msg_start), %si
1:	mov %cs:(%si), %al
	test %al, %al
	jz 2f
	out %al, $CON_PORT
	inc %si
	jmp 1b
2:

	/* ---- real mode: segment registers on the 16-bit stack, SP wraps, ESP[31:16] kept ---- */
	POST 0x10
	mov $0x1000, %ax
	mov %ax, %ss
	mov $0x12340000, %esp
	mov $0x2345, %ax
	mov %ax, %es
	push %es			/* SP 0 -> 0xFFFE */
	REC 0x10, %esp, 0x1234fffe
	movzwl %ss:0xfffe, %ecx
	REC 0x11, %ecx, 0x2345
	pushl %es			/* o32: SP -> 0xFFFA, the selector in the low word */
	REC 0x12, %esp, 0x1234fffa
	movzwl %ss:0xfffa, %ecx
	REC 0x13, %ecx, 0x2345
	mov $0xfffc, %sp
	movl $0x1000, %ss:0xfffc
	popl %ss			/* o32 pop ss at 0xFFFC: SP wraps to 0 */
	REC 0x14, %esp, 0x12340000
	mov $0xfffe, %sp
	movw $0x3456, %ss:0xfffe
	pop %es				/* SP 0xFFFE -> 0 */
	REC 0x15, %esp, 0x12340000
	mov %es, %cx
	movzwl %cx, %ecx
	REC 0x16, %ecx, 0x3456
	mov $4, %sp
	pusha				/* eight words from SP=4 down across 0 */
	REC 0x17, %esp, 0x1234fff4
	movzwl %ss:0xfffa, %ecx		/* the SP slot holds the SP before pusha */
	REC 0x18, %ecx, 4
	popa
	REC 0x19, %esp, 0x12340004
	xor %ax, %ax
	mov %ax, %ss
	mov %ax, %es
	mov $0x7000, %esp

	/* ---- to protected mode: the GDT into RAM, an IDT in RAM ---- */
	POST 0x1f
	mov $0xf000, %ax
	mov %ax, %ds
	mov $ROM(gdt), %si
	mov $GDT_RAM, %di
	mov $(gdt_end - gdt), %cx
	rep movsb
	xor %ax, %ax
	mov %ax, %ds
	lgdtl %cs:ROM(gdtdesc)
	lidtl %cs:ROM(idtdesc)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $ROM(pm32)

	.code32
	.macro SETGATE vec, sel, off, type
	movw $\off, IDT_RAM+\vec*8
	movw $\sel, IDT_RAM+\vec*8+2
	movw $(0x8000 | (\type << 8)), IDT_RAM+\vec*8+4
	movw $0, IDT_RAM+\vec*8+6
	.endm

	.macro FLAT
	mov $0x10, %ax
	mov %ax, %ss
	mov $0x9000, %esp
	.endm

pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	FLAT
	SETGATE 12, 0x18, ROM(h16_ss), 6	/* #SS: 16-bit interrupt gate, 16-bit handler */
	SETGATE 13, 0x08, ROM(h32_gp), 0xe	/* #GP: 32-bit interrupt gate */
	SETGATE 0x40, 0x18, ROM(h16_int), 7	/* 16-bit trap gate */
	SETGATE 0x41, 0x18, ROM(h16_int), 6	/* 16-bit interrupt gate */
	SETGATE 0x42, 0x08, ROM(h32_int), 0xe	/* 32-bit interrupt gate */
	SETGATE 0x50, 0x50, 0, 5		/* task gate: TSS C */
	SETGATE 11, 0x58, 0, 5			/* #NP: task gate, TSS D */

	/* ---- protected mode, 16-bit stack (SS 0x20, B=0) ---- */
	POST 0x20
	mov $0x20, %ax
	mov %ax, %ss
	mov $0xabcd0004, %esp
	pushl %ds			/* SP 4 -> 0 */
	REC 0x20, %esp, 0xabcd0000
	movzwl STK16, %ecx
	REC 0x21, %ecx, 0x10
	pushw %fs			/* SP 0 -> 0xFFFE */
	REC 0x22, %esp, 0xabcdfffe
	movzwl STK16+0xfffe, %ecx
	REC 0x23, %ecx, 0x10
	popw %gs			/* -> 0 */
	REC 0x24, %esp, 0xabcd0000
	popl %es			/* -> 4 */
	REC 0x25, %esp, 0xabcd0004
	mov %es, %cx
	movzwl %cx, %ecx
	REC 0x26, %ecx, 0x10
	/* o32 pop ss from the 16-bit stack to the 32-bit one at SP=0xFFFC: only SP moves. */
	movl $0x28, STK16+0xfffc
	mov $0xabcdfffc, %esp
	popl %ss
	REC 0x27, %esp, 0xabcd0000
	mov %ss, %cx
	movzwl %cx, %ecx
	REC 0x28, %ecx, 0x28
	/* o32 pop ss from the 32-bit stack to the 16-bit one: ESP moves by 4 in 32 bits. */
	mov $0xfff0, %esp
	movl $0x20, STK16+0xfff0
	popl %ss
	REC 0x29, %esp, 0xfff4
	mov $0xcafef00d, %eax
	pushl %eax			/* on the 16-bit stack now */
	REC 0x2a, %esp, 0xfff0
	REC 0x2b, STK16+0xfff0, 0xcafef00d
	/* o16 pop ss from 16-bit to 32-bit at SP=0xFFFE. */
	movw $0x28, STK16+0xfffe
	mov $0x5555fffe, %esp
	popw %ss
	REC 0x2c, %esp, 0x55550000
	mov $0x20, %ax
	mov %ax, %ss
	/* pushf/popf across the wrap. */
	mov $0x77770000, %esp
	pushfw
	REC 0x2d, %esp, 0x7777fffe
	popfw
	REC 0x2e, %esp, 0x77770000
	pushfl
	REC 0x2f, %esp, 0x7777fffc
	popfl
	REC 0x30, %esp, 0x77770000
	/* enter with nesting and leave, 16-bit operands, across the wrap. */
	movw $0x4242, STK16+0xfe
	mov $0x11110004, %esp
	mov $0x99990100, %ebp
	enterw $8, $2
	REC 0x31, %esp, 0x1111fff6
	REC 0x32, %ebp, 0x99990002
	movzwl STK16, %ecx
	REC 0x33, %ecx, 0x4242		/* the outer frame pointer copied from [BP-2] */
	movzwl STK16+0xfffe, %ecx
	REC 0x34, %ecx, 2		/* FrameTemp */
	movzwl STK16+2, %ecx
	REC 0x35, %ecx, 0x100		/* the old BP */
	leavew
	REC 0x36, %esp, 0x11110004
	REC 0x37, %ebp, 0x99990100
	/* Far call and return. */
	mov $0x22220000, %esp
	lcall $0x08, $ROM(farsub32)
far_back:
	REC 0x39, %esp, 0x22220000
	/* iret, 16- and 32-bit. */
	mov $0x33330002, %esp
	pushfw
	pushw %cs
	pushw $ROM(iret16_back)
	iretw
iret16_back:
	REC 0x3b, %esp, 0x33330002
	mov $0x33330004, %esp
	pushfl
	pushl %cs
	pushl $ROM(iret32_back)
	iretl
iret32_back:
	REC 0x3c, %esp, 0x33330004
	/* pushal/popal: the ESP slot holds the whole ESP. */
	mov $0x44440010, %esp
	pushal
	REC 0x3d, %esp, 0x4444fff0
	REC 0x3e, STK16+0xfffc, 0x44440010
	popal
	REC 0x3f, %esp, 0x44440010
	/* A 16-bit near call and return. */
	mov $0x66660002, %esp
	callw nearsub16
near_back:
	REC 0x41, %esp, 0x66660002
	FLAT

	/* ---- segment limits: LSL, LAR, VERR, VERW ---- */
	POST 0x30
	mov $0x30, %ecx
	lsl %cx, %eax
	REC 0x43, %eax, 0xfff
	mov $0x28, %ecx
	lsl %cx, %eax
	REC 0x44, %eax, 0xffffffff
	mov $0x20, %ecx
	lsl %cx, %eax
	REC 0x45, %eax, 0xffff
	mov $0x40, %ecx
	lsl %cx, %eax
	REC 0x46, %eax, 0x67
	mov $0x38, %ecx
	lar %cx, %eax
	REC 0x47, %eax, 0x9700
	xor %eax, %eax
	mov $0x18, %ecx
	verr %cx
	setz %al
	REC 0x48, %eax, 1
	verw %cx
	setz %al
	REC 0x49, %eax, 0
	mov $0x30, %ecx
	verw %cx
	setz %al
	REC 0x4a, %eax, 1

	/* ---- segment limits: the faults ---- */
	testb $1, SKIP
	jnz limits_done
	POST 0x38
	mov $0x30, %ax			/* base 0x30000, limit 0xFFF */
	mov %ax, %fs
	movl $0, FAULTS
	movl %fs:0xffc, %eax		/* the last dword: fine */
	REC 0x50, FAULTS, 0
	movl $(2f - 1f), SKIPLEN
1:	movl %fs:0xffd, %eax		/* one byte past: #GP(0) */
2:	REC 0x51, FAULTS, 14
	REC 0x52, F_ERR, 0
	mov $0x38, %ax			/* expand-down, limit 0xFFF: offsets 0x1000-0xFFFF */
	mov %ax, %gs
	movl $0, FAULTS
	movb %gs:0x1000, %al
	REC 0x53, FAULTS, 0
	movl $(2f - 1f), SKIPLEN
1:	movb %gs:0xfff, %al
2:	REC 0x54, FAULTS, 14
	movl $0, FAULTS
	movl $(2f - 1f), SKIPLEN
1:	movw %gs:0xffff, %ax		/* runs past 0xFFFF */
2:	REC 0x55, FAULTS, 14
	movl $0, FAULTS
	movl $(2f - 1f), SKIPLEN
	mov $0x6b, %ax			/* past the GDT limit: #GP(0x68) */
1:	mov %ax, %fs
2:	REC 0x56, FAULTS, 14
	REC 0x57, F_ERR, 0x68
	mov $0x10, %ax
	mov %ax, %fs
	mov %ax, %gs
	/* #SS: a dword push across a 16-bit stack's limit (SP=2), delivered through a 16-bit
	 * interrupt gate on the same stack (its words fit: 0, 0xFFFE, 0xFFFC, 0xFFFA). */
	mov $0x20, %ax
	mov %ax, %ss
	mov $0xabcd0002, %esp
	movl $0, FAULTS
	movl $(ss_push_end - ss_push), SKIPLEN
ss_push:
	pushl %eax
ss_push_end:
	REC 0x58, FAULTS, 13
	REC 0x59, F_ERR, 0
	REC 0x5a, F_SP, 0xabcdfffa
	REC 0x5b, F_IP, ROM(ss_push)
	REC 0x5c, %esp, 0xabcd0002
	FLAT
limits_done:

	/* ---- 16-bit interrupt and trap gates ---- */
	testb $2, SKIP
	jnz gates_done
	POST 0x40
	mov $0x20, %ax			/* 16-bit trap gate, 16-bit stack, SP=4 */
	mov %ax, %ss
	mov $0x5a5a0004, %esp
	int $0x40
int40_back:
	REC 0x60, F_SP, 0x5a5afffe
	REC 0x61, F_IP, ROM(int40_back)
	REC 0x62, F_CS, 0x08
	REC 0x63, %esp, 0x5a5a0004
	mov $0x28, %ax			/* 16-bit interrupt gate, 32-bit stack */
	mov %ax, %ss
	mov $0x10000, %esp
	int $0x41
int41_back:
	REC 0x64, F_SP, 0xfffa
	REC 0x65, F_IP, ROM(int41_back)
	REC 0x66, %esp, 0x10000
	mov $0x20, %ax			/* 32-bit interrupt gate, 16-bit stack, SP=8 */
	mov %ax, %ss
	mov $0x3c3c0008, %esp
	int $0x42
int42_back:
	REC 0x67, F_SP, 0x3c3cfffc
	REC 0x68, F_IP, ROM(int42_back)
	REC 0x69, %esp, 0x3c3c0008
	FLAT
gates_done:

	/* ---- task switches ---- */
	testb $4, SKIP
	jnz tasks_done
	POST 0x50
	mov $0x40, %ax
	ltr %ax
	/* jmp to task B and back by jmp. */
	mov $TSS_B, %edi
	mov $ROM(taskB), %eax
	mov $0x10, %ecx
	mov $0x8000, %edx
	call init_tss
	mov $0x12121212, %ebx
	ljmp $0x48, $0
	clts
	REC 0x74, %ebx, 0x12121212
	REC 0x75, TSS_B+0x20, ROM(taskB_back)	/* B's EIP saved when it left */
	/* call task B, which returns with iret (NT). */
	mov $TSS_B, %edi
	mov $ROM(taskB2), %eax
	mov $0x10, %ecx
	mov $0x8000, %edx
	call init_tss
	lcall $0x48, $0
	pushfl
	popl %eax
	and $0x4000, %eax
	REC 0x78, %eax, 0
	movzbl GDT_RAM+0x48+5, %eax
	and $2, %eax
	REC 0x79, %eax, 0			/* B is no longer busy */
	/* int n through a task gate: task C on a 16-bit stack. */
	mov $TSS_C, %edi
	mov $ROM(taskC), %eax
	mov $0x20, %ecx
	mov $0x7e7e0004, %edx
	call init_tss
	int $0x50
	str %ax
	movzwl %ax, %eax
	REC 0x7c, %eax, 0x40
	/* A fault with an error code through a task gate: task D's 16-bit stack gets it. */
	mov $TSS_D, %edi
	mov $ROM(taskD), %eax
	mov $0x20, %ecx
	mov $0x6d6d0004, %edx
	call init_tss
	mov $0x60, %ax			/* not present: #NP(0x60); task D marks it present */
	mov %ax, %fs
	mov %fs, %cx
	movzwl %cx, %ecx
	REC 0x7f, %ecx, 0x60
	mov $0x10, %ax
	mov %ax, %fs
	clts
tasks_done:

	/* ---- real mode with a 32-bit stack segment still cached (B=1): ESP moves ---- */
	FLAT
	POST 0x60
	ljmp $0x18, $ROM(to_real16)
	.code16
to_real16:
	mov $0x28, %ax
	mov %ax, %ss
	mov $0x10000, %esp
	mov %cr0, %eax
	and $~1, %eax
	mov %eax, %cr0
	ljmp $0xf000, $ROM(real_big)
real_big:
	mov $0x5aa5, %ax
	push %ax
	REC 0x90, %esp, 0xfffe
	movzwl %ss:(%esp), %ecx
	REC 0x91, %ecx, 0x5aa5
	pop %cx
	REC 0x92, %esp, 0x10000
	testb $2, SKIP
	jnz 1f
	movw $ROM(real_int60), 0x60*4	/* an IVT interrupt pushes on the 32-bit stack too */
	movw $0xf000, 0x60*4+2
	lidtl %cs:ROM(ivtdesc)		/* real mode takes the IVT from IDTR too */
	int $0x60
	REC 0x94, %esp, 0x10000
1:	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	lidtl %cs:ROM(idtdesc)
	ljmpl $0x08, $ROM(report_pm)
real_int60:
	REC 0x93, %esp, 0xfffa
	iret
	.code32
report_pm:

	/* ---- the end: list the failed checks ---- */
	FLAT
	POST 0x7f
	xor %ebx, %ebx
report:
	cmp NFAIL, %ebx
	jae reported
	mov $LIN(msg_fail), %esi
	call puts32
	movzbl FAILS(,%ebx,8), %eax
	mov $8, %ecx
	call puthex32
	mov $LIN(msg_got), %esi
	call puts32
	mov FAILS+4(,%ebx,8), %eax
	mov $32, %ecx
	call puthex32
	mov $'\n', %al
	out %al, $CON_PORT
	inc %ebx
	jmp report
reported:
	cmpl $0, NFAIL
	jne 1f
	mov $LIN(msg_pass), %esi
	call puts32
	mov $EXIT_PASS, %al
	out %al, $EXIT_PORT
	hlt
	jmp .
1:	mov $EXIT_FAIL, %al
	out %al, $EXIT_PORT
	hlt
	jmp .

/* puts32 writes the NUL-terminated string at ESI (linear) to the console. */
puts32:
	lodsb
	test %al, %al
	jz 1f
	out %al, $CON_PORT
	jmp puts32
1:	ret

/* puthex32 writes the low ECX bits of EAX in hex. */
puthex32:
	mov %eax, %edx
1:	sub $4, %ecx
	js 3f
	mov %edx, %eax
	shr %cl, %eax
	and $0xf, %al
	add $'0', %al
	cmp $'9', %al
	jbe 2f
	add $7, %al
2:	out %al, $CON_PORT
	jmp 1b
3:	ret

/* init_tss fills the 32-bit TSS at EDI for a task starting at EIP=EAX with SS=CX, ESP=EDX,
 * CS 0x08, data segments 0x10, EBX 0x0B0B0B0B, EFLAGS 2. */
init_tss:
	push %eax
	push %ecx
	push %edi
	xor %eax, %eax
	mov $0x68/4, %ecx
	rep stosl
	pop %edi
	pop %ecx
	pop %eax
	mov %eax, 0x20(%edi)
	movl $2, 0x24(%edi)
	movl $0x0b0b0b0b, 0x34(%edi)
	mov %edx, 0x38(%edi)
	movl $0x10, 0x48(%edi)
	movl $0x08, 0x4c(%edi)
	mov %ecx, 0x50(%edi)
	movl $0x10, 0x54(%edi)
	movl $0x10, 0x58(%edi)
	movl $0x10, 0x5c(%edi)
	movw $0x68, 0x66(%edi)
	ret

farsub32:
	REC 0x38, %esp, 0x2222fff8
	REC 0x3a, STK16+0xfff8, ROM(far_back)
	lret

nearsub16:
	REC 0x40, %esp, 0x66660000
	movzwl STK16, %ecx
	REC 0x42, %ecx, ROM(near_back)
	retw

/* Task B (jmp): its TR, EBX from its TSS, CR0.TS, the old task no longer busy. */
taskB:
	str %ax
	movzwl %ax, %eax
	REC 0x70, %eax, 0x48
	REC 0x71, %ebx, 0x0b0b0b0b
	mov %cr0, %eax
	and $8, %eax
	REC 0x72, %eax, 8
	movzbl GDT_RAM+0x40+5, %eax
	and $2, %eax
	REC 0x73, %eax, 0
	ljmp $0x40, $0
taskB_back:
	jmp taskB_back

/* Task B (call): NT set, the back link names the caller; iret returns to it. */
taskB2:
	pushfl
	popl %eax
	and $0x4000, %eax
	REC 0x76, %eax, 0x4000
	movzwl TSS_B, %eax
	REC 0x77, %eax, 0x40
	iretl
	jmp taskB2

/* Task C (int $0x50 through a task gate): nothing pushed on its 16-bit stack. */
taskC:
	REC 0x7a, %esp, 0x7e7e0004
	pushfl
	popl %eax
	and $0x4000, %eax
	REC 0x7b, %eax, 0x4000
	iretl
	jmp taskC

/* Task D (#NP through a task gate): the error code is a dword at SP=0 of its 16-bit
 * stack; it makes the descriptor present, and the faulting load runs again. */
taskD:
	REC 0x7d, %esp, 0x6d6d0000
	REC 0x7e, STK16, 0x60
	orb $0x80, GDT_RAM+0x60+5
	iretl
	jmp taskD

/* #GP through a 32-bit interrupt gate (flat stack): note it, skip SKIPLEN bytes. */
h32_gp:
	movl %eax, HSAVE
	movl $14, FAULTS
	popl %eax
	movl %eax, F_ERR
	movl SKIPLEN, %eax
	addl %eax, (%esp)
	movl HSAVE, %eax
	iretl

/* int $0x42 through a 32-bit interrupt gate, on a 16-bit stack: EIP is at SS:SP. */
h32_int:
	movl %eax, HSAVE
	movl %ebp, HSAVE2
	movl %esp, F_SP
	movzwl %sp, %ebp
	movl (%ebp), %eax
	movl %eax, F_IP
	movl HSAVE2, %ebp
	movl HSAVE, %eax
	iretl

	.code16
/* #SS through a 16-bit interrupt gate (16-bit code): error code, IP, CS, FLAGS words. */
h16_ss:
	movl %eax, HSAVE
	movl %ebp, HSAVE2
	movl $13, FAULTS
	movl %esp, F_SP
	mov %sp, %bp
	movzwl (%bp), %eax
	movl %eax, F_ERR
	movzwl 2(%bp), %eax
	movl %eax, F_IP
	mov SKIPLEN, %ax
	add %ax, 2(%bp)
	movl HSAVE2, %ebp
	movl HSAVE, %eax
	add $2, %sp
	iretw

/* int $0x40/$0x41 through 16-bit gates (16-bit code): IP, CS, FLAGS words. */
h16_int:
	movl %eax, HSAVE
	movl %ebp, HSAVE2
	movl %esp, F_SP
	mov %sp, %bp
	movzwl (%bp), %eax
	movl %eax, F_IP
	movzwl 2(%bp), %eax
	movl %eax, F_CS
	movl HSAVE2, %ebp
	movl HSAVE, %eax
	iretw

	.p2align 3
gdt:
	.quad 0
	.word 0xffff, 0x0000		/* 0x08: 32-bit code, base 0xF0000, 4 GB */
	.byte 0x0f, 0x9b, 0xcf, 0x00
	.word 0xffff, 0x0000		/* 0x10: 32-bit data, base 0, 4 GB */
	.byte 0x00, 0x93, 0xcf, 0x00
	.word 0xffff, 0x0000		/* 0x18: 16-bit code, base 0xF0000, 64 KB */
	.byte 0x0f, 0x9b, 0x00, 0x00
	.word 0xffff, 0x0000		/* 0x20: 16-bit stack (B=0), base 0x20000, 64 KB */
	.byte 0x02, 0x93, 0x00, 0x00
	.word 0xffff, 0x0000		/* 0x28: 32-bit stack (B=1), base 0x20000, 4 GB */
	.byte 0x02, 0x93, 0xcf, 0x00
	.word 0x0fff, 0x0000		/* 0x30: data, base 0x30000, limit 0xFFF */
	.byte 0x03, 0x93, 0x00, 0x00
	.word 0x0fff, 0x0000		/* 0x38: expand-down data, base 0x40000, limit 0xFFF, B=0 */
	.byte 0x04, 0x97, 0x00, 0x00
	.word 0x0067, TSS_MAIN		/* 0x40: TSS (the ROM's own task) */
	.byte 0x00, 0x89, 0x00, 0x00
	.word 0x0067, TSS_B		/* 0x48: TSS B */
	.byte 0x00, 0x89, 0x00, 0x00
	.word 0x0067, TSS_C		/* 0x50: TSS C */
	.byte 0x00, 0x89, 0x00, 0x00
	.word 0x0067, TSS_D		/* 0x58: TSS D */
	.byte 0x00, 0x89, 0x00, 0x00
	.word 0xffff, 0x0000		/* 0x60: data, not present */
	.byte 0x00, 0x13, 0xcf, 0x00
gdt_end:
gdtdesc:
	.word gdt_end - gdt - 1
	.long GDT_RAM
idtdesc:
	.word 0x7ff
	.long IDT_RAM
ivtdesc:
	.word 0x3ff
	.long 0

msg_start:	.asciz "rom_cpu: start\n"
msg_pass:	.asciz "rom_cpu: PASS\n"
msg_fail:	.asciz "rom_cpu: FAIL check 0x"
msg_got:	.asciz " got 0x"

	.section .reset, "ax"
	.code16
reset:
	ljmp $0xf000, $ROM(start)
	.fill 16 - (. - reset), 1, 0xf4
