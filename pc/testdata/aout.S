# Multiboot (v1) kernel with the a.out kludge (address fields), a flat binary loaded
# at 1 MB, with a bss: prints "aout" on port 0xE9 if its bss is zero and exits through
# isa-debug-exit with 5 (status 11), else with 1 (status 3).
	.set	MAGIC, 0x1BADB002
	.set	FLAGS, 0x00010000
	.text
	.globl	start
base:
mbheader:
	.long	MAGIC, FLAGS, -(MAGIC + FLAGS)
	.long	mbheader                 # header_addr
	.long	base                     # load_addr
	.long	load_end                 # load_end_addr
	.long	bss_end                  # bss_end_addr
	.long	start                    # entry_addr
start:
	cmpl	$0x2BADB002, %eax
	jne	bad
	movl	$bss_start, %esi
1:	cmpl	$bss_end, %esi
	jae	2f
	cmpb	$0, (%esi)
	jne	bad
	incl	%esi
	jmp	1b
2:	movb	$'a', %al
	outb	%al, $0xE9
	movb	$'o', %al
	outb	%al, $0xE9
	movb	$'u', %al
	outb	%al, $0xE9
	movb	$'t', %al
	outb	%al, $0xE9
	movl	$5, %eax
	outl	%eax, $0xF4
	hlt
bad:
	movl	$1, %eax
	outl	%eax, $0xF4
	hlt
load_end:
	.set	bss_start, load_end
	.set	bss_end, load_end + 0x3000
