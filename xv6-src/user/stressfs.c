// stressfs: several processes write and read back their own files at the
// same time, which keeps the log and the buffer cache busy.
#include "types.h"
#include "stat.h"
#include "user.h"
#include "fs.h"
#include "fcntl.h"

#define NWORKER 4
#define NBLOCK 20

int
main(void)
{
  char name[] = "stressfs0";
  char buf[BSIZE];
  int i, j, k, fd, bad;

  printf(1, "stressfs starting\n");
  for(i = 0; i < NWORKER; i++)
    if(fork() == 0)
      break;
  // i is now this process's number: NWORKER for the parent.
  name[8] = '0' + i;
  printf(1, "write %d\n", i);
  fd = open(name, O_CREATE|O_RDWR);
  if(fd < 0){
    printf(1, "stressfs: cannot create %s\n", name);
    exit();
  }
  for(j = 0; j < NBLOCK; j++){
    memset(buf, 'a' + i + j, sizeof(buf));
    if(write(fd, buf, sizeof(buf)) != sizeof(buf)){
      printf(1, "stressfs: write %s failed\n", name);
      exit();
    }
  }
  close(fd);

  printf(1, "read\n");
  bad = 0;
  fd = open(name, O_RDONLY);
  for(j = 0; j < NBLOCK; j++){
    if(read(fd, buf, sizeof(buf)) != sizeof(buf))
      bad = 1;
    for(k = 0; k < sizeof(buf); k++)
      if(buf[k] != (char)('a' + i + j))
        bad = 1;
  }
  close(fd);
  unlink(name);
  if(bad){
    printf(1, "stressfs: %s read back wrong\n", name);
    exit();
  }
  if(i < NWORKER)
    exit();
  for(i = 0; i < NWORKER; i++)
    wait();
  printf(1, "stressfs ok\n");
  exit();
}
