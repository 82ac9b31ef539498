# Multiboot (v1) ELF kernel for pc tests. Checks the boot state the loader promises,
# then prints on port 0xE9: the command line, then for each module "[" its string ":"
# its bytes "]", then "mem=" and mem_upper in hex; and exits through isa-debug-exit
# (port 0xF4) with 0x10 (status 0x21), or 1 (status 3) if a check failed.
	.set	MAGIC, 0x1BADB002
	.set	FLAGS, 0x00000003        # page-align modules, memory info
	.text
	.globl	start
	.p2align 2
mbheader:
	.long	MAGIC, FLAGS, -(MAGIC + FLAGS)
start:
	cmpl	$0x2BADB002, %eax
	jne	bad
	movl	%cr0, %ecx
	testl	$1, %ecx                 # protected mode
	jz	bad
	testl	$0x80000000, %ecx        # paging off
	jnz	bad
	pushfl
	popl	%ecx
	testl	$0x200, %ecx             # interrupts off
	jnz	bad
	movl	$stack_top, %esp
	movl	%ebx, %ebp               # info block
	testl	$1, (%ebp)               # mem_* valid
	jz	bad
	cmpl	$640, 4(%ebp)            # mem_lower
	jne	bad
	movl	16(%ebp), %esi           # cmdline
	call	puts
	movl	20(%ebp), %edi           # mods_count
	movl	24(%ebp), %ebx           # mods_addr
1:	testl	%edi, %edi
	jz	2f
	testl	$0xFFF, (%ebx)           # page aligned
	jnz	bad
	movb	$'[', %al
	outb	%al, $0xE9
	movl	8(%ebx), %esi            # string
	call	puts
	movb	$':', %al
	outb	%al, $0xE9
	movl	(%ebx), %esi             # mod_start
	movl	4(%ebx), %ecx            # mod_end
3:	cmpl	%ecx, %esi
	jae	4f
	movb	(%esi), %al
	outb	%al, $0xE9
	incl	%esi
	jmp	3b
4:	movb	$']', %al
	outb	%al, $0xE9
	addl	$16, %ebx
	decl	%edi
	jmp	1b
2:	movl	$memstr, %esi
	call	puts
	movl	8(%ebp), %edx            # mem_upper in hex
	movl	$8, %ecx
5:	roll	$4, %edx
	movl	%edx, %eax
	andl	$0xF, %eax
	movb	hex(%eax), %al
	outb	%al, $0xE9
	loop	5b
	movl	$0x10, %eax
	outl	%eax, $0xF4
	hlt
bad:
	movl	$1, %eax
	outl	%eax, $0xF4
	hlt

# puts writes the NUL-terminated string at %esi to port 0xE9.
puts:
	movb	(%esi), %al
	testb	%al, %al
	jz	1f
	outb	%al, $0xE9
	incl	%esi
	jmp	puts
1:	ret

	.data
memstr:	.asciz	"mem="
hex:	.ascii	"0123456789abcdef"
	.bss
	.space	4096
stack_top:
