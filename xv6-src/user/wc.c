// wc: count lines, words and bytes.
#include "types.h"
#include "stat.h"
#include "user.h"
#include "fcntl.h"

static char buf[512];

static void
count(int fd, char *name)
{
  int lines = 0, words = 0, bytes = 0, inword = 0;
  int i, n;
  char c;

  while((n = read(fd, buf, sizeof(buf))) > 0){
    bytes += n;
    for(i = 0; i < n; i++){
      c = buf[i];
      if(c == '\n')
        lines++;
      if(c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v'){
        inword = 0;
      } else if(!inword){
        inword = 1;
        words++;
      }
    }
  }
  if(n < 0){
    printf(2, "wc: read error\n");
    exit();
  }
  printf(1, "%d %d %d %s\n", lines, words, bytes, name);
}

int
main(int argc, char *argv[])
{
  int i, fd;

  if(argc < 2){
    count(0, "");
    exit();
  }
  for(i = 1; i < argc; i++){
    if((fd = open(argv[i], O_RDONLY)) < 0){
      printf(2, "wc: cannot open %s\n", argv[i]);
      exit();
    }
    count(fd, argv[i]);
    close(fd);
  }
  exit();
}
