// I/O APIC: routes device interrupts (IRQs) to CPUs.

#include "types.h"
#include "defs.h"
#include "traps.h"

#define IOAPIC 0xFEC00000   // default physical address

#define REG_ID    0x00
#define REG_VER   0x01
#define REG_TABLE 0x10      // redirection table: two registers per IRQ

// Redirection entry bits (low word); the high word holds the
// destination APIC ID in bits 24-31.
#define INT_DISABLED  0x00010000
#define INT_LEVEL     0x00008000
#define INT_ACTIVELOW 0x00002000
#define INT_LOGICAL   0x00000800

volatile struct ioapic *ioapic;

// Registers are reached through a select register and a data window.
struct ioapic {
  uint reg;
  uint pad[3];
  uint data;
};

static uint
ioapicread(int reg)
{
  ioapic->reg = reg;
  return ioapic->data;
}

static void
ioapicwrite(int reg, uint data)
{
  ioapic->reg = reg;
  ioapic->data = data;
}

void
ioapicinit(void)
{
  int i, id, maxintr;

  ioapic = (volatile struct ioapic *)IOAPIC;
  maxintr = (ioapicread(REG_VER) >> 16) & 0xFF;
  id = ioapicread(REG_ID) >> 24;
  if(id != ioapicid)
    cprintf("ioapicinit: IOAPIC id %d but the MP table says %d\n", id, ioapicid);

  // Every IRQ masked, edge-triggered, active high, vector T_IRQ0+irq.
  for(i = 0; i <= maxintr; i++){
    ioapicwrite(REG_TABLE+2*i, INT_DISABLED | (T_IRQ0 + i));
    ioapicwrite(REG_TABLE+2*i+1, 0);
  }
}

// Deliver irq to the CPU with APIC ID cpunum.
void
ioapicenable(int irq, int cpunum)
{
  ioapicwrite(REG_TABLE+2*irq, T_IRQ0 + irq);
  ioapicwrite(REG_TABLE+2*irq+1, cpunum << 24);
}
