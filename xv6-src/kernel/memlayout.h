// Physical and virtual memory layout.

#define EXTMEM   0x100000      // start of extended memory; the kernel is loaded here
#define PHYSTOP  0xE000000     // top of the RAM the kernel uses (224 MB)
#define DEVSPACE 0xFE000000    // memory-mapped devices (IOAPIC, LAPIC) live above this

#define KERNBASE 0x80000000            // virtual address of physical 0
#define KERNLINK (KERNBASE+EXTMEM)     // the kernel is linked here

#define V2P(a) (((uint) (a)) - KERNBASE)
#define P2V(a) ((void *)(((char *) (a)) + KERNBASE))

// The same without casts, for assembly.
#define V2P_WO(x) ((x) - KERNBASE)
#define P2V_WO(x) ((x) + KERNBASE)
