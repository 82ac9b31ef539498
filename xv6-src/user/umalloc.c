// malloc and free: a first-fit allocator over a circular free list kept
// in address order, so that free can merge a block with its neighbours.
// Memory comes from sbrk and is never given back.
#include "types.h"
#include "stat.h"
#include "user.h"

// Every block starts with this header; sizes count header-sized units.
struct blk {
  struct blk *next;  // next free block, by address (free blocks only)
  uint units;        // size of the block including this header
};

static struct blk sentinel;     // zero-sized block that anchors the list
static struct blk *rover;       // where the next search starts

void
free(void *p)
{
  struct blk *b, *q;

  if(p == 0)
    return;
  b = (struct blk*)p - 1;
  // Find q with q < b < q->next, allowing for the wrap at the list's end.
  for(q = rover; !(b > q && b < q->next); q = q->next)
    if(q >= q->next && (b > q || b < q->next))
      break;
  if(b + b->units == q->next){
    b->units += q->next->units;
    b->next = q->next->next;
  } else {
    b->next = q->next;
  }
  if(q + q->units == b){
    q->units += b->units;
    q->next = b->next;
  } else {
    q->next = b;
  }
  rover = q;
}

// grow asks the kernel for at least units more and adds them to the list.
static struct blk*
grow(uint units)
{
  char *m;
  struct blk *b;

  if(units < 4096)
    units = 4096;
  if(units > 0x8000000)  // more than 1 GB: the sbrk argument would overflow
    return 0;
  m = sbrk(units * sizeof(struct blk));
  if(m == (char*)-1)
    return 0;
  b = (struct blk*)m;
  b->units = units;
  free(b + 1);
  return rover;
}

void*
malloc(uint nbytes)
{
  struct blk *prev, *b, *rest;
  uint units;

  if(nbytes > 0x7ff00000)
    return 0;
  units = (nbytes + sizeof(struct blk) - 1) / sizeof(struct blk) + 1;
  if(rover == 0){
    sentinel.next = &sentinel;
    sentinel.units = 0;
    rover = &sentinel;
  }
  prev = rover;
  for(b = prev->next; ; prev = b, b = b->next){
    if(b->units >= units){
      if(b->units == units){
        prev->next = b->next;
      } else {
        // Hand out the front: what is left stays at the top of the
        // block, where it merges with the next sbrk grant instead of
        // lingering as a fragment that every later search walks past.
        rest = b + units;
        rest->units = b->units - units;
        rest->next = b->next;
        prev->next = rest;
        b->units = units;
      }
      rover = prev;
      return b + 1;
    }
    if(b == rover && (b = grow(units)) == 0)
      return 0;
  }
}
