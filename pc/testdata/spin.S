# Boot sector for pc tests: an endless loop (for the instruction limit).
	.code16
	.globl start
start:
	jmp	start
	.org	510
	.byte	0x55, 0xAA
