// Thin C wrappers around x86 instructions the kernel needs.

static inline uchar
inb(ushort port)
{
  uchar v;
  asm volatile("in %1,%0" : "=a" (v) : "d" (port));
  return v;
}

// x87 state (108 bytes, the 32-bit fnsave layout). fnsave also resets the FPU.
static inline void
fnsave(void *p)
{
  asm volatile("fnsave (%0)" : : "r" (p) : "memory");
}

static inline void
frstor(void *p)
{
  asm volatile("frstor (%0)" : : "r" (p) : "memory");
}

static inline void
fninit(void)
{
  asm volatile("fninit");
}

static inline void
outb(ushort port, uchar v)
{
  asm volatile("out %0,%1" : : "a" (v), "d" (port));
}

static inline void
outw(ushort port, ushort v)
{
  asm volatile("out %0,%1" : : "a" (v), "d" (port));
}

// Read cnt dwords from port into addr (IDE data transfers).
static inline void
insl(int port, void *addr, int cnt)
{
  asm volatile("cld; rep insl"
               : "+D" (addr), "+c" (cnt)
               : "d" (port)
               : "memory", "cc");
}

static inline void
outsl(int port, const void *addr, int cnt)
{
  asm volatile("cld; rep outsl"
               : "+S" (addr), "+c" (cnt)
               : "d" (port)
               : "cc");
}

static inline void
stosb(void *addr, int data, int cnt)
{
  asm volatile("cld; rep stosb"
               : "+D" (addr), "+c" (cnt)
               : "a" (data)
               : "memory", "cc");
}

static inline void
stosl(void *addr, int data, int cnt)
{
  asm volatile("cld; rep stosl"
               : "+D" (addr), "+c" (cnt)
               : "a" (data)
               : "memory", "cc");
}

struct segdesc;

// lgdt/lidt take a 6-byte operand: 16-bit limit then 32-bit base.
static inline void
lgdt(struct segdesc *p, int size)
{
  volatile ushort pd[3];
  pd[0] = size - 1;
  pd[1] = (uint)p;
  pd[2] = (uint)p >> 16;
  asm volatile("lgdt (%0)" : : "r" (pd));
}

struct gatedesc;

static inline void
lidt(struct gatedesc *p, int size)
{
  volatile ushort pd[3];
  pd[0] = size - 1;
  pd[1] = (uint)p;
  pd[2] = (uint)p >> 16;
  asm volatile("lidt (%0)" : : "r" (pd));
}

static inline void
ltr(ushort sel)
{
  asm volatile("ltr %0" : : "r" (sel));
}

static inline uint
readeflags(void)
{
  uint f;
  asm volatile("pushfl; popl %0" : "=r" (f));
  return f;
}

static inline void
loadgs(ushort v)
{
  asm volatile("movw %0, %%gs" : : "r" (v));
}

static inline void
cli(void)
{
  asm volatile("cli");
}

static inline void
sti(void)
{
  asm volatile("sti");
}

// Stop the CPU until an interrupt; with interrupts off, for good.
static inline void
hlt(void)
{
  asm volatile("hlt" ::: "memory");
}

// Enable interrupts and halt in one step: sti's one-instruction shadow
// means no interrupt can slip in between, so the wakeup is never missed.
static inline void
sti_hlt(void)
{
  asm volatile("sti; hlt" ::: "memory");
}

static inline uint
xchg(volatile uint *addr, uint newval)
{
  uint old;
  asm volatile("lock; xchgl %0, %1"
               : "+m" (*addr), "=a" (old)
               : "1" (newval)
               : "cc");
  return old;
}

static inline uint
rcr2(void)
{
  uint v;
  asm volatile("movl %%cr2,%0" : "=r" (v));
  return v;
}

static inline void
lcr3(uint v)
{
  asm volatile("movl %0,%%cr3" : : "r" (v));
}

// The registers the trap entry code saves, in the order they sit on the
// kernel stack (lowest address first). User space relies on this layout.
struct trapframe {
  // pushal
  uint edi;
  uint esi;
  uint ebp;
  uint oesp;      // esp at pushal time; ignored
  uint ebx;
  uint edx;
  uint ecx;
  uint eax;

  // segment registers pushed by alltraps
  ushort gs;
  ushort padding1;
  ushort fs;
  ushort padding2;
  ushort es;
  ushort padding3;
  ushort ds;
  ushort padding4;
  uint trapno;

  // pushed by the CPU (err by the CPU or by the vector stub)
  uint err;
  uint eip;
  ushort cs;
  ushort padding5;
  uint eflags;

  // only when the trap came from user mode
  uint esp;
  ushort ss;
  ushort padding6;
};
