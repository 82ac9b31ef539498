// printf(fd, fmt, ...): %d %u %x %p %s %c %% and nothing else,
// written one byte at a time as xv6's console expects.
#include "types.h"
#include "stat.h"
#include "user.h"

static void
putc(int fd, char c)
{
  write(fd, &c, 1);
}

static void
putnum(int fd, uint v, int base, int negative)
{
  static const char digit[] = "0123456789abcdef";
  char buf[12];
  int n = 0;

  do {
    buf[n++] = digit[v % base];
    v /= base;
  } while(v != 0);
  if(negative)
    buf[n++] = '-';
  while(n > 0)
    putc(fd, buf[--n]);
}

void
printf(int fd, const char *fmt, ...)
{
  __builtin_va_list ap;
  const char *s;
  int c, d;

  __builtin_va_start(ap, fmt);
  for(; (c = (uchar)*fmt) != 0; fmt++){
    if(c != '%'){
      putc(fd, c);
      continue;
    }
    c = (uchar)*++fmt;
    if(c == 0)
      break;
    switch(c){
    case 'd':
      d = __builtin_va_arg(ap, int);
      if(d < 0)
        putnum(fd, -(uint)d, 10, 1);
      else
        putnum(fd, d, 10, 0);
      break;
    case 'u':
      putnum(fd, __builtin_va_arg(ap, uint), 10, 0);
      break;
    case 'x':
    case 'p':
      putnum(fd, __builtin_va_arg(ap, uint), 16, 0);
      break;
    case 's':
      s = __builtin_va_arg(ap, const char*);
      if(s == 0)
        s = "(null)";
      for(; *s != 0; s++)
        putc(fd, *s);
      break;
    case 'c':
      putc(fd, __builtin_va_arg(ap, int));
      break;
    case '%':
      putc(fd, '%');
      break;
    default:
      // Unknown directive: show it as written.
      putc(fd, '%');
      putc(fd, c);
      break;
    }
  }
  __builtin_va_end(ap);
}
