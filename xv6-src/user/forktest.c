// forktest: fork until the process table is full, then reap every child.
// It avoids printf so that it stays small.
#include "types.h"
#include "stat.h"
#include "user.h"

#define TRIES 1000

static void
say(char *s)
{
  write(1, s, strlen(s));
}

int
main(void)
{
  int n, pid;

  say("fork test\n");
  for(n = 0; n < TRIES; n++){
    pid = fork();
    if(pid < 0)
      break;
    if(pid == 0)
      exit();
  }
  if(n == TRIES){
    say("fork claimed to work 1000 times!\n");
    exit();
  }
  for(; n > 0; n--){
    if(wait() < 0){
      say("wait stopped early\n");
      exit();
    }
  }
  if(wait() != -1){
    say("wait got too many\n");
    exit();
  }
  say("fork test OK\n");
  exit();
}
