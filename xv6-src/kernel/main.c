// Kernel start-up: the boot CPU runs main, the others mpenter.

#include "types.h"
#include "defs.h"
#include "param.h"
#include "memlayout.h"
#include "mmu.h"
#include "proc.h"
#include "x86.h"

static void startothers(void);
static void mpmain(void) __attribute__((noreturn));
extern pde_t *kpgdir;
extern char end[];  // first address after the kernel, from kernel.ld

// The boot CPU arrives here from entry.S on the entry page table, which
// maps only the first 4 MB of physical memory.
int
main(void)
{
  kinit1(end, P2V(4*1024*1024));  // pages the entry page table can reach
  kvmalloc();      // the real kernel page table
  mpinit();        // find the other CPUs and the IOAPIC
  lapicinit();
  seginit();
  picinit();       // turn the 8259s off
  ioapicinit();
  consoleinit();
  uartinit();
  pinit();
  tvinit();
  binit();
  fileinit();
  sockinit();
  ideinit();
  startothers();
  kinit2(P2V(4*1024*1024), P2V(PHYSTOP));  // the rest of RAM
  userinit();
  mpmain();
}

// The other CPUs come here from entryother.S.
static void
mpenter(void)
{
  switchkvm();
  seginit();
  lapicinit();
  mpmain();
}

// Common set-up for every CPU, then the scheduler.
static void
mpmain(void)
{
  cprintf("cpu%d: starting %d\n", cpuid(), cpuid());
  idtinit();
  xchg(&(mycpu()->started), 1);  // startothers may go on
  scheduler();
}

pde_t entrypgdir[];  // below

// Start the other CPUs one by one through the trampoline at 0x7000.
static void
startothers(void)
{
  extern uchar _binary_kernel_entryother_start[], _binary_kernel_entryother_size[];
  uchar *code;
  struct cpu *c;
  char *stack;

  code = P2V(0x7000);
  memmove(code, _binary_kernel_entryother_start, (uint)_binary_kernel_entryother_size);

  for(c = cpus; c < cpus+ncpu; c++){
    if(c == mycpu())
      continue;

    // The AP runs at low addresses with paging off until it loads
    // entrypgdir, so its arguments are stored just below the code.
    stack = kalloc();
    *(void **)(code-4) = stack + KSTACKSIZE;
    *(void (**)(void))(code-8) = mpenter;
    *(int **)(code-12) = (void *)V2P(entrypgdir);

    lapicstartap(c->apicid, V2P(code));

    while(c->started == 0)
      ;
  }
}

// The entry page directory: 4 MB pages mapping virtual 0..4MB and
// KERNBASE..KERNBASE+4MB onto physical 0..4MB. The low mapping keeps the
// code at entry running while paging turns on.
__attribute__((__aligned__(PGSIZE)))
pde_t entrypgdir[NPDENTRIES] = {
  [0] = (0) | PTE_P | PTE_W | PTE_PS,
  [KERNBASE>>22] = (0) | PTE_P | PTE_W | PTE_PS,
};
