// usertests: tests of the kernel through its system calls.
//
// Each test runs in its own child process, so that a crash, a leak of
// memory or a bad current directory stays inside it. A test and every
// process it forks share the write end of a result pipe: fail() puts an
// 'F' there, and the test's main process puts a 'P' when it reaches its
// end. The runner reads the pipe to its end, so a test is over only when
// all of its processes are.
//
// "usertests" runs everything once per file system (it leaves
// usertests.ran behind); "usertests name..." runs the named tests.
#include "types.h"
#include "stat.h"
#include "user.h"
#include "fcntl.h"
#include "param.h"
#include "fs.h"

#define KERNBASE 0x80000000
#define PGSIZE   4096
#define BIG      (64*1024*1024)  // the sbrk test grows the process to this

static char buf[8192];
static char *testname;
static int resultfd = -1;

static void
fail(char *why)
{
  printf(1, "%s: FAILED: %s\n", testname, why);
  if(resultfd >= 0)
    write(resultfd, "F", 1);
  exit();
}

#define check(cond, why) do { if(!(cond)) fail(why); } while(0)

static int
forkok(void)
{
  int pid = fork();

  check(pid >= 0, "fork failed");
  return pid;
}

static int
exists(char *path)
{
  int fd = open(path, O_RDONLY);

  if(fd < 0)
    return 0;
  close(fd);
  return 1;
}

static void
makefile(char *path, char *text)
{
  int fd = open(path, O_CREATE|O_RDWR);

  check(fd >= 0, "cannot create a file");
  check(write(fd, text, strlen(text)) == strlen(text), "short write");
  close(fd);
}

// mustdie runs f in a child, which must be killed by it: the child reports
// on a pipe if it survives.
static volatile uint target;

static void
mustdie(void (*f)(void), char *what)
{
  int p[2], n, pid;
  char c;

  check(pipe(p) == 0, "pipe failed");
  pid = forkok();
  if(pid == 0){
    close(p[0]);
    f();
    write(p[1], "x", 1);
    exit();
  }
  close(p[1]);
  n = read(p[0], &c, 1);
  close(p[0]);
  check(wait() == pid, "wait lost the child");
  if(n != 0){
    printf(1, "%s: child survived %s (addr %x)\n", testname, what, target);
    fail("a process that should have faulted kept running");
  }
}

static void
readtarget(void)
{
  char c = *(volatile char*)target;

  printf(1, "%s: read %x at %x\n", testname, (uchar)c, target);
}

static void
writetarget(void)
{
  *(volatile char*)target = 1;
}

// ---------------------------------------------------------------- processes

static void
exitwait(void)
{
  int i, pid, pids[20];

  for(i = 0; i < 100; i++){
    pid = forkok();
    if(pid == 0)
      exit();
    check(wait() == pid, "wait returned another pid");
  }
  // Several at once: each pid comes back exactly once.
  for(i = 0; i < 20; i++){
    pids[i] = forkok();
    if(pids[i] == 0){
      sleep(i % 3);
      exit();
    }
  }
  for(i = 0; i < 20; i++){
    pid = wait();
    for(int j = 0; j < 20; j++){
      if(pids[j] == pid){
        pids[j] = 0;
        pid = 0;
        break;
      }
    }
    check(pid == 0, "wait returned an unknown pid");
  }
  check(wait() == -1, "wait without children did not fail");
}

static void
forkfull(void)
{
  int n, pid;

  for(n = 0; n < 1000; n++){
    pid = fork();
    if(pid < 0)
      break;
    if(pid == 0)
      exit();  // stays a zombie until we wait
  }
  check(n < NPROC, "more children than the process table holds");
  check(n > NPROC/2, "fork failed with the process table half empty");
  for(; n > 0; n--)
    check(wait() >= 0, "wait lost a child");
  check(wait() == -1, "wait found an extra child");
}

// reparent: grandchildren whose parent has exited go to init, not to us.
static void
reparent(void)
{
  int i, pid;

  for(i = 0; i < 50; i++){
    pid = forkok();
    if(pid == 0){
      if(fork() == 0){
        sleep(i % 2);
        exit();
      }
      exit();
    }
    check(wait() == pid, "wait returned another pid");
    check(wait() == -1, "wait returned a grandchild");
  }
}

// forkforkfork: a swarm of processes forks without end until a file
// appears. Every member holds the write end of a pipe, so the pipe's end
// of file says that the whole swarm is gone.
static void
forkforkfork(void)
{
  int pid, i, q[2];
  char c;

  unlink("stopforking");
  check(pipe(q) == 0, "pipe failed");
  pid = forkok();
  if(pid == 0){
    close(q[0]);
    for(;;){
      if(exists("stopforking"))
        exit();
      if(fork() < 0)
        sleep(1);
    }
  }
  close(q[1]);
  sleep(20);
  makefile("stopforking", "stop");
  check(wait() == pid, "wait lost the swarm");
  check(read(q[0], &c, 1) == 0, "the swarm wrote to the pipe");
  close(q[0]);
  // Init has reaped the swarm, or soon will: fork must work again.
  for(i = 0; i < 100; i++){
    pid = fork();
    if(pid == 0)
      exit();
    if(pid > 0){
      wait();
      break;
    }
    sleep(2);
  }
  check(i < 100, "fork never worked again");
  unlink("stopforking");
}

static void
spin(void)
{
  volatile int x = 0;

  for(;;)
    x++;
}

// preempt: one CPU or not, spinning processes must not starve the third.
static void
preempt(void)
{
  int pid1, pid2, pid3, p[2];

  pid1 = forkok();
  if(pid1 == 0)
    spin();
  pid2 = forkok();
  if(pid2 == 0)
    spin();
  check(pipe(p) == 0, "pipe failed");
  pid3 = forkok();
  if(pid3 == 0){
    close(p[0]);
    write(p[1], "x", 1);
    close(p[1]);
    spin();
  }
  close(p[1]);
  check(read(p[0], buf, sizeof(buf)) == 1, "the third child never ran");
  close(p[0]);
  check(kill(pid1) == 0 && kill(pid2) == 0 && kill(pid3) == 0, "kill failed");
  check(wait() > 0 && wait() > 0 && wait() > 0, "a killed child was not reaped");
}

