// Spinlocks. Interrupts stay off on a CPU while it holds any spinlock,
// so an interrupt handler can never spin on a lock its own CPU holds.

#include "types.h"
#include "defs.h"
#include "param.h"
#include "x86.h"
#include "memlayout.h"
#include "mmu.h"
#include "proc.h"
#include "spinlock.h"

void
initlock(struct spinlock *lk, char *name)
{
  lk->name = name;
  lk->locked = 0;
  lk->cpu = 0;
}

void
acquire(struct spinlock *lk)
{
  pushcli();
  if(holding(lk))
    panic("acquire");

  while(xchg(&lk->locked, 1) != 0)
    ;

  // Nothing in the critical section may be moved above this point.
  __sync_synchronize();

  // holding() on other CPUs reads cpu without the lock; an atomic store
  // makes that a deliberate race, which a race detector leaves alone.
  xchg((uint*)&lk->cpu, (uint)mycpu());
  getcallerpcs(&lk, lk->pcs);
}

void
release(struct spinlock *lk)
{
  if(!holding(lk))
    panic("release");

  lk->pcs[0] = 0;
  xchg((uint*)&lk->cpu, 0);  // atomic: holding() reads it unlocked

  // Every store of the critical section is visible before the lock is
  // free; xchg is a full barrier, and atomic for holding() as above.
  xchg(&lk->locked, 0);

  popcli();
}

// Record the return addresses on the stack, following the ebp chain
// from the frame that holds v.
void
getcallerpcs(void *v, uint pcs[])
{
  uint *ebp;
  int i;

  ebp = (uint *)v - 2;
  for(i = 0; i < 10; i++){
    if(ebp == 0 || ebp < (uint *)KERNBASE || ebp == (uint *)0xffffffff)
      break;
    pcs[i] = ebp[1];
    ebp = (uint *)ebp[0];
  }
  for(; i < 10; i++)
    pcs[i] = 0;
}

int
holding(struct spinlock *lk)
{
  int r;

  pushcli();
  r = lk->locked && lk->cpu == mycpu();
  popcli();
  return r;
}

// pushcli/popcli nest like cli/sti, remembering whether interrupts
// were on before the outermost pushcli.
void
pushcli(void)
{
  int eflags;

  eflags = readeflags();
  cli();
  if(mycpu()->ncli == 0)
    mycpu()->intena = eflags & FL_IF;
  mycpu()->ncli += 1;
}

void
popcli(void)
{
  if(readeflags() & FL_IF)
    panic("popcli - interruptible");
  if(--mycpu()->ncli < 0)
    panic("popcli");
  if(mycpu()->ncli == 0 && mycpu()->intena)
    sti();
}
