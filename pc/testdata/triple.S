# Boot sector for pc tests: an empty IDT, then int3: #GP, #DF, shutdown.
	.code16
	.globl start
start:
	xorw	%ax, %ax
	movw	%ax, %ds
	lidt	idtdesc
	int3
	hlt
idtdesc:
	.word	0
	.long	0
	.org	510
	.byte	0x55, 0xAA
