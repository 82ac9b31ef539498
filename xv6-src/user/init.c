// init: the first program. It gives itself the console as fds 0, 1 and 2,
// then keeps a shell running and reaps every orphan handed to it.
#include "types.h"
#include "stat.h"
#include "user.h"
#include "fcntl.h"

#define CONSOLE 1  // console major device number

char *shargv[] = { "sh", 0 };

int
main(void)
{
  int pid, w;

  if(open("console", O_RDWR) < 0){
    mknod("console", CONSOLE, 1);
    if(open("console", O_RDWR) < 0)
      exit();
  }
  dup(0);  // stdout
  dup(0);  // stderr

  for(;;){
    printf(1, "init: starting sh\n");
    pid = fork();
    if(pid < 0){
      printf(1, "init: fork failed\n");
      exit();
    }
    if(pid == 0){
      exec("sh", shargv);
      printf(1, "init: exec sh failed\n");
      exit();
    }
    // Orphans are reparented to init; reap them until the shell itself ends.
    while((w = wait()) >= 0 && w != pid)
      ;
  }
}
