// Console: output to the CGA screen and COM1, input from the keyboard
// and COM1 with line editing, and the kernel's cprintf and panic.

#include "types.h"
#include "defs.h"
#include "param.h"
#include "traps.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "file.h"
#include "memlayout.h"
#include "mmu.h"
#include "proc.h"
#include "x86.h"
#include "kbd.h"

static void consputc(int);

static int panicked = 0;  // set by panic: every CPU stops printing

static struct {
  struct spinlock lock;
  int locking;           // off while panicking
} cons;

static void
printint(int xx, int base, int sign)
{
  static char digits[] = "0123456789abcdef";
  char buf[16];
  int i;
  uint x;

  if(sign && xx < 0){
    x = -xx;
  } else {
    sign = 0;
    x = xx;
  }

  i = 0;
  do {
    buf[i++] = digits[x % base];
    x /= base;
  } while(x != 0);
  if(sign)
    buf[i++] = '-';

  while(--i >= 0)
    consputc(buf[i]);
}

// Kernel printf: %d %u %x %p %s %c and %%.
void
cprintf(char *fmt, ...)
{
  int i, c, locking;
  uint *argp;
  char *s;

  locking = cons.locking;
  if(locking)
    acquire(&cons.lock);

  if(fmt == 0)
    panic("null fmt");

  argp = (uint *)(void *)(&fmt + 1);  // arguments follow fmt on the stack
  for(i = 0; (c = fmt[i] & 0xff) != 0; i++){
    if(c != '%'){
      consputc(c);
      continue;
    }
    c = fmt[++i] & 0xff;
    if(c == 0)
      break;
    switch(c){
    case 'd':
      printint(*argp++, 10, 1);
      break;
    case 'u':
      printint(*argp++, 10, 0);
      break;
    case 'x':
    case 'p':
      printint(*argp++, 16, 0);
      break;
    case 'c':
      consputc(*argp++ & 0xff);
      break;
    case 's':
      if((s = (char *)*argp++) == 0)
        s = "(null)";
      for(; *s; s++)
        consputc(*s);
      break;
    case '%':
      consputc('%');
      break;
    default:
      // Unknown verb: show it as written.
      consputc('%');
      consputc(c);
      break;
    }
  }

  if(locking)
    release(&cons.lock);
}

void
panic(char *s)
{
  int i;
  uint pcs[10];

  cli();
  cons.locking = 0;
  cprintf("lapicid %d: panic: ", lapicid());
  cprintf(s);
  cprintf("\n");
  getcallerpcs(&s, pcs);
  for(i = 0; i < 10; i++)
    cprintf(" %p", pcs[i]);
  panicked = 1;  // other CPUs freeze in consputc
  // Halt with interrupts off rather than spin: the host's CPU stays
  // free, and an emulator can tell that this machine is done.
  for(;;)
    hlt();
}

#define BACKSPACE 0x100
#define CRTPORT 0x3d4
#define CGAROWS 24     // rows used; the last screen row stays empty
static ushort *crt = (ushort *)P2V(0xb8000);  // CGA text memory

static void
cgaputc(int c)
{
  int pos;

  // Cursor position: CRTC registers 14 (high) and 15 (low).
  outb(CRTPORT, 14);
  pos = inb(CRTPORT+1) << 8;
  outb(CRTPORT, 15);
  pos |= inb(CRTPORT+1);

  if(c == '\n')
    pos += 80 - pos%80;
  else if(c == BACKSPACE){
    if(pos > 0)
      --pos;
  } else
    crt[pos++] = (c&0xff) | 0x0700;  // light grey on black

  if(pos < 0 || pos > 25*80)
    panic("pos under/overflow");

  if((pos/80) >= CGAROWS){
    memmove(crt, crt+80, sizeof(crt[0])*(CGAROWS-1)*80);
    pos -= 80;
    memset(crt+pos, 0, sizeof(crt[0])*(CGAROWS*80 - pos));
  }

  outb(CRTPORT, 14);
  outb(CRTPORT+1, pos>>8);
  outb(CRTPORT, 15);
  outb(CRTPORT+1, pos);
  crt[pos] = ' ' | 0x0700;
}

static void
consputc(int c)
{
  if(panicked){
    cli();
    for(;;)
      hlt();
  }

  if(c == BACKSPACE){
    uartputc('\b');
    uartputc(' ');
    uartputc('\b');
  } else
    uartputc(c);
  cgaputc(c);
}

#define INPUT_BUF 128
struct {
  char buf[INPUT_BUF];
  uint r;  // read index
  uint w;  // end of committed lines: readers may take up to here
  uint e;  // edit index: the line being typed
} input;

// Called from the keyboard and UART interrupts with their getc.
void
consoleintr(int (*getc)(void))
{
  int c, dump = 0;

  acquire(&cons.lock);
  while((c = getc()) >= 0){
    switch(c){
    case C('P'):
      // procdump takes locks; call it after releasing ours.
      dump = 1;
      break;
    case C('U'):  // erase the line being typed
      while(input.e != input.w &&
            input.buf[(input.e-1) % INPUT_BUF] != '\n'){
        input.e--;
        consputc(BACKSPACE);
      }
      break;
    case C('H'):
    case '\x7f':  // backspace
      if(input.e != input.w){
        input.e--;
        consputc(BACKSPACE);
      }
      break;
    default:
      if(c != 0 && input.e - input.r < INPUT_BUF){
        c = (c == '\r') ? '\n' : c;
        input.buf[input.e++ % INPUT_BUF] = c;
        consputc(c);
        if(c == '\n' || c == C('D') || input.e == input.r + INPUT_BUF){
          input.w = input.e;
          wakeup(&input.r);
        }
      }
      break;
    }
  }
  release(&cons.lock);
  if(dump)
    procdump();
}

int
consoleread(struct inode *ip, char *dst, int n)
{
  uint target;
  int c;

  iunlock(ip);
  target = n;
  acquire(&cons.lock);
  while(n > 0){
    while(input.r == input.w){
      if(myproc()->killed){
        release(&cons.lock);
        ilock(ip);
        return -1;
      }
      sleep(&input.r, &cons.lock);
    }
    c = input.buf[input.r++ % INPUT_BUF];
    if(c == C('D')){  // end of file
      if(n < target){
        // Keep ^D for the next read so that it returns 0.
        input.r--;
      }
      break;
    }
    *dst++ = c;
    --n;
    if(c == '\n')
      break;
  }
  release(&cons.lock);
  ilock(ip);

  return target - n;
}

int
consolewrite(struct inode *ip, char *buf, int n)
{
  int i;

  iunlock(ip);
  acquire(&cons.lock);
  for(i = 0; i < n; i++)
    consputc(buf[i] & 0xff);
  release(&cons.lock);
  ilock(ip);

  return n;
}

void
consoleinit(void)
{
  initlock(&cons.lock, "console");

  devsw[CONSOLE].write = consolewrite;
  devsw[CONSOLE].read = consoleread;
  cons.locking = 1;

  ioapicenable(IRQ_KBD, 0);
}
