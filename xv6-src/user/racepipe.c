// racepipe: do bytes survive a pipe that two processes write at once?
// Built only into RACE kernels' fs.img (make RACE=pipe, see README.md):
// with the planted pipe mistake and two CPUs, bytes get lost, duplicated
// or overwritten, and the byte counts below no longer add up.
//
// usage: racepipe [rounds [writers]]   (default 10 rounds, 2 writers)
//
// Writer w writes the byte values w*32 .. w*32+31 over and over, so the
// reader can count each value and know exactly how many it must see,
// whatever order the writers' chunks arrive in.
#include "types.h"
#include "stat.h"
#include "user.h"

#define PERWRITER 16384  // bytes each writer sends per round
#define CHUNK 100        // bytes per write()
#define MAXWRITERS 8

static char buf[CHUNK];
static int seen[256];

static void
writer(int fd, int w)
{
  int sent, n, i;

  for(sent = 0; sent < PERWRITER; sent += n){
    n = PERWRITER - sent < CHUNK ? PERWRITER - sent : CHUNK;
    for(i = 0; i < n; i++)
      buf[i] = w*32 + (sent + i) % 32;
    if(write(fd, buf, n) != n){
      printf(1, "racepipe: writer %d: write failed\n", w);
      exit();
    }
  }
  exit();
}

// One round: 0 if every byte arrived exactly once.
static int
round(int r, int writers)
{
  int fds[2], i, n, total, bad;

  if(pipe(fds) < 0){
    printf(1, "racepipe: FAIL pipe() failed\n");
    return -1;
  }
  for(i = 0; i < writers; i++){
    n = fork();
    if(n < 0){
      printf(1, "racepipe: FAIL fork() failed\n");
      return -1;
    }
    if(n == 0){
      close(fds[0]);
      writer(fds[1], i);
    }
  }
  close(fds[1]);  // the read below ends when every writer has exited
  for(i = 0; i < 256; i++)
    seen[i] = 0;
  total = 0;
  while((n = read(fds[0], buf, CHUNK)) > 0){
    for(i = 0; i < n; i++)
      seen[(uchar)buf[i]]++;
    total += n;
  }
  close(fds[0]);
  for(i = 0; i < writers; i++)
    wait();

  bad = 0;
  for(i = 0; i < 256; i++){
    n = i < writers*32 ? PERWRITER/32 : 0;
    if(seen[i] != n){
      if(bad++ < 4)
        printf(1, "racepipe: FAIL round %d: byte %d seen %d times, want %d\n",
          r, i, seen[i], n);
    }
  }
  if(total != writers*PERWRITER){
    printf(1, "racepipe: FAIL round %d: %d bytes, want %d\n", r, total, writers*PERWRITER);
    bad++;
  }
  return bad ? -1 : 0;
}

int
main(int argc, char *argv[])
{
  int rounds, writers, r, failed;

  rounds = argc > 1 ? atoi(argv[1]) : 10;
  writers = argc > 2 ? atoi(argv[2]) : 2;
  if(rounds < 1 || writers < 1 || writers > MAXWRITERS){
    printf(2, "usage: racepipe [rounds [writers 1-%d]]\n", MAXWRITERS);
    exit();
  }
  failed = 0;
  for(r = 0; r < rounds; r++)
    if(round(r, writers) < 0)
      failed++;
  if(failed)
    printf(1, "racepipe: FAIL %d of %d rounds\n", failed, rounds);
  else
    printf(1, "racepipe: ok\n");
  exit();
}
