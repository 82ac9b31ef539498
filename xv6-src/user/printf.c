// printf(fd, fmt, ...): %d %u %x %p %s %c %% and nothing else.
// The text is gathered in a buffer and written with as few write calls as
// possible (one, for lines up to 256 bytes), so that lines printed by
// processes running at the same time do not interleave character by character.
#include "types.h"
#include "stat.h"
#include "user.h"

struct out {
  int fd;
  int n;
  char buf[256];
};

static void
putc(struct out *o, char c)
{
  if(o->n == sizeof(o->buf)){
    write(o->fd, o->buf, o->n);
    o->n = 0;
  }
  o->buf[o->n++] = c;
}

static void
putnum(struct out *o, uint v, int base, int negative)
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
    putc(o, buf[--n]);
}

void
printf(int fd, const char *fmt, ...)
{
  __builtin_va_list ap;
  struct out o;
  const char *s;
  int c, d;

  o.fd = fd;
  o.n = 0;
  __builtin_va_start(ap, fmt);
  for(; (c = (uchar)*fmt) != 0; fmt++){
    if(c != '%'){
      putc(&o, c);
      continue;
    }
    c = (uchar)*++fmt;
    if(c == 0)
      break;
    switch(c){
    case 'd':
      d = __builtin_va_arg(ap, int);
      if(d < 0)
        putnum(&o, -(uint)d, 10, 1);
      else
        putnum(&o, d, 10, 0);
      break;
    case 'u':
      putnum(&o, __builtin_va_arg(ap, uint), 10, 0);
      break;
    case 'x':
    case 'p':
      putnum(&o, __builtin_va_arg(ap, uint), 16, 0);
      break;
    case 's':
      s = __builtin_va_arg(ap, const char*);
      if(s == 0)
        s = "(null)";
      for(; *s != 0; s++)
        putc(&o, *s);
      break;
    case 'c':
      putc(&o, __builtin_va_arg(ap, int));
      break;
    case '%':
      putc(&o, '%');
      break;
    default:
      // Unknown directive: show it as written.
      putc(&o, '%');
      putc(&o, c);
      break;
    }
  }
  __builtin_va_end(ap);
  if(o.n > 0)
    write(fd, o.buf, o.n);
}
