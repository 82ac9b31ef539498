# Boot sector for pc tests: writes its own 512 bytes to sectors 8-15 of disk 0, one
# WRITE SECTORS each. If a write ends with ERR it sends the error register to
# isa-debug-exit at 0xF4 (status (err<<1)|1); if all succeed it sends 0x7F (status 0xFF).
	.code16
	.globl start
start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movl	$8, %ebx
next:
	call	wait
	movw	$0x1F2, %dx
	movb	$1, %al
	outb	%al, %dx
	incw	%dx
	movb	%bl, %al
	outb	%al, %dx
	incw	%dx
	movb	%bh, %al
	outb	%al, %dx
	incw	%dx
	xorb	%al, %al
	outb	%al, %dx
	incw	%dx
	movb	$0xE0, %al
	outb	%al, %dx
	incw	%dx
	movb	$0x30, %al
	outb	%al, %dx
	call	wait
	movw	$0x1F0, %dx
	movw	$0x7C00, %si
	movw	$256, %cx
	cld
	rep outsw
	call	wait
	testb	$1, %al
	jnz	fail
	incl	%ebx
	cmpl	$16, %ebx
	jb	next
	movb	$0x7F, %al
	outb	%al, $0xF4
	hlt
fail:
	movw	$0x1F1, %dx
	inb	%dx, %al
	outb	%al, $0xF4
	hlt
# wait polls the status register until BSY is clear; the status is left in AL.
wait:
	movw	$0x1F7, %dx
1:	inb	%dx, %al
	testb	$0x80, %al
	jnz	1b
	ret
	.org	510
	.byte	0x55, 0xAA
