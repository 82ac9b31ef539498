// fputest: the x87 in a user program: double arithmetic, conversions printed
// by hand, fsqrt, integer conversion in the four rounding modes, and two
// processes computing with the FPU at once across context switches.
#include "types.h"
#include "stat.h"
#include "user.h"

static volatile double a = 1.5, b = 4.0;

// printd prints x with n decimals (printf has no %f).
static void
printd(double x, int n)
{
  int i, d, ip;

  if(x < 0){
    printf(1, "-");
    x = -x;
  }
  ip = (int)x;
  printf(1, "%d.", ip);
  x -= ip;
  for(i = 0; i < n; i++){
    x *= 10;
    d = (int)x;
    printf(1, "%d", d);
    x -= d;
  }
}

static double
fsqrt(double x)
{
  double r;

  asm("fsqrt" : "=t" (r) : "0" (x));
  return r;
}

// fist converts x to an integer with rounding control rc (0 nearest,
// 1 down, 2 up, 3 toward zero).
static int
fist(double x, int rc)
{
  ushort cw, ncw;
  int r;

  asm volatile("fnstcw %0" : "=m" (cw));
  ncw = (cw & ~0xC00) | rc << 10;
  asm volatile("fldcw %0" : : "m" (ncw));
  asm volatile("fistpl %0" : "=m" (r) : "t" (x) : "st");
  asm volatile("fldcw %0" : : "m" (cw));
  return r;
}

// spin sums step*i for i = 1..n: exact in a double, and long enough to be
// preempted several times.
static double
spin(double step, int n)
{
  double s = 0;
  int i;

  for(i = 1; i <= n; i++)
    s += step * i;
  return s;
}

static int
spinok(double step)
{
  int n = 3000000, k;
  double want = step * ((double)n * (n + 1) / 2);

  for(k = 0; k < 3; k++)
    if(spin(step, n) != want)
      return 0;
  return 1;
}

int
main(void)
{
  static char *modes[] = {"nearest", "down", "up", "zero"};
  static double vals[] = {2.5, -2.5, 1.75, -1.25};
  double h;
  int i, rc, pid, ok;

  printf(1, "fputest: (int)(1.5*4.0) = %d\n", (int)(a*b));
  printf(1, "fputest: 7/2 = ");
  printd((double)7 / 2, 6);
  printf(1, ", (int)-3.7 = %d\n", (int)-(a + 2.2));
  printf(1, "fputest: sqrt(2) = ");
  printd(fsqrt(2.0), 15);
  printf(1, "\n");
  h = 0;
  for(i = 1; i <= 10; i++)
    h += 1.0 / i;
  printf(1, "fputest: H(10) = ");
  printd(h, 6);
  printf(1, "\n");
  printf(1, "fputest: rounding 2.5 -2.5 1.75 -1.25:");
  for(rc = 0; rc < 4; rc++){
    printf(1, " %s", modes[rc]);
    for(i = 0; i < 4; i++)
      printf(1, " %d", fist(vals[i], rc));
  }
  printf(1, "\n");

  pid = fork();
  if(pid < 0){
    printf(1, "fputest: fork failed\n");
    exit();
  }
  ok = spinok(pid == 0 ? 3.0 : 1.0);
  if(pid == 0){
    printf(1, "fputest: child %s\n", ok ? "ok" : "FAILED");
    exit();
  }
  wait();
  printf(1, "fputest: parent %s\n", ok ? "ok" : "FAILED");
  exit();
}
