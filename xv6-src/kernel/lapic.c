// Local APIC: per-CPU interrupt controller and timer.

#include "param.h"
#include "types.h"
#include "defs.h"
#include "memlayout.h"
#include "traps.h"
#include "mmu.h"
#include "x86.h"

// Register offsets, divided by 4 for indexing a uint array.
#define ID      (0x0020/4)   // ID
#define VER     (0x0030/4)   // version
#define TPR     (0x0080/4)   // task priority
#define EOI     (0x00B0/4)   // end of interrupt
#define SVR     (0x00F0/4)   // spurious interrupt vector
  #define ENABLE     0x00000100
#define ESR     (0x0280/4)   // error status
#define ICRLO   (0x0300/4)   // interrupt command
  #define INIT       0x00000500
  #define STARTUP    0x00000600
  #define DELIVS     0x00001000   // delivery status: busy
  #define ASSERT     0x00004000
  #define DEASSERT   0x00000000
  #define LEVEL      0x00008000
  #define BCAST      0x00080000   // all CPUs, self included
#define ICRHI   (0x0310/4)   // interrupt command, destination
#define TIMER   (0x0320/4)   // local vector table: timer
  #define PERIODIC   0x00020000
  #define MASKED     0x00010000
#define PCINT   (0x0340/4)   // performance counter
#define LINT0   (0x0350/4)
#define LINT1   (0x0360/4)
#define ERROR   (0x0370/4)
#define TICR    (0x0380/4)   // timer initial count
#define TCCR    (0x0390/4)   // timer current count
#define TDCR    (0x03E0/4)   // timer divide configuration
  #define X1         0x0000000B   // divide by 1

volatile uint *lapic;  // set by mpinit

static void
lapicw(int index, int value)
{
  lapic[index] = value;
  (void)lapic[ID];  // a read waits for the write to finish
}

void
lapicinit(void)
{
  if(!lapic)
    return;

  // Enable the APIC; spurious interrupts go to IRQ_SPURIOUS.
  lapicw(SVR, ENABLE | (T_IRQ0 + IRQ_SPURIOUS));

  // The timer counts down from TICR at the bus clock and interrupts
  // periodically; this drives the scheduler and ticks.
  lapicw(TDCR, X1);
  lapicw(TIMER, PERIODIC | (T_IRQ0 + IRQ_TIMER));
  lapicw(TICR, 10000000);

  // No local interrupt pins.
  lapicw(LINT0, MASKED);
  lapicw(LINT1, MASKED);

  // Versions with a performance counter entry: mask it.
  if(((lapic[VER]>>16) & 0xFF) >= 4)
    lapicw(PCINT, MASKED);

  lapicw(ERROR, T_IRQ0 + IRQ_ERROR);

  // Clearing the error status takes two writes.
  lapicw(ESR, 0);
  lapicw(ESR, 0);

  // Acknowledge anything pending.
  lapicw(EOI, 0);

  // Resynchronise arbitration IDs: broadcast INIT level de-assert.
  lapicw(ICRHI, 0);
  lapicw(ICRLO, BCAST | INIT | LEVEL);
  while(lapic[ICRLO] & DELIVS)
    ;

  // Accept all interrupts.
  lapicw(TPR, 0);
}

int
lapicid(void)
{
  if(!lapic)
    return 0;
  return lapic[ID] >> 24;
}

void
lapiceoi(void)
{
  if(lapic)
    lapicw(EOI, 0);
}

// Real hardware wants pauses during AP start-up; emulators do not.
void
microdelay(int us)
{
}

#define CMOS_PORT 0x70
#define CMOS_RETURN 0x71

// Start the CPU apicid running at physical addr (page aligned, < 1 MB)
// with the INIT, STARTUP, STARTUP sequence from the MP specification.
void
lapicstartap(uchar apicid, uint addr)
{
  int i;
  ushort *wrv;

  // Shutdown code 0x0A makes a CPU that resets jump through the warm
  // reset vector at 40:67, which we point at the trampoline.
  outb(CMOS_PORT, 0xF);
  outb(CMOS_RETURN, 0x0A);
  wrv = (ushort *)P2V((0x40<<4 | 0x67));
  asm("" : "+r" (wrv));  // fixed address: keep gcc's bounds checks out
  wrv[0] = 0;
  wrv[1] = addr >> 4;

  lapicw(ICRHI, apicid<<24);
  lapicw(ICRLO, INIT | LEVEL | ASSERT);
  microdelay(200);
  lapicw(ICRLO, INIT | LEVEL);
  microdelay(100);

  for(i = 0; i < 2; i++){
    lapicw(ICRHI, apicid<<24);
    lapicw(ICRLO, STARTUP | (addr>>12));
    microdelay(200);
  }
}
