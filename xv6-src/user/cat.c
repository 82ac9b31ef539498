// cat: copy each named file, or the standard input, to the standard output.
#include "types.h"
#include "stat.h"
#include "user.h"
#include "fcntl.h"

static char buf[512];

static void
copy(int fd, char *name)
{
  int n;

  while((n = read(fd, buf, sizeof(buf))) > 0){
    if(write(1, buf, n) != n){
      printf(2, "cat: write error\n");
      exit();
    }
  }
  if(n < 0){
    printf(2, "cat: read error in %s\n", name);
    exit();
  }
}

int
main(int argc, char *argv[])
{
  int i, fd;

  if(argc < 2){
    copy(0, "standard input");
    exit();
  }
  for(i = 1; i < argc; i++){
    if((fd = open(argv[i], O_RDONLY)) < 0){
      printf(2, "cat: cannot open %s\n", argv[i]);
      exit();
    }
    copy(fd, argv[i]);
    close(fd);
  }
  exit();
}
