# panic.S: a boot sector that dies the way a panicking kernel does, for gemu's end-to-end test
# of the final screen: it writes "panic: e2e test" at the top of the CGA text screen, then
# stops with interrupts off (cli; hlt), so that nothing can ever wake the CPU again.
# Build: sh build.sh (GNU as and ld).

	.code16
	.globl start
start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	$0xb800, %ax
	movw	%ax, %es
	xorw	%di, %di
	movw	$msg, %si
	movb	$0x0c, %ah		# light red on black
next:
	lodsb
	testb	%al, %al
	jz	stop
	stosw
	jmp	next
stop:
	cli
	hlt
	jmp	stop

msg:
	.asciz	"panic: e2e test"

	.org	510
	.byte	0x55, 0xAA
