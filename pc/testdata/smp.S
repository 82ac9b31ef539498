# Boot sector for pc tests: switches to protected mode, starts every other CPU with
# INIT and two STARTUP IPIs (the second must be ignored), waits until each has
# counted itself in, prints the count on COM1 and powers off through port 0x604.
# The INIT de-assert broadcast, self included, that xv6 sends must be ignored too.
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
	movl	$0, 0x9000
	# The AP trampoline goes to 0x8000 (STARTUP vector 8).
	movl	$ap16, %esi
	movl	$0x8000, %edi
	movl	$(ap16_end - ap16), %ecx
	rep movsb
	# Number of CPUs from fw_cfg (key 5).
	movw	$0x510, %dx
	movw	$5, %ax
	outw	%ax, %dx
	movw	$0x511, %dx
	inb	%dx, %al
	movzbl	%al, %ebx
	decl	%ebx
	movl	$0x1FF, 0xFEE000F0       # SVR: enable the APIC
	movl	$0x88500, 0xFEE00300     # INIT de-assert, all including self: ignored
	movl	$0xC4500, 0xFEE00300     # INIT, all excluding self
	movl	$0xC4608, 0xFEE00300     # STARTUP vector 8
	movl	$0xC4608, 0xFEE00300     # STARTUP again: ignored by started CPUs
wait:
	cmpl	%ebx, 0x9000
	jne	wait
	movw	$0x3F8, %dx
	movb	0x9000, %al
	addb	$'0', %al
	outb	%al, %dx
	movb	$'\n', %al
	outb	%al, %dx
	movw	$0x604, %dx
	movw	$0x2000, %ax
	outw	%ax, %dx
	hlt

	.code16
ap16:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	lock incw 0x9000
1:	hlt
	jmp	1b
ap16_end:

	.p2align 3
gdt:
	.quad	0
	.quad	0x00CF9A000000FFFF
	.quad	0x00CF92000000FFFF
gdtdesc:
	.word	gdtdesc - gdt - 1
	.long	gdt

	.org	510
	.byte	0x55, 0xAA