static void
killtest(void)
{
  int pid, p[2], t;

  check(kill(-1) < 0 && kill(0) < 0 && kill(100000) < 0, "kill of no process succeeded");

  // A child blocked reading a pipe.
  check(pipe(p) == 0, "pipe failed");
  pid = forkok();
  if(pid == 0){
    close(p[1]);
    read(p[0], buf, 1);
    exit();
  }
  close(p[0]);
  sleep(2);
  t = uptime();
  check(kill(pid) == 0, "kill failed");
  check(wait() == pid, "killed reader not reaped");
  check(uptime() - t < 100, "killing a blocked reader was slow");
  close(p[1]);

  // A child sleeping for a long time.
  pid = forkok();
  if(pid == 0){
    sleep(100000);
    exit();
  }
  sleep(2);
  t = uptime();
  check(kill(pid) == 0, "kill failed");
  check(wait() == pid, "killed sleeper not reaped");
  check(uptime() - t < 100, "killing a sleeper was slow");
}

static void
sleeptest(void)
{
  int t = uptime();

  check(sleep(10) == 0, "sleep failed");
  check(uptime() - t >= 10, "sleep(10) returned early");
  check(getpid() > 0, "getpid");
}

static void
mem(void)
{
  void *head = 0, *p;
  int n = 0;

  while((p = malloc(10001)) != 0){
    *(void**)p = head;
    head = p;
    n++;
  }
  check(n > 100, "malloc failed early");
  while(head != 0){
    p = *(void**)head;
    free(head);
    head = p;
  }
  p = malloc(1024*20);
  check(p != 0, "malloc failed after freeing everything");
  free(p);
}

static void
exectest(void)
{
  char *argv[] = { "echo", "hello", "exec", 0 };
  int pid, fd, n;

  unlink("echo-out");
  pid = forkok();
  if(pid == 0){
    close(1);
    check(open("echo-out", O_CREATE|O_WRONLY) == 1, "cannot open echo-out as fd 1");
    exec("echo", argv);
    fail("exec echo failed");
  }
  check(wait() == pid, "wait");
  fd = open("echo-out", O_RDONLY);
  check(fd >= 0, "echo wrote nothing");
  n = read(fd, buf, sizeof(buf));
  close(fd);
  buf[n > 0 ? n : 0] = 0;
  check(strcmp(buf, "hello exec\n") == 0, "echo's output is wrong");
  unlink("echo-out");
}

// execbad: exec must fail cleanly, and leave the caller intact, when its
// arguments are wrong.
static void
execbad(void)
{
  char *argv[] = { "echo", "x", 0 };
  char *kargv[] = { "echo", (char*)KERNBASE, 0 };
  char *many[MAXARG+2];
  char **top;
  char *end;
  int i;

  check(exec("no-such-program", argv) < 0, "exec of a missing file");
  check(exec((char*)KERNBASE, argv) < 0, "exec of a kernel path");
  check(exec((char*)0xfffffff0, argv) < 0, "exec of a path at the top of memory");
  check(exec("echo", (char**)KERNBASE) < 0, "exec with argv in the kernel");
  check(exec("echo", kargv) < 0, "exec with an argument in the kernel");
  for(i = 0; i < MAXARG+1; i++)
    many[i] = "x";
  many[MAXARG+1] = 0;
  check(exec("echo", many) < 0, "exec with more than MAXARG arguments");

  // argv running off the end of memory, with no terminating 0.
  end = sbrk(PGSIZE);
  check(end != (char*)-1, "sbrk failed");
  top = (char**)(end + PGSIZE - 2*sizeof(char*));
  top[0] = "echo";
  top[1] = "x";
  check(exec("echo", top) < 0, "exec with an unterminated argv");
  // A path running off the end of memory, with no terminating 0.
  memset(end, 'a', PGSIZE);
  check(exec(end + PGSIZE - 5, argv) < 0, "exec with an unterminated path");

  makefile("notelf", "#!/bin/sh\necho this is not an ELF file\n");
  check(exec("notelf", argv) < 0, "exec of a text file");
  unlink("notelf");
  check(exec(".", argv) < 0, "exec of a directory");
  check(getpid() > 0, "the process is broken after failed execs");
}

static void
bigargtest(void)
{
  static char *args[MAXARG];
  static char big[101];
  int pid, fd, n, total;

  memset(big, 'b', 100);
  args[0] = "echo";
  for(n = 1; n < MAXARG-1; n++)
    args[n] = big;
  args[MAXARG-1] = 0;
  unlink("bigarg-out");
  pid = forkok();
  if(pid == 0){
    close(1);
    check(open("bigarg-out", O_CREATE|O_WRONLY) == 1, "cannot open bigarg-out");
    exec("echo", args);
    fail("exec with MAXARG-1 big arguments failed");
  }
  check(wait() == pid, "wait");
  fd = open("bigarg-out", O_RDONLY);
  check(fd >= 0, "no output");
  total = 0;
  while((n = read(fd, buf, sizeof(buf))) > 0){
    for(int i = 0; i < n; i++)
      check(buf[i] == 'b' || buf[i] == ' ' || buf[i] == '\n', "wrong output");
    total += n;
  }
  close(fd);
  check(total == (MAXARG-2)*101, "output has the wrong length");
  unlink("bigarg-out");

  // Arguments too big for the stack: exec may fail, but must not crash.
  pid = forkok();
  if(pid == 0){
    static char huge[1001];
    memset(huge, 'h', 1000);
    for(n = 1; n < MAXARG-1; n++)
      args[n] = huge;
    close(1);
    open("bigarg-out", O_CREATE|O_WRONLY);
    exec("echo", args);
    exit();
  }
  check(wait() == pid, "wait");
  unlink("bigarg-out");
}

