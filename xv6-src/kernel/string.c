// The few C library string functions the kernel uses.

#include "types.h"
#include "x86.h"

void*
memset(void *dst, int c, uint n)
{
  // Whole dwords when the address and length allow it.
  if((int)dst % 4 == 0 && n % 4 == 0){
    c &= 0xFF;
    stosl(dst, (c << 24) | (c << 16) | (c << 8) | c, n / 4);
  } else
    stosb(dst, c, n);
  return dst;
}

int
memcmp(const void *v1, const void *v2, uint n)
{
  const uchar *a = v1, *b = v2;

  for(; n > 0; n--, a++, b++)
    if(*a != *b)
      return *a - *b;
  return 0;
}

void*
memmove(void *dst, const void *src, uint n)
{
  const char *s = src;
  char *d = dst;

  if(s < d && s + n > d){
    // Overlap with dst above src: copy from the end.
    s += n;
    d += n;
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
strncmp(const char *p, const char *q, uint n)
{
  for(; n > 0 && *p && *p == *q; n--, p++, q++)
    ;
  if(n == 0)
    return 0;
  return (uchar)*p - (uchar)*q;
}

// Copy at most n bytes; pads with zeros like the C library's strncpy.
char*
strncpy(char *s, const char *t, int n)
{
  char *os = s;

  for(; n > 0 && (*s = *t) != 0; n--, s++, t++)
    ;
  for(; n > 0; n--)
    *s++ = 0;
  return os;
}

// Like strncpy but always NUL-terminates.
char*
safestrcpy(char *s, const char *t, int n)
{
  char *os = s;

  if(n <= 0)
    return os;
  for(; --n > 0 && (*s = *t) != 0; s++, t++)
    ;
  *s = 0;
  return os;
}

int
strlen(const char *s)
{
  int n;

  for(n = 0; s[n]; n++)
    ;
  return n;
}
