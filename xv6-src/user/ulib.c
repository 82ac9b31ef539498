// The small C library user programs link with.
#include "types.h"
#include "stat.h"
#include "fcntl.h"
#include "user.h"

char*
strcpy(char *dst, const char *src)
{
  char *d = dst;

  while((*d++ = *src++) != 0)
    ;
  return dst;
}

int
strcmp(const char *a, const char *b)
{
  while(*a != 0 && *a == *b){
    a++;
    b++;
  }
  return (uchar)*a - (uchar)*b;
}

uint
strlen(const char *s)
{
  uint n = 0;

  while(s[n] != 0)
    n++;
  return n;
}

void*
memset(void *dst, int c, uint n)
{
  uchar *d = dst;

  while(n-- > 0)
    *d++ = c;
  return dst;
}

char*
strchr(const char *s, char c)
{
  for(; *s != 0; s++)
    if(*s == c)
      return (char*)s;
  return 0;
}

// gets reads one line (up to max-1 bytes, newline included) from fd 0.
char*
gets(char *buf, int max)
{
  int n = 0;
  char c;

  while(n + 1 < max){
    if(read(0, &c, 1) < 1)
      break;
    buf[n++] = c;
    if(c == '\n' || c == '\r')
      break;
  }
  buf[n] = 0;
  return buf;
}

int
stat(const char *path, struct stat *st)
{
  int fd, r;

  fd = open(path, O_RDONLY);
  if(fd < 0)
    return -1;
  r = fstat(fd, st);
  close(fd);
  return r;
}

// atoi accepts decimal digits only, as xv6's does.
int
atoi(const char *s)
{
  int v = 0;

  while(*s >= '0' && *s <= '9')
    v = v*10 + (*s++ - '0');
  return v;
}

// memmove copies correctly when the ranges overlap.
void*
memmove(void *dst, const void *src, int n)
{
  char *d = dst;
  const char *s = src;

  if(d > s && d < s + n){
    d += n;
    s += n;
    while(n-- > 0)
      *--d = *--s;
  } else {
    while(n-- > 0)
      *d++ = *s++;
  }
  return dst;
}

// gcc may emit calls to memcpy for structure copies.
void*
memcpy(void *dst, const void *src, uint n)
{
  return memmove(dst, src, n);
}

int
memcmp(const void *a, const void *b, uint n)
{
  const uchar *p = a, *q = b;

  for(; n > 0; n--, p++, q++)
    if(*p != *q)
      return *p - *q;
  return 0;
}