static void
argptest(void)
{
  int fd;
  char *top = sbrk(0);

  fd = open("init", O_RDONLY);
  check(fd >= 0, "cannot open init");
  read(fd, top - 1, -1);  // any result but a crash
  check(read(fd, top - 1, 1) == 1, "reading into the last byte of memory failed");
  check(read(fd, top - 1, 2) < 0, "reading past the end of memory succeeded");
  close(fd);
}

// ---------------------------------------------------------------- pipes

static void
pipetest(void)
{
  int p[2], pid, n, i, cc, total, seq;

  check(pipe(p) == 0, "pipe failed");
  pid = forkok();
  if(pid == 0){
    close(p[0]);
    seq = 0;
    for(n = 0; n < 5; n++){
      for(i = 0; i < 1033; i++)
        buf[i] = seq++;
      check(write(p[1], buf, 1033) == 1033, "pipe write");
    }
    exit();
  }
  close(p[1]);
  total = 0;
  cc = 1;
  seq = 0;
  while((n = read(p[0], buf, cc)) > 0){
    for(i = 0; i < n; i++)
      check((buf[i] & 0xff) == (seq++ & 0xff), "pipe carried the wrong bytes");
    total += n;
    cc *= 2;
    if(cc > sizeof(buf))
      cc = sizeof(buf);
  }
  check(total == 5*1033, "pipe carried the wrong number of bytes");
  close(p[0]);
  check(wait() == pid, "wait");

  // End of file once every write end is closed.
  check(pipe(p) == 0, "pipe failed");
  close(p[1]);
  check(read(p[0], buf, 1) == 0, "read of a pipe with no writer did not see end of file");
  close(p[0]);

  // Writing more than the pipe holds with no reader fails.
  check(pipe(p) == 0, "pipe failed");
  close(p[0]);
  check(write(p[1], buf, sizeof(buf)) != sizeof(buf), "write to a pipe with no reader succeeded");
  close(p[1]);
}

// ---------------------------------------------------------------- files

static void
opentest(void)
{
  int fd = open("echo", O_RDONLY);

  check(fd >= 0, "cannot open echo");
  close(fd);
  check(open("doesnotexist", O_RDONLY) < 0, "opened a missing file");
  check(close(fd) < 0, "closed a closed fd");
  check(close(-1) < 0 && close(NOFILE) < 0 && close(1000) < 0, "closed a bad fd");
  check(write(1000, "x", 1) < 0 && read(-1, buf, 1) < 0, "used a bad fd");
  check(dup(1000) < 0, "dup of a bad fd");
}

static void
smallfile(void)
{
  int fd, i;

  fd = open("small", O_CREATE|O_RDWR);
  check(fd >= 0, "create small");
  for(i = 0; i < 100; i++){
    check(write(fd, "aaaaaaaaaa", 10) == 10, "write a");
    check(write(fd, "bbbbbbbbbb", 10) == 10, "write b");
  }
  close(fd);
  fd = open("small", O_RDONLY);
  check(fd >= 0, "open small");
  check(read(fd, buf, 2000) == 2000, "read small");
  check(read(fd, buf + 2000, 10) == 0, "small grew");
  close(fd);
  for(i = 0; i < 2000; i++)
    check(buf[i] == ((i / 10) % 2 == 0 ? 'a' : 'b'), "small read back wrong");
  // Writing into a read-only fd fails; reading from a write-only fd fails.
  fd = open("small", O_RDONLY);
  check(write(fd, "x", 1) < 0, "wrote to a read-only fd");
  close(fd);
  fd = open("small", O_WRONLY);
  check(read(fd, buf, 1) < 0, "read a write-only fd");
  close(fd);
  check(unlink("small") == 0, "unlink small");
  check(!exists("small"), "small survived unlink");
}

// bigfile: the largest file xv6 allows, through the indirect block.
static void
bigfile(void)
{
  int fd, i, n;

  fd = open("big", O_CREATE|O_RDWR);
  check(fd >= 0, "create big");
  for(i = 0; i < MAXFILE; i++){
    ((int*)buf)[0] = i;
    ((int*)buf)[BSIZE/4 - 1] = ~i;
    check(write(fd, buf, BSIZE) == BSIZE, "write big");
  }
  check(write(fd, buf, BSIZE) <= 0, "wrote past MAXFILE");
  close(fd);
  fd = open("big", O_RDONLY);
  check(fd >= 0, "open big");
  for(i = 0; ; i++){
    n = read(fd, buf, BSIZE);
    if(n == 0)
      break;
    check(n == BSIZE, "short read");
    check(((int*)buf)[0] == i && ((int*)buf)[BSIZE/4 - 1] == ~i, "big read back wrong");
  }
  check(i == MAXFILE, "big has the wrong size");
  close(fd);
  check(unlink("big") == 0, "unlink big");
}

// bigwrite: single writes of many sizes, some crossing block boundaries.
static void
bigwrite(void)
{
  int fd, sz, i, n;

  for(sz = 499; sz < 12*BSIZE && sz <= sizeof(buf); sz += 471){
    fd = open("bigwrite", O_CREATE|O_RDWR);
    check(fd >= 0, "create bigwrite");
    for(i = 0; i < 2; i++){
      memset(buf, 'a' + i, sz);
      check(write(fd, buf, sz) == sz, "write bigwrite");
    }
    close(fd);
    fd = open("bigwrite", O_RDONLY);
    for(i = 0; i < 2; i++){
      n = read(fd, buf, sz);
      check(n == sz, "read bigwrite");
      while(--n >= 0)
        check(buf[n] == 'a' + i, "bigwrite read back wrong");
    }
    close(fd);
    check(unlink("bigwrite") == 0, "unlink bigwrite");
  }
}

static void
manyfiles(void)
{
  char name[3];
  int i, fd;

  name[0] = 'a';
  name[2] = 0;
  for(i = 0; i < 52; i++){
    name[1] = '0' + i;
    fd = open(name, O_CREATE|O_RDWR);
    check(fd >= 0, "create");
    close(fd);
  }
  for(i = 0; i < 52; i++){
    name[1] = '0' + i;
    check(unlink(name) == 0, "unlink");
  }
}

