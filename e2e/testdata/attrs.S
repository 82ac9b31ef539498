# attrs.S: a boot sector for gemu's end-to-end screen tests.
# It paints the 256 CGA attributes (cell i, counting from the top left, has attribute i and
# the character "0123456789ABCDEF"[i & 15]), writes "CURSOR>" at row 10 and puts the
# hardware cursor just after it (row 10, column 27) through the CRTC, then polls the 8042
# and prints every scan code it receives in hex from row 12 on, so a test can see the exact
# make/break bytes the front end sent. Build: sh build.sh (GNU as and ld).

	.code16
	.globl start
start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7c00, %sp
	movw	$0xb800, %ax
	movw	%ax, %es

	# The 256 attributes.
	xorw	%di, %di
	xorw	%cx, %cx
paint:
	movb	%cl, %al
	andb	$15, %al
	call	hexchar
	movb	%cl, %ah
	stosw
	incw	%cx
	cmpw	$256, %cx
	jne	paint

	# "CURSOR>" at row 10, column 20, light grey on black.
	movw	$(10*80+20)*2, %di
	movw	$label, %si
text:
	lodsb
	testb	%al, %al
	jz	cursor
	movb	$0x07, %ah
	stosw
	jmp	text

	# Cursor at row 10, column 27: offset 827 = 0x33b into CRTC registers 14 and 15.
cursor:
	movw	$0x3d4, %dx
	movb	$14, %al
	outb	%al, %dx
	incw	%dx
	movb	$0x03, %al
	outb	%al, %dx
	decw	%dx
	movb	$15, %al
	outb	%al, %dx
	incw	%dx
	movb	$0x3b, %al
	outb	%al, %dx

	# Echo scan codes in hex from row 12.
	movw	$(12*80)*2, %di
poll:
	inb	$0x64, %al
	testb	$1, %al
	jz	poll
	inb	$0x60, %al
	movb	%al, %bl
	shrb	$4, %al
	call	hexchar
	movb	$0x07, %ah
	stosw
	movb	%bl, %al
	andb	$15, %al
	call	hexchar
	movb	$0x07, %ah
	stosw
	movw	$0x0720, %ax
	stosw
	jmp	poll

# hexchar turns the nibble in %al into its hex digit (upper case).
hexchar:
	cmpb	$10, %al
	jb	1f
	addb	$('A'-10-'0'), %al
1:
	addb	$'0', %al
	ret

label:
	.asciz	"CURSOR>"

	.org	510
	.byte	0x55, 0xaa
