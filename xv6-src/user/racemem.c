// racemem: processes that grow and shrink their memory at once.
// Built only into RACE kernels' fs.img (make RACE=kalloc, see README.md).
//
// usage: racemem [rounds [procs]]   (default 200 rounds, 2 processes)
//
// Each process repeatedly asks for a few pages with sbrk, fills each
// with its own pid and checks it, then gives them back: on two CPUs the
// kernel's kalloc and kfree run at the same moment. With RACE=kalloc
// the free list is touched without its lock, so a page can be handed
// to two processes at once (a check fails) or the list can break.
#include "types.h"
#include "stat.h"
#include "user.h"

#define PAGES 4
#define PGSIZE 4096
#define MAXPROCS 8

// Returns the number of bad pages seen.
static int
churn(int rounds)
{
  int r, i, j, pid, bad;
  char *p;

  pid = getpid();
  bad = 0;
  for(r = 0; r < rounds; r++){
    p = sbrk(PAGES * PGSIZE);
    if(p == (char*)-1)
      return bad + 1;
    for(i = 0; i < PAGES; i++)
      for(j = 0; j < PGSIZE; j += 512)
        p[i*PGSIZE + j] = pid;
    for(i = 0; i < PAGES; i++)
      for(j = 0; j < PGSIZE; j += 512)
        if(p[i*PGSIZE + j] != (char)pid)
          bad++;
    sbrk(-PAGES * PGSIZE);
  }
  return bad;
}

int
main(int argc, char *argv[])
{
  int rounds, procs, i, fds[2], bad, n;

  rounds = argc > 1 ? atoi(argv[1]) : 200;
  procs = argc > 2 ? atoi(argv[2]) : 2;
  if(rounds < 1 || procs < 1 || procs > MAXPROCS){
    printf(2, "usage: racemem [rounds [procs 1-%d]]\n", MAXPROCS);
    exit();
  }
  if(pipe(fds) < 0){
    printf(1, "racemem: FAIL pipe\n");
    exit();
  }
  for(i = 0; i < procs; i++){
    if((n = fork()) < 0){
      printf(1, "racemem: FAIL fork\n");
      exit();
    }
    if(n == 0){
      bad = churn(rounds);
      write(fds[1], &bad, sizeof bad);
      exit();
    }
  }
  close(fds[1]);
  bad = 0;
  for(i = 0; i < procs; i++){
    if(read(fds[0], &n, sizeof n) != sizeof n){
      printf(1, "racemem: FAIL a process died\n");
      bad++;
      break;
    }
    bad += n;
  }
  for(i = 0; i < procs; i++)
    wait();
  if(bad)
    printf(1, "racemem: FAIL %d bad pages\n", bad);
  else
    printf(1, "racemem: ok\n");
  exit();
}
