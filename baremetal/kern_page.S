/* kern_page: paging. 4 KB pages and 4 MB (PSE) pages, #PF error codes and CR2 for
 * not-present, write-protect (with and without CR0.WP) and user/supervisor faults from
 * ring 0 and ring 3, on data accesses and instruction fetches, accessed and dirty bits in
 * PTEs and PDEs, and TLB invalidation by invlpg and by reloading CR3. */
#include "lib32.h"

#define P  1
#define RW 2
#define US 4
#define PS 0x80
#define A  0x20
#define D  0x40

#define SUPPAGE   0x600000	/* supervisor only */
#define ROPAGE    0x601000	/* user, read-only */
#define NPPAGE    0x602000	/* not present */
#define ADPAGE    0x603000	/* accessed/dirty checks */
#define MAPPAGE   0x604000	/* remapped between 0x700000 and 0x701000 */
#define PTE(a)    (pt1 + (((a) >> 12) & 0x3ff) * 4)

	.text
	.globl test_main
test_main:
	BEGIN 0x10
	/* Identity map 0-8 MB with 4 KB pages (user, writable); 12-16 MB through a
	 * supervisor PDE whose PTEs say user; 16-20 MB is a 4 MB page onto 4-8 MB. */
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $12, %eax
	or $(P|RW|US), %eax
	mov %eax, pt0(,%ecx,4)
	inc %ecx
	cmp $2048, %ecx		/* pt0 and pt1 are contiguous */
	jb 1b
	xor %ecx, %ecx
2:	mov %ecx, %eax
	shl $12, %eax
	add $0xc00000, %eax
	or $(P|RW|US), %eax
	mov %eax, pt3(,%ecx,4)
	inc %ecx
	cmp $1024, %ecx
	jb 2b
	movl $(SUPPAGE | P | RW), PTE(SUPPAGE)
	movl $(ROPAGE | P | US), PTE(ROPAGE)
	movl $0, PTE(NPPAGE)
	movl $(ADPAGE | P | RW | US), PTE(ADPAGE)
	movl $(0x700000 | P | RW | US), PTE(MAPPAGE)
	mov $pt0, %eax
	or $(P|RW|US), %eax
	mov %eax, pd
	mov $pt1, %eax
	or $(P|RW|US), %eax
	mov %eax, pd+4
	movl $0, pd+8
	mov $pt3, %eax
	or $(P|RW), %eax
	mov %eax, pd+12
	movl $(0x400000 | P | RW | US | PS), pd+16
	mov %cr4, %eax
	or $0x10, %eax		/* PSE */
	mov %eax, %cr4
	mov $pd, %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $0x80000000, %eax	/* PG, WP still clear */
	mov %eax, %cr0
	jmp 3f
3:	movl $0x31337, scratch		/* still running, and data is where it was */
	mov $scratch, %eax
	CHK (%eax), $0x31337

	/* ---- ring 0: not present ---- */
	BEGIN 0x20
	FAULT 14, 0, movl 0x800123, %eax
	CHK last_cr2, $0x800123
	FAULT 14, 2, movl $1, 0x800124
	CHK last_cr2, $0x800124
	FAULT 14, 0, movb NPPAGE + 0x10, %al
	CHK last_cr2, $(NPPAGE + 0x10)
	FAULT 14, 2, movw $1, NPPAGE + 0xffe
	CHK last_cr2, $(NPPAGE + 0xffe)
	/* A fetch from a not-present page: EIP and CR2 are the target. */
	mov $0x800000, %eax
	FAULT 14, 0, jmp *%eax
	CHK last_cr2, $0x800000
	CHK last_eip, $0x800000

	/* ---- ring 0: write protection and CR0.WP ---- */
	BEGIN 0x30
	movl $0x1234, ROPAGE		/* WP=0: supervisor writes ignore R/W */
	CHK ROPAGE, $0x1234
	mov %cr0, %eax
	or $0x10000, %eax
	mov %eax, %cr0
	FAULT 14, 3, movl $0x5678, ROPAGE
	CHK last_cr2, $ROPAGE
	CHK ROPAGE, $0x1234
	movl $1, SUPPAGE		/* supervisor pages are fine at CPL 0 */

	/* ---- ring 3 ---- */
	BEGIN 0x40
	push $u_pages
	call to_user
	add $4, %esp
	CHK user_eax, $0x9a9e

	/* ---- accessed and dirty bits ---- */
	BEGIN 0x50
	andl $~(A|D), PTE(ADPAGE)
	andl $~(A|D), pd+4
	mov %cr3, %eax
	mov %eax, %cr3
	mov ADPAGE, %eax
	mov PTE(ADPAGE), %eax
	and $(A|D), %eax
	CHK %eax, $A
	mov pd+4, %eax
	and $A, %eax
	CHK %eax, $A
	movl $7, ADPAGE
	mov PTE(ADPAGE), %eax
	and $(A|D), %eax
	CHK %eax, $(A|D)

	/* ---- a 4 MB page ---- */
	BEGIN 0x60
	movl $0xfacefeed, 0x400010
	mov 0x1000010, %eax
	CHK %eax, $0xfacefeed
	movl $0x600df00d, 0x1000020
	CHK 0x400020, $0x600df00d
	mov pd+16, %eax
	and $(A|D), %eax
	CHK %eax, $(A|D)

	/* ---- TLB invalidation ---- */
	BEGIN 0x70
	movl $0xaaaa, 0x700000
	movl $0xbbbb, 0x701000
	CHK MAPPAGE, $0xaaaa
	movl $(0x701000 | P | RW | US), PTE(MAPPAGE)
	invlpg MAPPAGE
	CHK MAPPAGE, $0xbbbb
	movl $(0x700000 | P | RW | US), PTE(MAPPAGE)
	mov %cr3, %eax
	mov %eax, %cr3
	CHK MAPPAGE, $0xaaaa
	/* Paging off again: linear = physical. */
	mov %cr0, %eax
	and $0x7fffffff, %eax
	mov %eax, %cr0
	movl $0x1, 0x1000010
	CHK 0x400010, $0xfacefeed
	ret

/* Ring 3: U/S and R/W checks give error codes with the user bit; a fetch as well. */
u_pages:
	FAULT 14, 5, movl SUPPAGE, %eax
	CHK last_cr2, $SUPPAGE
	FAULT 14, 7, movl $1, SUPPAGE + 8
	CHK last_cr2, $(SUPPAGE + 8)
	mov ROPAGE, %eax
	CHK %eax, $0x1234
	FAULT 14, 7, movl $1, ROPAGE
	FAULT 14, 4, movl NPPAGE, %eax
	FAULT 14, 6, movl $1, NPPAGE
	/* The PDE of 12-16 MB says supervisor; its PTEs say user: supervisor wins. */
	FAULT 14, 5, movl 0xc00000, %eax
	CHK last_cr2, $0xc00000
	mov $SUPPAGE, %eax
	FAULT 14, 5, jmp *%eax
	CHK last_eip, $SUPPAGE
	CHK last_cs, $UCODE
	mov $0x9a9e, %eax
	int $0x41

	.data
scratch: .long 0

	.bss
	.p2align 12
pd:	.space 4096
pt0:	.space 4096
pt1:	.space 4096
pt3:	.space 4096
