# Boot sector for pc tests: prints "hi\n" on COM1, then echoes every received byte in
# upper case (polling LSR bit 0) until it receives '.', then powers off (port 0x604).
	.code16
	.globl start
start:
	cli
	movw	$0x3F8, %dx
	movb	$'h', %al
	outb	%al, %dx
	movb	$'i', %al
	outb	%al, %dx
	movb	$'\n', %al
	outb	%al, %dx
poll:
	movw	$0x3FD, %dx
	inb	%dx, %al
	testb	$1, %al
	jz	poll
	movw	$0x3F8, %dx
	inb	%dx, %al
	cmpb	$'.', %al
	je	done
	cmpb	$'a', %al
	jb	1f
	cmpb	$'z', %al
	ja	1f
	subb	$0x20, %al
1:	outb	%al, %dx
	jmp	poll
done:
	movw	$0x604, %dx
	movw	$0x2000, %ax
	outw	%ax, %dx
	hlt

	.org	510
	.byte	0x55, 0xAA
