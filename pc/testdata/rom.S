# A 64 KB ROM for pc tests (-bios). From the reset vector (F000:FFF0) it checks that
# the low alias at F0000 holds the same bytes as the one it runs from, that RAM below
# 0xA0000 is writable and that the ROM is not, sending POST codes 1, 2, 3 to port 0x190
# on the way; it prints "rom" on port 0xE9 and exits through isa-debug-exit (port 0xF4)
# with 3 (status 7), or 1 (status 3) on a failure.
	.code16
	.text
	.globl	start
start:
	cli
	movw	$0x190, %dx              # POST codes 1, 2, 3 on port 0x190
	movb	$1, %al
	outb	%al, %dx
	movw	$0xF000, %ax
	movw	%ax, %ds
	cmpb	$0xEA, 0xFFF0            # the reset vector's far jump, read through F0000
	jne	bad
	movb	$0x55, 0x10              # ROM write: must not stick
	cmpb	$0x55, 0x10
	je	bad
	movw	$0x190, %dx
	movb	$2, %al
	outb	%al, %dx
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	$0x1234, 0x9000          # RAM write
	cmpw	$0x1234, 0x9000
	jne	bad
	movw	$0x190, %dx
	movb	$3, %al
	outb	%al, %dx
	movb	$'r', %al
	outb	%al, $0xE9
	movb	$'o', %al
	outb	%al, $0xE9
	movb	$'m', %al
	outb	%al, $0xE9
	movw	$3, %ax
	outw	%ax, $0xF4
	hlt
bad:
	movw	$1, %ax
	outw	%ax, $0xF4
	hlt

	.org	0xFFF0
reset:
	ljmp	$0xF000, $start          # to the low alias, as a real BIOS does
	.org	0x10000
