/* kern_race: two CPUs add to one shared counter, N times each, so that a data-race detector
 * and schedule exploration have a known race (and known non-races) to find. The last word
 * of the multiboot command line picks how each addition is done:
 *
 *   plain  load, increment, store in three instructions (race_load .. race_store): the
 *          classic lost update; any schedule that switches CPUs between the load and the
 *          store loses the other CPU's additions
 *   incl   one unlocked `incl counter` (race_incl): still a data race, but an emulator that
 *          interleaves whole instructions cannot lose an update with it
 *   lock   `lock incl counter`: atomic, no race
 *   spin   a spinlock taken with xchg, a plain `incl counter` (spin_incl), released with a
 *          plain store of 0 (spin_release): no race on the counter
 *
 * Anything else (or no command line) means lock. CPU 0 starts CPU 1 with INIT and STARTUP
 * IPIs through its local APIC; CPU 1 runs a real-mode trampoline copied below 1 MB. When no
 * second CPU answers (one CPU, or no local APIC) CPU 0 does both shares itself. The result
 * goes to the 0xE9 console as
 *
 *   race: mode plain, 2 CPUs, 100000 each: counter 123456 of 200000, lost 76544
 *
 * lock and spin must not lose anything (else FAIL, exit status 3); plain and incl pass
 * whatever they count. */
#include "lib32.h"

#define N		100000
#define LAPIC		0xFEE00000
#define LAPIC_SVR	0xF0
#define LAPIC_ICRLO	0x300
#define LAPIC_ICRHI	0x310
#define AP_ID		1		/* the CPU to start: APIC ID 1 */
#define TRAMP		0x7000		/* the AP starts here: STARTUP vector 0x07 */
#define AP_WAIT		2000000		/* polls of ap_up before CPU 0 runs alone */

	.text
	.globl test_main
test_main:
	call pick_mode
	mov $msg_race, %esi
	call puts
	mov mode_name, %esi
	call puts
	mov $'\n', %al
	out %al, $CON_PORT

	BEGIN 0x10
	call start_ap
	mov $1, %eax		/* both CPUs add from here on; the flags between the CPUs */
	xchg %eax, go		/* are set with xchg so that only the counter races */
	call *mode_fn
	cmpl $2, ncpus
	je 1f
	call *mode_fn		/* alone: CPU 1's share too */
	jmp 2f
1:	pause			/* wait for CPU 1 to finish */
	cmpl $0, ap_done
	je 1b
2:	BEGIN 0x20
	call report
	cmpl $2, mode		/* lock and spin must count every addition */
	jb 3f
	CHK counter, $2*N
3:	ret

/* pick_mode sets mode, mode_fn and mode_name from the last word of the command line. */
pick_mode:
	movl $2, mode
	mov mb_info, %ebx
	testl $4, (%ebx)
	jz 9f
	mov 16(%ebx), %esi
	test %esi, %esi
	jz 9f
	mov %esi, %edi		/* EDI: start of the last word seen */
1:	lodsb
	test %al, %al
	jz 3f
	cmp $' ', %al
	jne 1b
2:	cmpb $' ', (%esi)	/* skip the run of spaces; a word starts after it */
	jne 21f
	inc %esi
	jmp 2b
21:	cmpb $0, (%esi)		/* trailing spaces: keep the word before them */
	je 3f
	mov %esi, %edi
	jmp 1b
3:	xor %edx, %edx		/* EDX: the mode being compared */
4:	mov mode_names(,%edx,4), %esi
	push %edi
5:	lodsb
	test %al, %al
	jz 6f
	cmp (%edi), %al
	jne 7f
	inc %edi
	jmp 5b
6:	mov (%edi), %al		/* the name matched: the word must end here too */
	test %al, %al
	jz 8f
	cmp $' ', %al
	je 8f
7:	pop %edi
	inc %edx
	cmp $4, %edx
	jb 4b
	jmp 9f
8:	pop %edi
	mov %edx, mode
9:	mov mode, %edx
	mov mode_fns(,%edx,4), %eax
	mov %eax, mode_fn
	mov mode_names(,%edx,4), %eax
	mov %eax, mode_name
	ret

/* start_ap copies the trampoline below 1 MB, sends INIT and two STARTUPs to APIC ID 1 and
 * waits for it to check in; ncpus says whether it did. */
start_ap:
	mov $tramp_start, %esi
	mov $TRAMP, %edi
	mov $(tramp_end - tramp_start), %ecx
	rep movsb
	movl $0x1FF, LAPIC+LAPIC_SVR		/* software-enable the local APIC */
	movl $(AP_ID << 24), LAPIC+LAPIC_ICRHI
	movl $0xC500, LAPIC+LAPIC_ICRLO		/* INIT, level, assert */
	call delay
	movl $(AP_ID << 24), LAPIC+LAPIC_ICRHI
	movl $0x8500, LAPIC+LAPIC_ICRLO		/* INIT, level, de-assert */
	call delay
	mov $2, %ebx
