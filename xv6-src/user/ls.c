// ls: list files. For a directory, list its entries: name, type, inode, size.
#include "types.h"
#include "stat.h"
#include "user.h"
#include "fs.h"
#include "fcntl.h"

// column pads a name to DIRSIZ characters so that the numbers line up.
static char*
column(char *path)
{
  static char out[DIRSIZ+1];
  char *name = path + strlen(path);
  int n;

  while(name > path && name[-1] != '/')
    name--;
  n = strlen(name);
  if(n >= DIRSIZ)
    return name;
  memmove(out, name, n);
  memset(out + n, ' ', DIRSIZ - n);
  out[DIRSIZ] = 0;
  return out;
}

static void
ls(char *path)
{
  char buf[512], *p;
  int fd;
  struct dirent de;
  struct stat st;

  if((fd = open(path, O_RDONLY)) < 0){
    printf(2, "ls: cannot open %s\n", path);
    return;
  }
  if(fstat(fd, &st) < 0){
    printf(2, "ls: cannot stat %s\n", path);
    close(fd);
    return;
  }
  if(st.type != T_DIR){
    printf(1, "%s %d %d %d\n", column(path), st.type, st.ino, st.size);
    close(fd);
    return;
  }
  if(strlen(path) + 1 + DIRSIZ + 1 > sizeof(buf)){
    printf(2, "ls: path too long\n");
    close(fd);
    return;
  }
  strcpy(buf, path);
  p = buf + strlen(buf);
  *p++ = '/';
  while(read(fd, &de, sizeof(de)) == sizeof(de)){
    if(de.inum == 0)
      continue;
    memmove(p, de.name, DIRSIZ);
    p[DIRSIZ] = 0;
    if(stat(buf, &st) < 0){
      printf(2, "ls: cannot stat %s\n", buf);
      continue;
    }
    printf(1, "%s %d %d %d\n", column(buf), st.type, st.ino, st.size);
  }
  close(fd);
}

int
main(int argc, char *argv[])
{
  int i;

  if(argc < 2)
    ls(".");
  for(i = 1; i < argc; i++)
    ls(argv[i]);
  exit();
}
