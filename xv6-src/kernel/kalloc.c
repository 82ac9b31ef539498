// Physical page allocator: a free list of 4 KB pages between the end of
// the kernel and PHYSTOP. Each free page stores the next-pointer inside
// itself.

#include "types.h"
#include "defs.h"
#include "param.h"
#include "memlayout.h"
#include "mmu.h"
#include "spinlock.h"

void freerange(void *vstart, void *vend);
extern char end[];  // first address after the kernel, from kernel.ld

struct run {
  struct run *next;
};

struct {
  struct spinlock lock;
  int use_lock;       // off during early boot, when only one CPU runs
  struct run *freelist;
} kmem;

// Phase 1, before the full page table: only the pages that entrypgdir
// maps (the first 4 MB). Phase 2 adds the rest once kvmalloc has run.
void
kinit1(void *vstart, void *vend)
{
  initlock(&kmem.lock, "kmem");
  kmem.use_lock = 0;
  freerange(vstart, vend);
}

void
kinit2(void *vstart, void *vend)
{
  freerange(vstart, vend);
  kmem.use_lock = 1;
}

void
freerange(void *vstart, void *vend)
{
  char *p;

  for(p = (char *)PGROUNDUP((uint)vstart); p + PGSIZE <= (char *)vend; p += PGSIZE)
    kfree(p);
}

// Free the page at kernel virtual address v.
void
kfree(char *v)
{
  struct run *r;

  if((uint)v % PGSIZE || v < end || V2P(v) >= PHYSTOP)
    panic("kfree");

  // Junk catches uses after free.
  memset(v, 1, PGSIZE);

#ifdef RACE_KALLOC
  // Planted mistake (make RACE=kalloc): no lock around the push, so a
  // kfree and a kalloc (or two kfrees) on two CPUs can lose a page or
  // hand the same page out twice.
  r = (struct run *)v;
  r->next = kmem.freelist;  // race(kalloc): unlocked
  kmem.freelist = r;        // race(kalloc): unlocked
#else
  if(kmem.use_lock)
    acquire(&kmem.lock);
  r = (struct run *)v;
  r->next = kmem.freelist;
  kmem.freelist = r;
  if(kmem.use_lock)
    release(&kmem.lock);
#endif
}

// A free page's kernel virtual address, or 0 when memory is exhausted.
char*
kalloc(void)
{
  struct run *r;

#ifdef RACE_KALLOC
  // Planted mistake: the pop without the lock; two CPUs can both take
  // the head and return the same page.
  r = kmem.freelist;        // race(kalloc): unlocked
  if(r)
    kmem.freelist = r->next;  // race(kalloc): unlocked
#else
  if(kmem.use_lock)
    acquire(&kmem.lock);
  r = kmem.freelist;
  if(r)
    kmem.freelist = r->next;
  if(kmem.use_lock)
    release(&kmem.lock);
#endif
  return (char *)r;
}
