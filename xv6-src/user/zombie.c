// zombie: leave a child unreaped for a while (it stays a zombie until
// this process exits and init collects it).
#include "types.h"
#include "stat.h"
#include "user.h"

int
main(void)
{
  if(fork() > 0)
    sleep(5);
  exit();
}
