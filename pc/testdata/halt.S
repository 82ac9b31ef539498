# Boot sector for pc tests: writes 0x42 to debug port 0xE9, then cli; hlt forever.
	.code16
	.globl start
start:
	movb	$0x42, %al
	outb	%al, $0xE9
	cli
	hlt
	.org	510
	.byte	0x55, 0xAA
