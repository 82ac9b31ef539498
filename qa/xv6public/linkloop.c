// linkloop: measure how often xv6-public deadlocks when two processes
// create, link and unlink the same few names at once. With more than
// one CPU xv6-public has an inode lock-order cycle among create,
// sys_unlink and sys_link; usertests' linkunlink can hit it, and this
// repeats the same kind of race many times so a run either prints
// "linkloop: done" or hangs (the deadlock).
//
// usage: linkloop [rounds]     (default 200)
//
// Written for Gemu; compiled only into a temporary xv6-public build
// (internal/xv6build). Uses only xv6-public's user.h.
#include "types.h"
#include "stat.h"
#include "user.h"
#include "fcntl.h"

#define OPS 100      // operations per process per round
#define NNAME 3

static char *names[NNAME] = { "lla", "llb", "llc" };

// One process's share of a round: OPS operations picked by a small
// linear congruential generator, seeded differently in the two
// processes so that they do different things at the same time.
static void
churn(uint x)
{
  int i, fd;
  char *a, *b;

  for(i = 0; i < OPS; i++){
    x = x * 1103515245 + 12345;
    a = names[(x >> 8) % NNAME];
    b = names[(x >> 16) % NNAME];
    switch((x >> 24) % 3){
    case 0:
      if((fd = open(a, O_CREATE | O_RDWR)) >= 0)
        close(fd);
      break;
    case 1:
      link(b, a);  // fails harmlessly when b is missing or a exists
      break;
    case 2:
      unlink(a);
      break;
    }
  }
}

int
main(int argc, char *argv[])
{
  int rounds, r, i, pid;

  rounds = argc > 1 ? atoi(argv[1]) : 200;
  if(rounds < 1){
    printf(2, "usage: linkloop [rounds]\n");
    exit();
  }
  for(r = 0; r < rounds; r++){
    if(r % 20 == 0)
      printf(1, "linkloop: round %d\n", r);
    pid = fork();
    if(pid < 0){
      printf(1, "linkloop: fork failed\n");
      exit();
    }
    churn(pid == 0 ? 97 + r : 1 + r);
    if(pid == 0)
      exit();
    wait();
    for(i = 0; i < NNAME; i++)
      unlink(names[i]);
  }
  printf(1, "linkloop: done\n");
  exit();
}
