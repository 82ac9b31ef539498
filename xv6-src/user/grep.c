// grep: print the lines that match a pattern. Patterns know ^ (start of
// line), $ (end of line), . (any character) and c* (any run of c).
#include "types.h"
#include "stat.h"
#include "user.h"
#include "fcntl.h"

static int here(char *re, char *s);

// star matches c* followed by re at s, trying the longest run first.
static int
star(int c, char *re, char *s)
{
  char *t = s;

  while(*t != 0 && (c == '.' || *t == c))
    t++;
  for(; t >= s; t--)
    if(here(re, t))
      return 1;
  return 0;
}

// here says whether re matches a prefix of s.
static int
here(char *re, char *s)
{
  for(;;){
    if(re[0] == 0)
      return 1;
    if(re[1] == '*')
      return star(re[0], re + 2, s);
    if(re[0] == '$' && re[1] == 0)
      return *s == 0;
    if(*s == 0 || (re[0] != '.' && re[0] != *s))
      return 0;
    re++;
    s++;
  }
}

static int
match(char *re, char *s)
{
  if(re[0] == '^')
    return here(re + 1, s);
  for(;;){
    if(here(re, s))
      return 1;
    if(*s++ == 0)
      return 0;
  }
}

static char buf[1024];

static void
grep(char *re, int fd)
{
  int have = 0, n;
  char *line, *nl;

  while((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0){
    have += n;
    buf[have] = 0;
    line = buf;
    while((nl = strchr(line, '\n')) != 0){
      *nl = 0;
      if(match(re, line)){
        *nl = '\n';
        write(1, line, nl + 1 - line);
      }
      line = nl + 1;
    }
    have -= line - buf;
    if(have == sizeof(buf) - 1){
      // A line longer than the buffer: judge the part we have.
      if(match(re, buf)){
        write(1, buf, have);
        write(1, "\n", 1);
      }
      have = 0;
    }
    memmove(buf, line, have);
  }
  if(have > 0){
    buf[have] = 0;
    if(match(re, buf)){
      write(1, buf, have);
      write(1, "\n", 1);
    }
  }
}

int
main(int argc, char *argv[])
{
  int i, fd;

  if(argc < 2){
    printf(2, "usage: grep pattern [file...]\n");
    exit();
  }
  if(argc == 2){
    grep(argv[1], 0);
    exit();
  }
  for(i = 2; i < argc; i++){
    if((fd = open(argv[i], O_RDONLY)) < 0){
      printf(2, "grep: cannot open %s\n", argv[i]);
      exit();
    }
    grep(argv[1], fd);
    close(fd);
  }
  exit();
}
