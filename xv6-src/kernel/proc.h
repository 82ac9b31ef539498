// Per-CPU state.
struct cpu {
  uchar apicid;               // local APIC ID
  struct context *scheduler;  // swtch() here to enter the scheduler
  struct taskstate ts;        // gives the ring-0 stack for traps from user mode
  struct segdesc gdt[NSEGS];
  volatile uint started;      // set once the CPU runs mpmain
  int ncli;                   // depth of pushcli nesting
  int intena;                 // were interrupts on before the first pushcli?
  struct proc *proc;          // the process running here, or 0
};

extern struct cpu cpus[NCPU];
extern int ncpu;

// Registers saved across a kernel context switch (swtch.S). Caller-saved
// registers are saved by the C calling convention; esp is the context's
// own address; eip is pushed by the call to swtch.
struct context {
  uint edi;
  uint esi;
  uint ebx;
  uint ebp;
  uint eip;
};

enum procstate { UNUSED, EMBRYO, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

// Per-process state.
struct proc {
  uint sz;                     // bytes of user memory
  pde_t *pgdir;                // page directory
  char *kstack;                // bottom of the kernel stack
  enum procstate state;
  int pid;
  struct proc *parent;
  struct trapframe *tf;        // trap frame of the current system call
  struct context *context;     // swtch() here to run the process
  void *chan;                  // sleeping on chan if non-zero
  int killed;
  struct file *ofile[NOFILE];
  struct inode *cwd;
  char name[16];               // for debugging
  uchar fpu[108];              // x87 state while not running (fnsave layout)
};

// User memory starts at virtual address 0: text, data and bss, then a
// guard page, the stack (one page), then the heap that sbrk grows.
