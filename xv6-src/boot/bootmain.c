// Second half of the boot sector: read the kernel, an ELF file that
// starts at sector 1 of disk 0, with polled IDE PIO, and jump to it.
// It must fit in the boot sector with bootasm.S, so it is minimal.

#include "types.h"
#include "elf.h"
#include "x86.h"
#include "memlayout.h"

#define SECTSIZE 512

static void readseg(uchar *pa, uint count, uint offset);

void
bootmain(void)
{
  struct elfhdr *elf = (struct elfhdr *)0x10000;  // scratch space
  struct proghdr *ph, *eph;
  void (*entry)(void);

  readseg((uchar *)elf, 4096, 0);
  if(elf->magic != ELF_MAGIC)
    return;  // bootasm.S reports the failure

  ph = (struct proghdr *)((uchar *)elf + elf->phoff);
  eph = ph + elf->phnum;
  for(; ph < eph; ph++){
    readseg((uchar *)ph->paddr, ph->filesz, ph->off);
    if(ph->memsz > ph->filesz)
      stosb((uchar *)ph->paddr + ph->filesz, 0, ph->memsz - ph->filesz);
  }

  entry = (void (*)(void))(elf->entry);
  entry();
}

static void
waitdisk(void)
{
  while((inb(0x1F7) & 0xC0) != 0x40)  // until not busy and ready
    ;
}

// Read one sector into dst. LBA 28 addressing, master drive.
static void
readsect(void *dst, uint sect)
{
  waitdisk();
  outb(0x1F2, 1);
  outb(0x1F3, sect);
  outb(0x1F4, sect >> 8);
  outb(0x1F5, sect >> 16);
  outb(0x1F6, (sect >> 24) | 0xE0);
  outb(0x1F7, 0x20);   // READ SECTORS
  waitdisk();
  insl(0x1F0, dst, SECTSIZE/4);
}

// Read count bytes at byte offset of the kernel into physical pa.
// Whole sectors are read, so a little more than asked may be written.
static void
readseg(uchar *pa, uint count, uint offset)
{
  uchar *epa = pa + count;
  uint sect;

  pa -= offset % SECTSIZE;              // back up to the sector start
  sect = offset / SECTSIZE + 1;         // kernel starts at sector 1
  for(; pa < epa; pa += SECTSIZE, sect++)
    readsect(pa, sect);
}
