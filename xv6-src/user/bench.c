// bench: a fixed amount of CPU-bound integer work, timed in uptime ticks.
//
// "compute" is loops, function calls, array traffic through memory of its
// own (from malloc; calls use the stack), multiplication and division. "globals" is a
// loop that writes global variables: in an xv6 program the data sits on
// the same pages as the code (one segment, see user.ld), which emulators
// that watch code pages for writes handle slowly, so it is timed apart.
// Every part checks its result, so a wrong answer cannot pass for speed.
//
// Output, one line each, stable for scripts:
//   bench: compute T1 ticks
//   bench: globals T2 ticks
//   bench: total T ticks
//   bench: results ok            (or: bench: results WRONG in PART)
#include "types.h"
#include "stat.h"
#include "user.h"

#define SIEVE   100000   // sieve of Eratosthenes size
#define NSORT   20000    // elements sorted
#define MATN    48       // matrix side
#define ROUNDS  16       // times the compute kernels run

static char *wrong;

static void
expect(uint got, uint want, char *part)
{
  if(got != want && wrong == 0){
    printf(1, "bench: %s gave %x, want %x\n", part, got, want);
    wrong = part;
  }
}

// fib makes many small calls.
static uint
fib(uint n)
{
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

// sieve counts the primes below n in a byte array.
static uint
sieve(char *composite, uint n)
{
  uint i, j, count = 0;

  memset(composite, 0, n);
  for(i = 2; i < n; i++){
    if(composite[i])
      continue;
    count++;
    for(j = i * 2; j < n; j += i)
      composite[j] = 1;
  }
  return count;
}

static uint seed;

static uint
rnd(void)
{
  seed = seed * 1103515245 + 12345;
  return seed >> 8;
}

// shellsort sorts a and returns a checksum of the sorted order.
static uint
shellsort(uint *a, uint n)
{
  uint gap, i, j, v, sum = 0;

  for(gap = 1; gap < n / 3; gap = gap * 3 + 1)
    ;
  for(; gap > 0; gap /= 3){
    for(i = gap; i < n; i++){
      v = a[i];
      for(j = i; j >= gap && a[j - gap] > v; j -= gap)
        a[j] = a[j - gap];
      a[j] = v;
    }
  }
  for(i = 1; i < n; i++){
    if(a[i - 1] > a[i])
      return 0;
    sum = sum * 31 + a[i];
  }
  return sum;
}

// matmul multiplies two matrices (user memory from malloc: the stack is
// a single page) and sums the product.
static uint
matmul(uint *a, uint *b, uint k)
{
  uint i, j, m, s, sum = 0;

  for(i = 0; i < MATN; i++){
    for(j = 0; j < MATN; j++){
      a[i*MATN + j] = i * j + k;
      b[i*MATN + j] = i + j * k;
    }
  }
  for(i = 0; i < MATN; i++){
    for(j = 0; j < MATN; j++){
      s = 0;
      for(m = 0; m < MATN; m++)
        s += a[i*MATN + m] * b[m*MATN + j];
      sum ^= s + i;
    }
  }
  return sum;
}

// muldiv mixes multiplication, division and remainder.
static uint
muldiv(uint n)
{
  uint i, x = 12345, acc = 0;
  int sx;

  for(i = 1; i <= n; i++){
    x = x * 69069 + 1;
    acc += x / i + x % (i + 7);
    sx = (int)x >> 3;
    acc ^= (uint)(sx / 13 - sx % 11);
  }
  return acc;
}

static uint
compute(void)
{
  char *composite = malloc(SIEVE);
  uint *arr = malloc(NSORT * sizeof(uint));
  uint *ma = malloc(2 * MATN * MATN * sizeof(uint));
  uint r, i, sum = 0;

  if(composite == 0 || arr == 0 || ma == 0){
    printf(1, "bench: out of memory\n");
    exit();
  }
  for(r = 0; r < ROUNDS; r++){
    expect(fib(24), 46368, "fib");
    expect(sieve(composite, SIEVE), 9592, "sieve");
    seed = r + 1;
    for(i = 0; i < NSORT; i++)
      arr[i] = rnd();
    sum += shellsort(arr, NSORT);
    sum += matmul(ma, ma + MATN*MATN, r);
    sum += muldiv(300000);
  }
  free(composite);
  free(arr);
  free(ma);
  return sum;
}

// The globals part: initialized, so they live in .data right after the
// code, on the code's own page in a program this small.
volatile uint gcount = 1;
volatile uint gsum = 2;
volatile uint ghist[16] = { 3 };

static uint
globals(uint n)
{
  uint i;

  for(i = 0; i < n; i++){
    gcount++;
    gsum += i ^ gcount;
    ghist[i & 15] += gsum;
  }
  return gcount + gsum + ghist[5];
}

int
main(void)
{
  uint t0, t1, t2, v;

  t0 = uptime();
  v = compute();
  t1 = uptime();
  expect(v, 0x2840f225, "compute");
  v = globals(1000000);
  t2 = uptime();
  expect(v, 0xcc3f33db, "globals");
  printf(1, "bench: compute %d ticks\n", t1 - t0);
  printf(1, "bench: globals %d ticks\n", t2 - t1);
  printf(1, "bench: total %d ticks\n", t2 - t0);
  if(wrong)
    printf(1, "bench: results WRONG in %s\n", wrong);
  else
    printf(1, "bench: results ok\n");
  exit();
}
