# Boot sector for pc tests: protected mode, an IDT with a LAPIC timer handler on
# vector 32, a one-shot timer of TICR=100,000,000 at divide-by-128 (12.8 s of virtual
# time at 1 GHz), then sti; hlt. The handler prints 'T'; after waking, 'W' and power off.
	.code16
	.globl start
start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	lgdt	gdtdesc
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmp	$0x08, $pm32

	.code32
pm32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$0x7000, %esp
	# IDT entry 32: interrupt gate to tick.
	movl	$tick, %eax
	movw	%ax, idt+32*8
	movw	$0x08, idt+32*8+2
	movw	$0x8E00, idt+32*8+4
	shrl	$16, %eax
	movw	%ax, idt+32*8+6
	lidt	idtdesc
	movl	$0x1FF, 0xFEE000F0       # SVR: enable
	movl	$0xA, 0xFEE003E0         # TDCR: divide by 128
	movl	$32, 0xFEE00320          # TIMER: one-shot, vector 32
	movl	$100000000, 0xFEE00380   # TICR
	sti
	hlt
	cli
	movw	$0x3F8, %dx
	movb	$'W', %al
	outb	%al, %dx
	movw	$0x604, %dx
	movw	$0x2000, %ax
	outw	%ax, %dx
	hlt

tick:
	pushl	%eax
	pushl	%edx
	movw	$0x3F8, %dx
	movb	$'T', %al
	outb	%al, %dx
	movl	$0, 0xFEE000B0           # EOI
	popl	%edx
	popl	%eax
	iret

	.p2align 3
gdt:
	.quad	0
	.quad	0x00CF9A000000FFFF
	.quad	0x00CF92000000FFFF
gdtdesc:
	.word	gdtdesc - gdt - 1
	.long	gdt
idtdesc:
	.word	256*8 - 1
	.long	idt

	.org	510
	.byte	0x55, 0xAA
	.set	idt, 0x1000