static void
dirtest(void)
{
  check(mkdir("dir0") == 0, "mkdir");
  check(mkdir("dir0") < 0, "mkdir of an existing name");
  check(chdir("dir0") == 0, "chdir");
  check(chdir("..") == 0, "chdir ..");
  check(unlink("dir0") == 0, "unlink");
  check(chdir("dir0") < 0, "chdir into a removed directory");
}

// fourteen: names are DIRSIZ bytes; longer ones are cut to DIRSIZ.
static void
fourteen(void)
{
  int fd;

  check(mkdir("12345678901234") == 0, "mkdir 14");
  check(mkdir("12345678901234/123456789012345") == 0, "mkdir 15");
  fd = open("123456789012345/123456789012345/123456789012345", O_CREATE);
  check(fd >= 0, "create with 15-byte names");
  close(fd);
  fd = open("12345678901234/12345678901234/12345678901234", O_RDONLY);
  check(fd >= 0, "open with 14-byte names");
  close(fd);
  check(mkdir("12345678901234/12345678901234") < 0, "mkdir of an existing 14-byte name");
  check(mkdir("123456789012345/12345678901234") < 0, "mkdir of an existing 15-byte name");
  check(unlink("123456789012345/123456789012345/123456789012345") == 0, "unlink the file");
  check(unlink("12345678901234/12345678901234") == 0, "unlink the inner directory");
  check(unlink("12345678901234") == 0, "unlink the outer directory");
}

static void
rmdot(void)
{
  check(mkdir("dots") == 0, "mkdir");
  check(chdir("dots") == 0, "chdir");
  check(unlink(".") < 0, "unlink . worked");
  check(unlink("..") < 0, "unlink .. worked");
  check(chdir("/") == 0, "chdir /");
  check(unlink("dots/.") < 0, "unlink dots/. worked");
  check(unlink("dots/..") < 0, "unlink dots/.. worked");
  check(unlink("dots") == 0, "unlink dots");
}

static void
dirfile(void)
{
  int fd;

  makefile("dirfile", "");
  check(chdir("dirfile") < 0, "chdir into a file");
  check(open("dirfile/xx", O_RDONLY) < 0, "opened a name under a file");
  check(open("dirfile/xx", O_CREATE) < 0, "created a name under a file");
  check(mkdir("dirfile/xx") < 0, "mkdir under a file");
  check(unlink("dirfile/xx") < 0, "unlink under a file");
  check(link("README", "dirfile/xx") < 0, "link under a file");
  check(unlink("dirfile") == 0, "unlink dirfile");

  check(open(".", O_RDWR) < 0, "opened a directory for writing");
  fd = open(".", O_RDONLY);
  check(fd >= 0, "cannot open . to read");
  check(write(fd, "x", 1) < 0, "wrote to a directory");
  close(fd);
}

