// x86 memory management unit: segments, pages, gates, the TSS.

// EFLAGS bits
#define FL_IF 0x00000200       // interrupts enabled

// CR0 bits
#define CR0_PE 0x00000001      // protected mode
#define CR0_WP 0x00010000      // ring-0 writes honour read-only pages
#define CR0_PG 0x80000000      // paging

// CR4 bits
#define CR4_PSE 0x00000010     // 4 MB pages

// GDT slots
#define SEG_KCODE 1
#define SEG_KDATA 2
#define SEG_UCODE 3
#define SEG_UDATA 4
#define SEG_TSS   5
#define NSEGS     6

// Descriptor privilege levels
#define DPL_USER 0x3

// Segment type bits
#define STA_X 0x8   // executable
#define STA_W 0x2   // writable (data)
#define STA_R 0x2   // readable (code)
#define STS_T32A 0x9  // available 32-bit TSS
#define STS_IG32 0xE  // 32-bit interrupt gate
#define STS_TG32 0xF  // 32-bit trap gate

#ifndef __ASSEMBLER__
// A segment descriptor, as the CPU reads it from the GDT.
struct segdesc {
  uint lim_15_0 : 16;
  uint base_15_0 : 16;
  uint base_23_16 : 8;
  uint type : 4;
  uint s : 1;          // 1 = code/data, 0 = system
  uint dpl : 2;
  uint p : 1;          // present
  uint lim_19_16 : 4;
  uint avl : 1;
  uint rsv1 : 1;
  uint db : 1;         // 32-bit segment
  uint g : 1;          // limit counts 4 KB units
  uint base_31_24 : 8;
};

// A 4 GB-capable code/data segment (limit given in 4 KB units).
#define SEG(type, base, lim, dpl) (struct segdesc) \
{ ((lim) >> 12) & 0xffff, (uint)(base) & 0xffff, \
  ((uint)(base) >> 16) & 0xff, type, 1, dpl, 1, \
  (uint)(lim) >> 28, 0, 0, 1, 1, (uint)(base) >> 24 }

// A byte-granular system segment (the TSS).
#define SEG16(type, base, lim, dpl) (struct segdesc) \
{ (lim) & 0xffff, (uint)(base) & 0xffff, \
  ((uint)(base) >> 16) & 0xff, type, 1, dpl, 1, \
  (uint)(lim) >> 16, 0, 0, 1, 0, (uint)(base) >> 24 }
#endif

// Paging: a virtual address is | dir (10) | table (10) | offset (12) |
#define PDX(va) (((uint)(va) >> 22) & 0x3FF)
#define PTX(va) (((uint)(va) >> 12) & 0x3FF)
#define PGADDR(d, t, o) ((uint)((d) << 22 | (t) << 12 | (o)))

#define NPDENTRIES 1024
#define NPTENTRIES 1024
#define PGSIZE     4096

#define PGROUNDUP(sz)  (((sz)+PGSIZE-1) & ~(PGSIZE-1))
#define PGROUNDDOWN(a) (((a)) & ~(PGSIZE-1))

// Page table / directory entry flags
#define PTE_P  0x001   // present
#define PTE_W  0x002   // writable
#define PTE_U  0x004   // user
#define PTE_PS 0x080   // 4 MB page (directory entries)

#define PTE_ADDR(pte)  ((uint)(pte) & ~0xFFF)
#define PTE_FLAGS(pte) ((uint)(pte) &  0xFFF)

#ifndef __ASSEMBLER__
typedef uint pte_t;

// The task state segment; only the ring-0 stack and the I/O map base are used.
struct taskstate {
  uint link;
  uint esp0;
  ushort ss0;
  ushort padding1;
  uint *esp1;
  ushort ss1;
  ushort padding2;
  uint *esp2;
  ushort ss2;
  ushort padding3;
  void *cr3;
  uint *eip;
  uint eflags;
  uint eax, ecx, edx, ebx;
  uint *esp;
  uint *ebp;
  uint esi, edi;
  ushort es, padding4;
  ushort cs, padding5;
  ushort ss, padding6;
  ushort ds, padding7;
  ushort fs, padding8;
  ushort gs, padding9;
  ushort ldt, padding10;
  ushort t;            // trap on task switch
  ushort iomb;         // I/O map base
};

// An IDT gate.
struct gatedesc {
  uint off_15_0 : 16;
  uint cs : 16;
  uint args : 5;
  uint rsv1 : 3;
  uint type : 4;
  uint s : 1;
  uint dpl : 2;
  uint p : 1;
  uint off_31_16 : 16;
};

// Fill gate g: istrap selects a trap gate (interrupts stay enabled),
// sel:off is the handler, d the privilege needed to raise it with int.
#define SETGATE(g, istrap, sel, off, d)             \
do {                                                \
  (g).off_15_0 = (uint)(off) & 0xffff;              \
  (g).cs = (sel);                                   \
  (g).args = 0;                                     \
  (g).rsv1 = 0;                                     \
  (g).type = (istrap) ? STS_TG32 : STS_IG32;        \
  (g).s = 0;                                        \
  (g).dpl = (d);                                    \
  (g).p = 1;                                        \
  (g).off_31_16 = (uint)(off) >> 16;                \
} while (0)
#endif
