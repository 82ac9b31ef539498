// Pipes: a ring buffer shared by a read end and a write end.

#include "types.h"
#include "defs.h"
#include "param.h"
#include "mmu.h"
#include "proc.h"
#include "fs.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "file.h"

#define PIPESIZE 512

struct pipe {
  struct spinlock lock;
  char data[PIPESIZE];
  uint nread;      // bytes read so far
  uint nwrite;     // bytes written so far
  int readopen;    // is the read end open?
  int writeopen;   // is the write end open?
};

int
pipealloc(struct file **f0, struct file **f1)
{
  struct pipe *p;

  p = 0;
  *f0 = *f1 = 0;
  if((*f0 = filealloc()) == 0 || (*f1 = filealloc()) == 0)
    goto bad;
  if((p = (struct pipe *)kalloc()) == 0)
    goto bad;
  p->readopen = 1;
  p->writeopen = 1;
  p->nwrite = 0;
  p->nread = 0;
  initlock(&p->lock, "pipe");
  (*f0)->type = FD_PIPE;
  (*f0)->readable = 1;
  (*f0)->writable = 0;
  (*f0)->pipe = p;
  (*f1)->type = FD_PIPE;
  (*f1)->readable = 0;
  (*f1)->writable = 1;
  (*f1)->pipe = p;
  return 0;

bad:
  if(p)
    kfree((char *)p);
  if(*f0)
    fileclose(*f0);
  if(*f1)
    fileclose(*f1);
  return -1;
}

void
pipeclose(struct pipe *p, int writable)
{
  acquire(&p->lock);
  if(writable){
    p->writeopen = 0;
    wakeup(&p->nread);
  } else {
    p->readopen = 0;
    wakeup(&p->nwrite);
  }
  if(p->readopen == 0 && p->writeopen == 0){
    release(&p->lock);
    kfree((char *)p);
  } else
    release(&p->lock);
}

int
pipewrite(struct pipe *p, char *addr, int n)
{
  int i;

  acquire(&p->lock);
  for(i = 0; i < n; i++){
    while(p->nwrite == p->nread + PIPESIZE){  // full; race(pipe): reads nread
      if(p->readopen == 0 || myproc()->killed){
        release(&p->lock);
        return -1;
      }
      wakeup(&p->nread);
      sleep(&p->nwrite, &p->lock);
    }
#ifdef RACE_PIPE
    // Planted mistake (make RACE=pipe): the lock is dropped around the
    // update, so two writers on two CPUs can take the same slot (a lost
    // byte) and a reader can see nwrite move before the byte is stored.
    release(&p->lock);
    p->data[p->nwrite++ % PIPESIZE] = addr[i];  // race(pipe): unlocked
    acquire(&p->lock);
#else
    p->data[p->nwrite++ % PIPESIZE] = addr[i];
#endif
  }
  wakeup(&p->nread);
  release(&p->lock);
  return n;
}

int
piperead(struct pipe *p, char *addr, int n)
{
  int i;

  acquire(&p->lock);
  while(p->nread == p->nwrite && p->writeopen){  // empty; race(pipe)
    if(myproc()->killed){
      release(&p->lock);
      return -1;
    }
    sleep(&p->nread, &p->lock);
  }
  for(i = 0; i < n; i++){
    if(p->nread == p->nwrite)  // race(pipe): reads nwrite
      break;
#ifdef RACE_PIPE
    // Planted mistake: the same dropped lock on the reading side; a
    // writer may refill the slot before the byte is taken out of it.
    release(&p->lock);
    addr[i] = p->data[p->nread++ % PIPESIZE];  // race(pipe): unlocked
    acquire(&p->lock);
#else
    addr[i] = p->data[p->nread++ % PIPESIZE];
#endif
  }
  wakeup(&p->nwrite);
  release(&p->lock);
  return i;
}