static void
linktest(void)
{
  int fd;
  struct stat st;

  unlink("lf1");
  unlink("lf2");
  makefile("lf1", "hello");
  check(link("lf1", "lf2") == 0, "link");
  check(stat("lf2", &st) == 0 && st.nlink == 2, "nlink is not 2");
  check(unlink("lf1") == 0, "unlink lf1");
  check(!exists("lf1"), "lf1 survived unlink");
  fd = open("lf2", O_RDONLY);
  check(fd >= 0, "open lf2");
  check(read(fd, buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0, "lf2 lost its content");
  close(fd);
  check(link("lf2", "lf2") < 0, "linked a name to itself");
  check(unlink("lf2") == 0, "unlink lf2");
  check(link("lf2", "lf1") < 0, "linked a missing file");
  check(link(".", "lf1") < 0, "linked a directory");
}

// unlinkread: an unlinked file stays readable and writable while open.
static void
unlinkread(void)
{
  int fd, fd1;

  makefile("unlinkread", "hello");
  fd = open("unlinkread", O_RDWR);
  check(fd >= 0, "open");
  check(unlink("unlinkread") == 0, "unlink");
  fd1 = open("unlinkread", O_CREATE|O_RDWR);
  check(fd1 >= 0, "re-create");
  write(fd1, "yyy", 3);
  close(fd1);
  check(read(fd, buf, sizeof(buf)) == 5 && buf[0] == 'h', "the unlinked file lost its content");
  check(write(fd, buf, 10) == 10, "write to the unlinked file");
  close(fd);
  check(unlink("unlinkread") == 0, "unlink the new file");
}

static void
subdir(void)
{
  int fd;

  unlink("ff");
  check(mkdir("dd") == 0, "mkdir dd");
  makefile("dd/ff", "ff");
  check(unlink("dd") < 0, "unlinked a non-empty directory");
  check(mkdir("/dd/dd") == 0, "mkdir dd/dd");
  makefile("dd/dd/ff", "FF");
  fd = open("dd/dd/../ff", O_RDONLY);
  check(fd >= 0, "open dd/dd/../ff");
  check(read(fd, buf, sizeof(buf)) == 2 && buf[0] == 'f', "dd/dd/../ff has the wrong content");
  close(fd);
  check(link("dd/dd/ff", "dd/dd/ffff") == 0, "link dd/dd/ff dd/dd/ffff");
  check(unlink("dd/dd/ff") == 0, "unlink dd/dd/ff");
  check(!exists("dd/dd/ff"), "dd/dd/ff survived unlink");
  check(chdir("dd") == 0, "chdir dd");
  check(chdir("dd/../../dd") == 0, "chdir dd/../../dd");
  check(chdir("dd/../../../dd") == 0, "chdir dd/../../../dd (.. of / is /)");
  check(chdir("./..") == 0, "chdir ./..");
  fd = open("dd/dd/ffff", O_RDONLY);
  check(fd >= 0, "open dd/dd/ffff");
  check(read(fd, buf, sizeof(buf)) == 2 && buf[0] == 'F', "dd/dd/ffff has the wrong content");
  close(fd);
  check(open("dd/ff/ff", O_CREATE|O_RDWR) < 0, "created a file under a file");
  check(open("dd/xx/ff", O_CREATE|O_RDWR) < 0, "created a file under a missing directory");
  check(open("dd", O_CREATE) < 0, "created a file over a directory");
  check(open("dd", O_RDWR) < 0, "opened a directory for writing");
  check(link("dd/ff/ff", "dd/dd/xx") < 0, "linked from under a file");
  check(link("dd/xx/ff", "dd/dd/xx") < 0, "linked from a missing directory");
  check(link("dd/ff", "dd/dd/ffff") < 0, "linked over an existing name");
  check(mkdir("dd/ff/ff") < 0, "mkdir under a file");
  check(mkdir("dd/dd/ffff") < 0, "mkdir over a file");
  check(unlink("dd/xx/ff") < 0, "unlinked under a missing directory");
  check(chdir("dd/ff") < 0, "chdir into a file");
  check(chdir("dd/xx") < 0, "chdir into a missing directory");
  check(unlink("dd/dd/ffff") == 0, "unlink dd/dd/ffff");
  check(unlink("dd/ff") == 0, "unlink dd/ff");
  check(unlink("dd") < 0, "unlinked dd while dd/dd exists");
  check(unlink("dd/dd") == 0, "unlink dd/dd");
  check(unlink("dd") == 0, "unlink dd");
}

// iref: more nested directories than the kernel has in-memory inodes,
// each briefly the current directory.
static void
iref(void)
{
  int i, n = NINODE + 5;

  for(i = 0; i < n; i++){
    check(mkdir("irefd") == 0, "mkdir irefd");
    check(chdir("irefd") == 0, "chdir irefd");
    makefile("f", "");
    check(link("f", "g") == 0, "link f g");
    check(unlink("f") == 0, "unlink f");
  }
  for(i = 0; i < n; i++){
    check(unlink("g") == 0, "unlink g");
    check(chdir("..") == 0, "chdir ..");
    check(unlink("irefd") == 0, "unlink irefd");
  }
  check(chdir("/") == 0, "chdir /");
  check(!exists("irefd"), "irefd survived");
}

// exitiput: a process exits while its current directory is unlinked.
static void
exitiput(void)
{
  int pid = forkok();

  if(pid == 0){
    check(mkdir("iputdir") == 0, "mkdir");
    check(chdir("iputdir") == 0, "chdir");
    check(unlink("../iputdir") == 0, "unlink the current directory");
    exit();
  }
  check(wait() == pid, "wait");
  check(!exists("iputdir"), "iputdir survived");
}

// iputtest: leave a directory that was unlinked while current.
static void
iputtest(void)
{
  check(mkdir("iputdir") == 0, "mkdir");
  check(chdir("iputdir") == 0, "chdir");
  check(unlink("../iputdir") == 0, "unlink the current directory");
  check(chdir("/") == 0, "chdir /");
}

// openiput: a child tries to open a directory the parent is removing.
static void
openiput(void)
{
  int pid;

  check(mkdir("oidir") == 0, "mkdir");
  pid = forkok();
  if(pid == 0){
    check(open("oidir", O_RDWR) < 0, "opened a directory for writing");
    exit();
  }
  sleep(1);
  check(unlink("oidir") == 0, "unlink");
  check(wait() == pid, "wait");
}

static void
bigdir(void)
{
  char name[4];
  int i;

  makefile("bd", "");
  name[0] = 'x';
  name[3] = 0;
  for(i = 0; i < 500; i++){
    name[1] = '0' + i / 64;
    name[2] = '0' + i % 64;
    check(link("bd", name) == 0, "link");
  }
  check(unlink("bd") == 0, "unlink bd");
  for(i = 0; i < 500; i++){
    name[1] = '0' + i / 64;
    name[2] = '0' + i % 64;
    check(unlink(name) == 0, "unlink");
  }
}

// ---------------------------------------------------------------- races

static void
createdelete(void)
{
  enum { N = 20, NCHILD = 4 };
  char name[3];
  int c, i, fd, there;

  name[2] = 0;
  for(c = 0; c < NCHILD; c++){
    if(forkok() == 0){
      name[0] = 'p' + c;
      for(i = 0; i < N; i++){
        name[1] = '0' + i;
        fd = open(name, O_CREATE|O_RDWR);
        check(fd >= 0, "create");
        close(fd);
        if(i > 0 && i % 2 == 0){
          name[1] = '0' + i / 2;
          check(unlink(name) == 0, "unlink");
        }
      }
      exit();
    }
  }
  for(c = 0; c < NCHILD; c++)
    wait();
  for(i = 0; i < N; i++){
    for(c = 0; c < NCHILD; c++){
      name[0] = 'p' + c;
      name[1] = '0' + i;
      there = exists(name);
      if(i == 0 || i >= N/2)
        check(there, "a file that should exist is gone");
      else
        check(!there, "a deleted file exists");
    }
  }
  for(i = 0; i < N; i++){
    for(c = 0; c < NCHILD; c++){
      name[0] = 'p' + c;
      name[1] = '0' + i;
      unlink(name);
    }
  }
}

// concreate: two processes create, link and remove the same names at once.
static void
concreate(void)
{
  enum { N = 40 };
  char name[3], seen[N];
  struct { ushort inum; char name[DIRSIZ]; } de;
  int pid, i, fd, n;

  name[0] = 'C';
  name[2] = 0;
  pid = forkok();
  for(i = 0; i < N; i++){
    name[1] = '0' + i;
    unlink(name);
    if((pid == 0 && i % 3 == 1) || (pid != 0 && i % 5 == 1)){
      link("C0", name);
    } else {
      fd = open(name, O_CREATE|O_RDWR);
      check(fd >= 0, "create");
      close(fd);
    }
  }
  if(pid == 0)
    exit();
  wait();

  memset(seen, 0, sizeof(seen));
  n = 0;
  fd = open(".", O_RDONLY);
  while(read(fd, &de, sizeof(de)) == sizeof(de)){
    if(de.inum == 0 || de.name[0] != 'C' || de.name[2] != 0)
      continue;
    i = de.name[1] - '0';
    check(i >= 0 && i < N, "a strange name appeared");
    check(!seen[i], "a name appeared twice");
    seen[i] = 1;
    n++;
  }
  close(fd);
  check(n == N, "names are missing");

  pid = forkok();
  for(i = 0; i < N; i++){
    name[1] = '0' + i;
    if((i % 3 == 0 && pid == 0) || (i % 3 == 1 && pid != 0)){
      fd = open(name, O_RDONLY);
      if(fd >= 0)
        close(fd);
    } else {
      unlink(name);
    }
  }
  if(pid == 0)
    exit();
  wait();
  for(i = 0; i < N; i++){
    name[1] = '0' + i;
    unlink(name);
  }
}

// linkunlink: two processes link, unlink and create one name at random.
static void
linkunlink(void)
{
  uint x;
  int pid, i;
  struct stat st;

  unlink("x");
  pid = forkok();
  x = pid ? 1 : 97;
  for(i = 0; i < 100; i++){
    x = x * 1103515245 + 12345;
    switch((x >> 16) % 3){
    case 0:
      close(open("x", O_RDWR|O_CREATE));
      break;
    case 1:
      link("cat", "x");
      break;
    default:
      unlink("x");
    }
  }
  if(pid == 0)
    exit();
  wait();
  unlink("x");
  check(stat("cat", &st) == 0 && st.nlink == 1, "cat has the wrong link count");
}

static void
fourfiles(void)
{
  enum { NCHILD = 4, N = 12, SZ = 500 };
  char name[3];
  int c, i, n, fd, total;

  name[0] = 'f';
  name[2] = 0;
  for(c = 0; c < NCHILD; c++){
    name[1] = '0' + c;
    unlink(name);
    if(forkok() == 0){
      fd = open(name, O_CREATE|O_RDWR);
      check(fd >= 0, "create");
      memset(buf, '0' + c, SZ);
      for(i = 0; i < N; i++)
        check(write(fd, buf, SZ) == SZ, "write");
      exit();
    }
  }
  for(c = 0; c < NCHILD; c++)
    wait();
  for(c = 0; c < NCHILD; c++){
    name[1] = '0' + c;
    fd = open(name, O_RDONLY);
    check(fd >= 0, "open");
    total = 0;
    while((n = read(fd, buf, sizeof(buf))) > 0){
      for(i = 0; i < n; i++)
        check(buf[i] == '0' + c, "a file holds another child's bytes");
      total += n;
    }
    close(fd);
    check(total == N*SZ, "a file has the wrong size");
    unlink(name);
  }
}

// sharedfd: parent and child write through one file offset.
static void
sharedfd(void)
{
  enum { N = 1000, SZ = 10 };
  int fd, pid, i, n, nc = 0, np = 0;

  unlink("sharedfd");
  fd = open("sharedfd", O_CREATE|O_RDWR);
  check(fd >= 0, "create");
  pid = forkok();
  memset(buf, pid == 0 ? 'c' : 'p', SZ);
  for(i = 0; i < N; i++)
    check(write(fd, buf, SZ) == SZ, "write");
  if(pid == 0)
    exit();
  wait();
  close(fd);
  fd = open("sharedfd", O_RDONLY);
  check(fd >= 0, "open");
  while((n = read(fd, buf, sizeof(buf))) > 0){
    for(i = 0; i < n; i++){
      if(buf[i] == 'c')
        nc++;
      if(buf[i] == 'p')
        np++;
    }
  }
  close(fd);
  unlink("sharedfd");
  check(nc == N*SZ && np == N*SZ, "bytes were lost");
}

// fsfull: run out of blocks, then of inodes; the file system must say so
// and keep working.
static void
fsfull(void)
{
  char name[4];
  int nfile, i, fd, blocks = 0, ninode;

  check(mkdir("full") == 0, "mkdir");
  check(chdir("full") == 0, "chdir");
  name[0] = 'f';
  name[3] = 0;
  memset(buf, 'z', BSIZE);
  for(nfile = 0; nfile < 100; nfile++){
    name[1] = 'a' + nfile / 26;
    name[2] = 'a' + nfile % 26;
    fd = open(name, O_CREATE|O_RDWR);
    if(fd < 0)
      break;
    for(i = 0; i < MAXFILE; i++){
      if(write(fd, buf, BSIZE) != BSIZE)
        break;
      blocks++;
    }
    close(fd);
    if(i < MAXFILE){
      nfile++;
      break;
    }
  }
  printf(1, "fsfull: wrote %d blocks in %d files\n", blocks, nfile);
  check(nfile < 100, "the disk never filled");
  for(i = 0; i < nfile; i++){
    name[1] = 'a' + i / 26;
    name[2] = 'a' + i % 26;
    check(unlink(name) == 0, "unlink");
  }
  // The space is back.
  fd = open("again", O_CREATE|O_RDWR);
  check(fd >= 0, "create after freeing");
  for(i = 0; i < 20; i++)
    check(write(fd, buf, BSIZE) == BSIZE, "write after freeing");
  close(fd);
  check(unlink("again") == 0, "unlink again");

  name[0] = 'i';
  for(ninode = 0; ninode < 26*26; ninode++){
    name[1] = 'a' + ninode / 26;
    name[2] = 'a' + ninode % 26;
    fd = open(name, O_CREATE|O_RDWR);
    if(fd < 0)
      break;
    close(fd);
  }
  printf(1, "fsfull: created %d empty files\n", ninode);
  check(ninode < 26*26, "the inodes never ran out");
  for(i = 0; i < ninode; i++){
    name[1] = 'a' + i / 26;
    name[2] = 'a' + i % 26;
    check(unlink(name) == 0, "unlink");
  }
  makefile("again", "works");
  check(unlink("again") == 0, "unlink again");
  check(chdir("..") == 0, "chdir ..");
  check(unlink("full") == 0, "unlink full");
}

// ---------------------------------------------------------------- memory

static void
sbrkbasic(void)
{
  char *a, *b, *c;
  int i, pid;

  a = sbrk(0);
  for(i = 0; i < 5000; i++){
    b = sbrk(1);
    check(b == a, "sbrk(1) did not return the old end");
    *b = i;
    a = b + 1;
  }
  pid = forkok();
  b = sbrk(1);
  c = sbrk(1);
  check(c == b + 1, "sbrk in a forked process");
  check(a[-1] == (char)4999, "memory lost across fork");
  if(pid == 0)
    exit();
  wait();
}

static void
sbrkbig(void)
{
  char *a, *p;
  uint start = (uint)sbrk(0);

  // Grow to BIG, touch the last byte.
  p = sbrk(BIG - start);
  check(p == (char*)start, "sbrk to BIG failed");
  a = (char*)(BIG - 1);
  *a = 99;

  // Shrink by a page and grow back: the page comes back zeroed.
  p = sbrk(-PGSIZE);
  check(p == (char*)BIG, "shrinking returned the wrong address");
  check(sbrk(0) == (char*)(BIG - PGSIZE), "shrinking did not shrink");
  target = BIG - 1;
  mustdie(readtarget, "reading a page given back with sbrk");
  p = sbrk(PGSIZE);
  check(p == (char*)(BIG - PGSIZE), "growing back returned the wrong address");
  check(*a == 0, "a page given back came back with old content");

  // Far too much, and beyond the user address space: refused, nothing changes.
  check(sbrk(0x7ff00000) == (char*)-1, "sbrk of 2 GB succeeded");
  check(sbrk(0) == (char*)BIG, "a failed sbrk moved the end");

  // Memory from sbrk works as a system call buffer.
  memset((char*)BIG - 3*PGSIZE, 's', 3*PGSIZE);
  check(write(1, (char*)BIG - 1, 0) == 0, "write of 0 bytes");
  check(write(-1, (char*)BIG - PGSIZE, PGSIZE) < 0, "bad fd");

  // Back to the start, and fork after a big shrink.
  check(sbrk(-(BIG - start)) == (char*)BIG, "shrinking back");
  check(sbrk(0) == (char*)start, "shrinking back did not shrink");
  if(forkok() == 0)
    exit();
  wait();
}

static void
sbrkfault(void)
{
  uint a;

  target = (uint)sbrk(0) + 10*PGSIZE;
  mustdie(readtarget, "reading beyond the end of memory");
  mustdie(writetarget, "writing beyond the end of memory");
  for(a = KERNBASE; a < KERNBASE + 2000000; a += 50000){
    target = a;
    mustdie(readtarget, "reading kernel memory");
  }
  target = KERNBASE + 0x100000;
  mustdie(writetarget, "writing kernel memory");
  target = 0xfffff000;
  mustdie(readtarget, "reading the top of memory");
}

static void
guardpage(void)
{
  int local;

  // The page below the stack is a guard: touching it must fault.
  target = ((uint)&local & ~(PGSIZE - 1)) - 16;
  mustdie(writetarget, "writing the stack guard page");
  mustdie(readtarget, "reading the stack guard page");
}

// oom: a child takes all the memory there is; once it is gone the memory
// is free again.
static void
oom(void)
{
  int pid, n;
  char *p, *last;

  pid = forkok();
  if(pid == 0){
    last = 0;
    for(n = 0; ; n++){
      p = sbrk(1024*1024);
      if(p == (char*)-1)
        break;
      last = p;
    }
    check(n > 10, "ran out of memory early");
    last[1024*1024 - 1] = 1;  // the last grant is usable
    exit();
  }
  check(wait() == pid, "wait");
  p = sbrk(10*1024*1024);
  check(p != (char*)-1, "memory was not given back by a dead process");
  p[10*1024*1024 - 1] = 1;
  sbrk(-10*1024*1024);
}

// execout: exec with almost no free memory fails or works, cleanly.
static void
execout(void)
{
  char *argv[] = { "echo", "x", 0 };
  int avail, pid;
  char *p;

  // Each round takes all of memory, so a few sizes only.
  for(avail = 0; avail <= 8; avail = avail ? avail * 2 : 1){
    pid = forkok();
    if(pid == 0){
      while(sbrk(1024*1024) != (char*)-1)
        ;
      while(sbrk(PGSIZE) != (char*)-1)
        ;
      sbrk(-avail * PGSIZE);
      close(1);
      open("execout", O_CREATE|O_WRONLY);
      exec("echo", argv);
      exit();
    }
    check(wait() == pid, "wait");
  }
  unlink("execout");
  p = sbrk(10*1024*1024);
  check(p != (char*)-1, "memory was lost by failed execs");
  sbrk(-10*1024*1024);
}

static void
sbrkarg(void)
{
  char *a;
  int fd;

  a = sbrk(PGSIZE);
  check(a != (char*)-1, "sbrk");
  fd = open("sbrkarg", O_CREATE|O_WRONLY);
  check(fd >= 0, "create");
  check(write(fd, a, PGSIZE) == PGSIZE, "write from sbrk memory");
  close(fd);
  unlink("sbrkarg");
  check(pipe((int*)a) == 0, "pipe into sbrk memory");
  close(((int*)a)[0]);
  close(((int*)a)[1]);
}

static void
bsstest(void)
{
  static char zeros[10000];
  int i;

  for(i = 0; i < sizeof(zeros); i++)
    check(zeros[i] == 0, "bss is not zero");
}

// validate: pointers into the kernel or past the end of user memory are
// refused with -1, never followed.
static void
validate(void)
{
  char *k = (char*)KERNBASE;
  char *end;
  int fd;

  fd = open("init", O_RDONLY);
  check(fd >= 0, "open init");
  check(read(fd, k, 10) < 0, "read into the kernel");
  check(read(fd, k + 0x100000, 10) < 0, "read into the kernel");
  check(read(fd, (char*)0xfffff000, 0x2000) < 0, "read wrapping around memory");
  close(fd);
  check(write(1, k, 10) < 0, "write from the kernel");
  check(write(1, (char*)0xffffffff, 1) < 0, "write from the top of memory");
  check(open(k, O_RDONLY) < 0, "open a kernel path");
  check(open(k, O_CREATE|O_RDWR) < 0, "create a kernel path");
  check(mkdir(k) < 0, "mkdir a kernel path");
  check(chdir(k) < 0, "chdir a kernel path");
  check(unlink(k) < 0, "unlink a kernel path");
  check(link("init", k) < 0 && link(k, "x") < 0, "link with a kernel path");
  check(mknod(k, 1, 1) < 0, "mknod a kernel path");
  check(pipe((int*)k) < 0, "pipe into the kernel");
  check(pipe((int*)0xfffffffc) < 0, "pipe at the top of memory");
  fd = open("init", O_RDONLY);
  check(fstat(fd, (struct stat*)k) < 0, "fstat into the kernel");
  close(fd);

  // A path that runs off the end of user memory without a 0.
  end = sbrk(0);
  sbrk(PGSIZE);
  memset(end, 'a', PGSIZE);
  check(open(end + PGSIZE - 3, O_RDONLY) < 0, "open of an unterminated path");
  check(mkdir(end + PGSIZE - 3) < 0, "mkdir of an unterminated path");
  fd = open("init", O_RDONLY);
  check(read(fd, end + PGSIZE - 1, 2) < 0, "read across the end of memory");
  close(fd);
  check(write(1, end + PGSIZE, 1) < 0, "write from past the end of memory");
  sbrk(-PGSIZE);
  check(!exists("aaa"), "an unterminated path was used");
}

// uio: user code may not touch I/O ports or privileged state.
static void
outport(void)
{
  asm volatile("outb %%al, %%dx" : : "a"(0), "d"(0x70));
}

static void
inport(void)
{
  uchar v;

  asm volatile("inb %%dx, %%al" : "=a"(v) : "d"(0x71));
}

static void
clitest(void)
{
  asm volatile("cli");
}

static void
hlttest(void)
{
  asm volatile("hlt");
}

static void
div0(void)
{
  volatile int zero = 0;

  target = 10 / zero;
}

static void
uio(void)
{
  mustdie(outport, "outb from user mode");
  mustdie(inport, "inb from user mode");
  mustdie(clitest, "cli from user mode");
  mustdie(hlttest, "hlt from user mode");
  mustdie(div0, "a division by zero");
}

// ---------------------------------------------------------------- runner

struct test {
  char *name;
  void (*fn)(void);
};

static struct test tests[] = {
  { "exitwait", exitwait },
  { "forkfull", forkfull },
  { "reparent", reparent },
  { "sleep", sleeptest },
  { "kill", killtest },
  { "preempt", preempt },
  { "pipe", pipetest },
  { "exec", exectest },
  { "execbad", execbad },
  { "bigarg", bigargtest },
  { "argptest", argptest },
  { "validate", validate },
  { "uio", uio },
  { "bss", bsstest },
  { "sbrkbasic", sbrkbasic },
  { "sbrkbig", sbrkbig },
  { "sbrkfault", sbrkfault },
  { "guardpage", guardpage },
  { "sbrkarg", sbrkarg },
  { "mem", mem },
  { "oom", oom },
  { "execout", execout },
  { "open", opentest },
  { "smallfile", smallfile },
  { "bigwrite", bigwrite },
  { "bigfile", bigfile },
  { "manyfiles", manyfiles },
  { "dir", dirtest },
  { "fourteen", fourteen },
  { "rmdot", rmdot },
  { "dirfile", dirfile },
  { "link", linktest },
  { "unlinkread", unlinkread },
  { "subdir", subdir },
  { "iref", iref },
  { "iput", iputtest },
  { "exitiput", exitiput },
  { "openiput", openiput },
  { "bigdir", bigdir },
  { "createdelete", createdelete },
  { "concreate", concreate },
  { "linkunlink", linkunlink },
  { "fourfiles", fourfiles },
  { "sharedfd", sharedfd },
  { "forkforkfork", forkforkfork },
  { "fsfull", fsfull },
  { 0, 0 },
};

// run runs one test in a child and says whether it passed.
static int
run(struct test *t)
{
  int p[2], pid, n, passed = 0, failed = 0, start = uptime();
  char c;

  printf(1, "test %s: ", t->name);
  if(pipe(p) < 0){
    printf(1, "FAILED: no pipe\n");
    return 0;
  }
  pid = fork();
  if(pid < 0){
    printf(1, "FAILED: no fork\n");
    return 0;
  }
  if(pid == 0){
    close(p[0]);
    resultfd = p[1];
    testname = t->name;
    t->fn();
    write(resultfd, "P", 1);
    exit();
  }
  close(p[1]);
  while(wait() != pid)
    ;
  while((n = read(p[0], &c, 1)) == 1){
    if(c == 'P')
      passed = 1;
    else
      failed = 1;
  }
  close(p[0]);
  if(passed && !failed){
    printf(1, "OK (%d ticks)\n", uptime() - start);
    return 1;
  }
  printf(1, "FAILED\n");
  return 0;
}

int
main(int argc, char *argv[])
{
  struct test *t;
  int i, fd, ran = 0, bad = 0;

  if(argc > 1){
    for(i = 1; i < argc; i++){
      for(t = tests; t->name != 0; t++)
        if(strcmp(t->name, argv[i]) == 0)
          break;
      if(t->name == 0){
        printf(1, "usertests: no test %s\n", argv[i]);
        exit();
      }
      ran++;
      bad += !run(t);
    }
  } else {
    if((fd = open("usertests.ran", O_RDONLY)) >= 0){
      close(fd);
      printf(1, "already ran user tests -- rebuild fs.img (rm fs.img; make fs.img)\n");
      exit();
    }
    fd = open("usertests.ran", O_CREATE|O_WRONLY);
    close(fd);
    printf(1, "usertests starting\n");
    for(t = tests; t->name != 0; t++){
      ran++;
      bad += !run(t);
    }
  }
  if(bad == 0)
    printf(1, "ALL TESTS PASSED\n");
  else
    printf(1, "%d of %d TESTS FAILED\n", bad, ran);
  exit();
}
