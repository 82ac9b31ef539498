# Boot sector for pc tests: writes "post" to port 0x190, 0x2A to port 0xE9 and 0x21 to
# isa-debug-exit at 0xF4 (exit status 0x43).
	.code16
	.globl start
start:
	movw	$0x190, %dx
	movb	$'p', %al
	outb	%al, %dx
	movb	$'o', %al
	outb	%al, %dx
	movb	$'s', %al
	outb	%al, %dx
	movb	$'t', %al
	outb	%al, %dx
	movb	$0x2A, %al
	outb	%al, $0xE9
	movl	$0x21, %eax
	outl	%eax, $0xF4
	hlt
	.org	510
	.byte	0x55, 0xAA