1:	movl $(AP_ID << 24), LAPIC+LAPIC_ICRHI
	movl $(0x600 | TRAMP >> 12), LAPIC+LAPIC_ICRLO	/* STARTUP at 0x7000 */
	call delay
	dec %ebx
	jnz 1b
	movl $1, ncpus
	mov $AP_WAIT, %ecx
2:	cmpl $0, ap_up
	jne 3f
	pause
	loop 2b
	ret
3:	movl $2, ncpus
	ret

/* delay spins for a while: the gap real hardware wants between the start-up IPIs. */
delay:
	mov $20000, %ecx
1:	pause
	loop 1b
	ret

/* report prints the mode, the CPU count and the counter against what it should be. */
report:
	mov $msg_race, %esi
	call puts
	mov mode_name, %esi
	call puts
	mov $msg_comma, %esi
	call puts
	mov ncpus, %eax
	call putdec
	mov $msg_cpus, %esi
	call puts
	mov $N, %eax
	call putdec
	mov $msg_each, %esi
	call puts
	mov counter, %eax
	call putdec
	mov $msg_of, %esi
	call puts
	mov $2*N, %eax
	call putdec
	mov $msg_lost, %esi
	call puts
	mov $2*N, %eax
	sub counter, %eax
	call putdec
	mov $'\n', %al
	out %al, $CON_PORT
	ret

/* putdec writes EAX in decimal. */
putdec:
	push %ebx
	push %ecx
	push %edx
	mov $10, %ebx
	xor %ecx, %ecx
1:	xor %edx, %edx
	div %ebx
	push %edx
	inc %ecx
	test %eax, %eax
	jnz 1b
2:	pop %eax
	add $'0', %al
	out %al, $CON_PORT
	loop 2b
	pop %edx
	pop %ecx
	pop %ebx
	ret

/* The four ways to add N to the counter. Each is called on both CPUs at once. */
	.globl add_plain, race_load, race_store
add_plain:
	mov $N, %ecx
race_load:
	mov counter, %eax	/* racing read ... */
	inc %eax
race_store:
	mov %eax, counter	/* ... and racing write: the other CPU's updates in between are lost */
	dec %ecx
	jnz race_load
	ret

	.globl add_incl, race_incl
add_incl:
	mov $N, %ecx
race_incl:
	incl counter		/* racing read-modify-write, not atomic across CPUs */
	dec %ecx
	jnz race_incl
	ret

	.globl add_lock, lock_incl
add_lock:
	mov $N, %ecx
lock_incl:
	lock incl counter
	dec %ecx
	jnz lock_incl
	ret

	.globl add_spin, spin_acquire, spin_incl, spin_release
add_spin:
	mov $N, %ecx
spin_acquire:
	mov $1, %eax
	xchg %eax, spinlock	/* xchg with memory is locked: one CPU gets the 0 */
	test %eax, %eax
	jz spin_incl
	pause
	jmp spin_acquire
spin_incl:
	incl counter		/* plain, but only ever under the spinlock */
spin_release:
	movl $0, spinlock	/* a plain store releases: x86 stores are not reordered with older ones */
	dec %ecx
	jnz spin_acquire
	ret

/* ap_entry: CPU 1 in protected mode, from the trampoline. It checks in, waits for CPU 0's
 * go, adds its share and halts for good. */
ap_entry:
	mov $KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $ap_stack_top, %esp
	mov $1, %eax
	xchg %eax, ap_up
1:	pause
	cmpl $0, go
	je 1b
	call *mode_fn
	mov $1, %eax
	xchg %eax, ap_done
2:	cli
	hlt
	jmp 2b

/* The AP trampoline, copied to TRAMP: a STARTUP IPI starts CPU 1 here in real mode with
 * CS = TRAMP >> 4 and IP = 0. It loads lib32's GDT and jumps to ap_entry in 32-bit code. */
	.code16
tramp_start:
	cli
	mov %cs, %ax
	mov %ax, %ds
	lgdtl tramp_gdtdesc - tramp_start
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $KCODE, $ap_entry
	.p2align 2
tramp_gdtdesc:
	.word 32 * 8 - 1		/* lib32's GDT: 32 descriptors */
	.long gdt
tramp_end:
	.code32

	.section .rodata
mode_names:	.long name_plain, name_incl, name_lock, name_spin
mode_fns:	.long add_plain, add_incl, add_lock, add_spin
name_plain:	.asciz "plain"
name_incl:	.asciz "incl"
name_lock:	.asciz "lock"
name_spin:	.asciz "spin"
msg_race:	.asciz "race: mode "
msg_comma:	.asciz ", "
msg_cpus:	.asciz " CPUs, "
msg_each:	.asciz " each: counter "
msg_of:		.asciz " of "
msg_lost:	.asciz ", lost "

	.data
	.p2align 6
	.globl counter
counter:	.long 0			/* the shared counter, alone in its cache line */
	.p2align 6
	.globl spinlock
spinlock:	.long 0
	.p2align 6
mode:		.long 2			/* 0 plain, 1 incl, 2 lock, 3 spin */
mode_fn:	.long add_lock
mode_name:	.long name_lock
ncpus:		.long 1
go:		.long 0
ap_up:		.long 0
ap_done:	.long 0

	.bss
	.p2align 12
	.space 4096
ap_stack_top:
