// Processes: creation, exit and wait, the scheduler, sleep and wakeup.

#include "types.h"
#include "defs.h"
#include "param.h"
#include "memlayout.h"
#include "mmu.h"
#include "x86.h"
#include "proc.h"
#include "spinlock.h"

struct {
  struct spinlock lock;
  struct proc proc[NPROC];
} ptable;

static struct proc *initproc;

int nextpid = 1;
extern void forkret(void);
extern void trapret(void);

static void wakeup1(void *chan);

void
pinit(void)
{
  initlock(&ptable.lock, "ptable");
}

// Index of this CPU in cpus[]. Interrupts must be off, or the caller
// could move to another CPU half-way.
int
cpuid(void)
{
  return mycpu()-cpus;
}

struct cpu*
mycpu(void)
{
  int apicid, i;

  if(readeflags() & FL_IF)
    panic("mycpu called with interrupts enabled\n");

  apicid = lapicid();
  for(i = 0; i < ncpu; ++i){
    if(cpus[i].apicid == apicid)
      return &cpus[i];
  }
  panic("unknown apicid\n");
}

// The running process; interrupts are off while cpu->proc is read.
struct proc*
myproc(void)
{
  struct cpu *c;
  struct proc *p;

  pushcli();
  c = mycpu();
  p = c->proc;
  popcli();
  return p;
}

// Find an UNUSED slot, make it an EMBRYO with a kernel stack set up to
// start in forkret and return to user space through trapret.
static struct proc*
allocproc(void)
{
  struct proc *p;
  char *sp;

  acquire(&ptable.lock);
  for(p = ptable.proc; p < &ptable.proc[NPROC]; p++)
    if(p->state == UNUSED)
      goto found;
  release(&ptable.lock);
  return 0;

found:
  p->state = EMBRYO;
  p->pid = nextpid++;
  p->killed = 0;
  release(&ptable.lock);

  if((p->kstack = kalloc()) == 0){
    p->state = UNUSED;
    return 0;
  }
  sp = p->kstack + KSTACKSIZE;

  // The trap frame sits at the top of the stack.
  sp -= sizeof *p->tf;
  p->tf = (struct trapframe *)sp;

  // forkret returns to trapret, which pops the trap frame.
  sp -= 4;
  *(uint *)sp = (uint)trapret;

  sp -= sizeof *p->context;
  p->context = (struct context *)sp;
  memset(p->context, 0, sizeof *p->context);
  p->context->eip = (uint)forkret;

  // The x87 state fninit leaves: control word 0x37F, every register
  // empty (tag word 0xFFFF). Not fnsave: that would reset the live FPU,
  // which belongs to the process calling allocproc.
  memset(p->fpu, 0, sizeof p->fpu);
  *(ushort*)&p->fpu[0] = 0x37F;
  *(ushort*)&p->fpu[8] = 0xFFFF;

  return p;
}

// The first user process, running initcode.S.
void
userinit(void)
{
  struct proc *p;
  extern char _binary_user_initcode_start[], _binary_user_initcode_size[];

  p = allocproc();
  initproc = p;
  if((p->pgdir = setupkvm()) == 0)
    panic("userinit: out of memory?");
  inituvm(p->pgdir, _binary_user_initcode_start, (int)_binary_user_initcode_size);
  p->sz = PGSIZE;
  memset(p->tf, 0, sizeof(*p->tf));
  p->tf->cs = (SEG_UCODE << 3) | DPL_USER;
  p->tf->ds = (SEG_UDATA << 3) | DPL_USER;
  p->tf->es = p->tf->ds;
  p->tf->ss = p->tf->ds;
  p->tf->eflags = FL_IF;
  p->tf->esp = PGSIZE;
  p->tf->eip = 0;  // initcode.S's start

  safestrcpy(p->name, "initcode", sizeof(p->name));
  p->cwd = namei("/");

  // The state write publishes everything above to the other CPUs.
  acquire(&ptable.lock);
  p->state = RUNNABLE;
  release(&ptable.lock);
}

// Grow or shrink the current process's memory by n bytes.
int
growproc(int n)
{
  uint sz;
  struct proc *curproc = myproc();

  sz = curproc->sz;
  if(n > 0){
    if((sz = allocuvm(curproc->pgdir, sz, sz + n)) == 0)
      return -1;
  } else if(n < 0){
    if((sz = deallocuvm(curproc->pgdir, sz, sz + n)) == 0)
      return -1;
  }
  curproc->sz = sz;
  switchuvm(curproc);
  return 0;
}

// A copy of the current process; the child returns 0 from fork.
int
fork(void)
{
  int i, pid;
  struct proc *np;
  struct proc *curproc = myproc();

  if((np = allocproc()) == 0)
    return -1;

  if((np->pgdir = copyuvm(curproc->pgdir, curproc->sz)) == 0){
    kfree(np->kstack);
    np->kstack = 0;
    np->state = UNUSED;
    return -1;
  }
  np->sz = curproc->sz;
  np->parent = curproc;
  *np->tf = *curproc->tf;
  np->tf->eax = 0;
  // The child starts with the parent's x87 state; fnsave resets the FPU,
  // frstor gives the parent its state back.
  fnsave(np->fpu);
  frstor(np->fpu);

  for(i = 0; i < NOFILE; i++)
    if(curproc->ofile[i])
      np->ofile[i] = filedup(curproc->ofile[i]);
  np->cwd = idup(curproc->cwd);

  safestrcpy(np->name, curproc->name, sizeof(curproc->name));

  pid = np->pid;

  acquire(&ptable.lock);
  np->state = RUNNABLE;
  release(&ptable.lock);

  return pid;
}

// Leave for good: the process stays a ZOMBIE until its parent waits.
void
exit(void)
{
  struct proc *curproc = myproc();
  struct proc *p;
  int fd;

  if(curproc == initproc)
    panic("init exiting");

  // Sockets first: their peers must see the reset.
  sockcloseall(curproc);

  for(fd = 0; fd < NOFILE; fd++){
    if(curproc->ofile[fd]){
      fileclose(curproc->ofile[fd]);
      curproc->ofile[fd] = 0;
    }
  }

  begin_op();
  iput(curproc->cwd);
  end_op();
  curproc->cwd = 0;

  acquire(&ptable.lock);

  // The parent may be sleeping in wait().
  wakeup1(curproc->parent);

  // Children go to init.
  for(p = ptable.proc; p < &ptable.proc[NPROC]; p++){
    if(p->parent == curproc){
      p->parent = initproc;
      if(p->state == ZOMBIE)
        wakeup1(initproc);
    }
  }

  curproc->state = ZOMBIE;
  sched();
  panic("zombie exit");
}

// Wait for a child to exit; its pid, or -1 if there are no children.
int
wait(void)
{
  struct proc *p;
  int havekids, pid;
  struct proc *curproc = myproc();

  acquire(&ptable.lock);
  for(;;){
    havekids = 0;
    for(p = ptable.proc; p < &ptable.proc[NPROC]; p++){
      if(p->parent != curproc)
        continue;
      havekids = 1;
      if(p->state == ZOMBIE){
        pid = p->pid;
        kfree(p->kstack);
        p->kstack = 0;
        freevm(p->pgdir);
        p->pid = 0;
        p->parent = 0;
        p->name[0] = 0;
        p->killed = 0;
        p->state = UNUSED;
        release(&ptable.lock);
        return pid;
      }
    }

    if(!havekids || curproc->killed){
      release(&ptable.lock);
      return -1;
    }

    // exit() wakes us through wakeup1(parent).
    sleep(curproc, &ptable.lock);
  }
}

// True if some process could run. It takes ptable.lock: unlocked, the
// read of p->state would race with wakeup on another CPU (harmless
// here, but a race detector rightly reports it).
static int
anyrunnable(void)
{
  struct proc *p;
  int found = 0;

  acquire(&ptable.lock);
  for(p = ptable.proc; p < &ptable.proc[NPROC]; p++)
    if(p->state == RUNNABLE){
      found = 1;
      break;
    }
  release(&ptable.lock);
  return found;
}

// Each CPU runs this loop forever: pick a RUNNABLE process in turn,
// switch to it, and come back here when it gives up the CPU. When
// nothing is runnable the CPU halts until the next interrupt instead of
// spinning, so an idle guest costs the host nothing.
void
scheduler(void)
{
  struct proc *p;
  struct cpu *c = mycpu();
  int ran;

  c->proc = 0;
  for(;;){
    // Interrupts on between scans, so devices can make work runnable.
    sti();

    ran = 0;
    acquire(&ptable.lock);
    for(p = ptable.proc; p < &ptable.proc[NPROC]; p++){
      if(p->state != RUNNABLE)
        continue;

      // The process releases ptable.lock on its way out of sched and
      // takes it again before coming back here.
      c->proc = p;
      switchuvm(p);
      p->state = RUNNING;

      // The kernel does not use the x87, so the FPU holds p's state from
      // frstor until p gives up the CPU; save it before the next process.
      frstor(p->fpu);
      swtch(&(c->scheduler), p->context);
      fnsave(p->fpu);
      switchkvm();

      c->proc = 0;
      ran = 1;
    }
    release(&ptable.lock);

    if(!ran){
      // An interrupt that made a process runnable before the cli shows
      // up in anyrunnable; one after it wakes the hlt (sti_hlt has no
      // window between enabling interrupts and halting).
      cli();
      if(!anyrunnable())
        sti_hlt();
    }
  }
}

// Switch to the scheduler. The caller holds ptable.lock and nothing
// else, and has changed its state. intena belongs to this kernel thread,
// not the CPU, so it is saved and restored around the switch.
void
sched(void)
{
  int intena;
  struct proc *p = myproc();

  if(!holding(&ptable.lock))
    panic("sched ptable.lock");
  if(mycpu()->ncli != 1)
    panic("sched locks");
  if(p->state == RUNNING)
    panic("sched running");
  if(readeflags() & FL_IF)
    panic("sched interruptible");
  intena = mycpu()->intena;
  swtch(&p->context, mycpu()->scheduler);
  mycpu()->intena = intena;
}

// Give up the CPU for one round.
void
yield(void)
{
  acquire(&ptable.lock);
  myproc()->state = RUNNABLE;
  sched();
  release(&ptable.lock);
}

// A new process's first scheduling lands here (allocproc), then goes
// to user space through trapret.
void
forkret(void)
{
  static int first = 1;

  // Still holding ptable.lock from the scheduler.
  release(&ptable.lock);

  if(first){
    // File-system set-up sleeps, so it cannot run from main.
    first = 0;
    iinit(ROOTDEV);
    initlog(ROOTDEV);
  }
}

// Release lk and sleep on chan; lk is held again on return.
void
sleep(void *chan, struct spinlock *lk)
{
  struct proc *p = myproc();

  if(p == 0)
    panic("sleep");
  if(lk == 0)
    panic("sleep without lk");

  // Taking ptable.lock before dropping lk means a wakeup (which takes
  // ptable.lock) cannot slip in between: no wakeup is lost.
  if(lk != &ptable.lock){
    acquire(&ptable.lock);
    release(lk);
  }
  p->chan = chan;
  p->state = SLEEPING;

  sched();

  p->chan = 0;

  if(lk != &ptable.lock){
    release(&ptable.lock);
    acquire(lk);
  }
}

// Wake every process sleeping on chan; ptable.lock is held.
static void
wakeup1(void *chan)
{
  struct proc *p;

  for(p = ptable.proc; p < &ptable.proc[NPROC]; p++)
    if(p->state == SLEEPING && p->chan == chan)
      p->state = RUNNABLE;
}

void
wakeup(void *chan)
{
  acquire(&ptable.lock);
  wakeup1(chan);
  release(&ptable.lock);
}

// Mark pid killed; it exits when it next heads to user space. A
// sleeping victim is woken so that its sleep loop sees killed.
int
kill(int pid)
{
  struct proc *p;

  acquire(&ptable.lock);
  for(p = ptable.proc; p < &ptable.proc[NPROC]; p++){
    if(p->state != UNUSED && p->pid == pid){
      p->killed = 1;
      if(p->state == SLEEPING)
        p->state = RUNNABLE;
      release(&ptable.lock);
      return 0;
    }
  }
  release(&ptable.lock);
  return -1;
}

// The process list, for ^P on the console. Takes no lock so that it
// works on a wedged machine.
void
procdump(void)
{
  static char *states[] = {
  [UNUSED]    "unused",
  [EMBRYO]    "embryo",
  [SLEEPING]  "sleep ",
  [RUNNABLE]  "runble",
  [RUNNING]   "run   ",
  [ZOMBIE]    "zombie"
  };
  int i;
  struct proc *p;
  char *state;
  uint pc[10];

  for(p = ptable.proc; p < &ptable.proc[NPROC]; p++){
    if(p->state == UNUSED)
      continue;
    if(p->state >= 0 && p->state < NELEM(states) && states[p->state])
      state = states[p->state];
    else
      state = "???";
    cprintf("%d %s %s", p->pid, state, p->name);
    if(p->state == SLEEPING){
      getcallerpcs((uint *)p->context->ebp+2, pc);
      for(i = 0; i < 10 && pc[i] != 0; i++)
        cprintf(" %p", pc[i]);
    }
    cprintf("\n");
  }
}
