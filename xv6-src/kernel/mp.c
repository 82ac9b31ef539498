// Multiprocessor configuration: find the CPUs and the IOAPIC in the
// MP tables the BIOS leaves in low memory.

#include "types.h"
#include "defs.h"
#include "param.h"
#include "memlayout.h"
#include "mp.h"
#include "x86.h"
#include "mmu.h"
#include "proc.h"

struct cpu cpus[NCPU];
int ncpu;
uchar ioapicid;

// The kernel address of physical pa. gcc 12 treats pointers made from
// constant addresses as pointers into tiny objects and rejects the
// accesses under -Warray-bounds; an empty asm hides where the pointer
// came from.
static void*
phys(uint pa)
{
  void *p = P2V(pa);

  asm("" : "+r" (p));
  return p;
}

static uchar
sum(uchar *addr, int len)
{
  int i, s;

  s = 0;
  for(i = 0; i < len; i++)
    s += addr[i];
  return s;
}

// Look for the floating pointer in len bytes at physical address a.
static struct mp*
mpsearch1(uint a, int len)
{
  uchar *e, *p, *addr;

  addr = phys(a);
  e = addr + len;
  for(p = addr; p < e; p += sizeof(struct mp))
    if(memcmp(p, "_MP_", 4) == 0 && sum(p, sizeof(struct mp)) == 0)
      return (struct mp *)p;
  return 0;
}

// A 16-bit word of the BIOS data area.
static uint
biosword(uint pa)
{
  uchar *p = phys(pa);

  return p[0] | (p[1] << 8);
}

// The floating pointer sits in the first KB of the EBDA, or the last KB
// of base memory, or in the BIOS ROM 0xF0000-0xFFFFF.
static struct mp*
mpsearch(void)
{
  uint p;
  struct mp *mp;

  if((p = biosword(0x40E) << 4) != 0){
    if((mp = mpsearch1(p, 1024)))
      return mp;
  } else {
    p = biosword(0x413) * 1024;
    if((mp = mpsearch1(p-1024, 1024)))
      return mp;
  }
  return mpsearch1(0xF0000, 0x10000);
}

// Find and check the configuration table.
static struct mpconf*
mpconfig(struct mp **pmp)
{
  struct mpconf *conf;
  struct mp *mp;

  if((mp = mpsearch()) == 0 || mp->physaddr == 0)
    return 0;
  conf = (struct mpconf *)phys((uint)mp->physaddr);
  if(memcmp(conf, "PCMP", 4) != 0)
    return 0;
  if(conf->version != 1 && conf->version != 4)
    return 0;
  if(sum((uchar *)conf, conf->length) != 0)
    return 0;
  *pmp = mp;
  return conf;
}

void
mpinit(void)
{
  uchar *p, *e;
  int ismp;
  struct mp *mp;
  struct mpconf *conf;
  struct mpproc *proc;
  struct mpioapic *ioapic;

  if((conf = mpconfig(&mp)) == 0)
    panic("Expect to run on an SMP");
  ismp = 1;
  lapic = (uint *)conf->lapicaddr;
  for(p = (uchar *)(conf+1), e = (uchar *)conf + conf->length; p < e; ){
    switch(*p){
    case MPPROC:
      proc = (struct mpproc *)p;
      if(ncpu < NCPU){
        cpus[ncpu].apicid = proc->apicid;
        ncpu++;
      }
      p += sizeof(struct mpproc);
      continue;
    case MPIOAPIC:
      ioapic = (struct mpioapic *)p;
      ioapicid = ioapic->apicno;
      p += sizeof(struct mpioapic);
      continue;
    case MPBUS:
    case MPIOINTR:
    case MPLINTR:
      p += 8;
      continue;
    default:
      ismp = 0;  // a table we cannot parse: stop here
      break;
    }
    break;
  }
  if(!ismp)
    panic("Didn't find a suitable machine");

  if(mp->imcrp){
    // The IMCR routes interrupts to the 8259s; send them to the APIC.
    outb(0x22, 0x70);
    outb(0x23, inb(0x23) | 1);
  }
}
