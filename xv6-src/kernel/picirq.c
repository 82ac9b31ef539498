// The 8259A PICs are not used: the APICs take their place.

#include "types.h"
#include "x86.h"
#include "traps.h"

#define IO_PIC1 0x20  // master
#define IO_PIC2 0xA0  // slave

void
picinit(void)
{
  // Mask every line on both chips.
  outb(IO_PIC1+1, 0xFF);
  outb(IO_PIC2+1, 0xFF);
}
