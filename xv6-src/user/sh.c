// sh: the shell.
//   line     = pipeline { (";" | "&") pipeline }
//   pipeline = command { "|" command }
//   command  = ( "(" line ")" | word... ), with "<f", ">f" and ">>f" anywhere
// Programs not found in the current directory are looked for in "/".
// The shell parses each line itself and runs its ";"-separated parts one
// after the other, each in a child, except "cd dir", which must change the
// shell's own directory. Words are split at blanks; there is no quoting.
#include "types.h"
#include "stat.h"
#include "user.h"
#include "fcntl.h"

#define MAXWORDS 32   // words in one command (param.h's MAXARG)
#define MAXREDIR 4    // redirections on one command
#define MAXNODES 64   // commands in one line
#define LINESZ   256  // longest input line

enum { RUN = 1, GROUP, PIPE, SEQ, BACKGROUND };
enum { IN, OUT, APPEND };

struct redir {
  int how;      // IN, OUT or APPEND
  char *file;
};

struct node {
  int kind;
  char *argv[MAXWORDS+1];       // RUN
  struct redir redir[MAXREDIR]; // RUN and GROUP
  int nredir;
  struct node *left, *right;    // GROUP, PIPE, SEQ and BACKGROUND use left
};

static struct node pool[MAXNODES];
static int npool;
static char words[LINESZ*2];    // each word copied here, 0-terminated
static int nwords;
static char *cur;               // parse position in the line
static char *parseerr;          // first syntax error in the line

static int
forkorexit(void)
{
  int pid = fork();

  if(pid < 0){
    printf(2, "sh: fork failed\n");
    exit();
  }
  return pid;
}

static void
syntax(char *msg)
{
  if(parseerr == 0)
    parseerr = msg;
}

static struct node*
newnode(int kind)
{
  static struct node spare;
  struct node *n;

  if(npool >= MAXNODES){
    syntax("line too complex");
    n = &spare;  // keeps the parser going until it notices the error
  } else {
    n = &pool[npool++];
  }
  memset(n, 0, sizeof(*n));
  n->kind = kind;
  return n;
}

static int
isspace(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v';
}

static int
issym(char c)
{
  return c != 0 && strchr("<>|;&()", c) != 0;
}

// peek skips blanks and returns the next character without taking it.
static char
peek(void)
{
  while(isspace(*cur))
    cur++;
  return *cur;
}

// word takes the next word, copies it to words[] and returns the copy.
static char*
word(void)
{
  char *w = &words[nwords];

  if(peek() == 0 || issym(*cur)){
    syntax("missing file name");
    return "";
  }
  while(*cur != 0 && !isspace(*cur) && !issym(*cur))
    words[nwords++] = *cur++;
  words[nwords++] = 0;
  return w;
}

static void
addredir(struct node *n)
{
  int how = IN;

  if(*cur++ == '>'){
    how = OUT;
    if(*cur == '>'){
      cur++;
      how = APPEND;
    }
  }
  if(n->nredir >= MAXREDIR){
    syntax("too many redirections");
    word();
    return;
  }
  n->redir[n->nredir].how = how;
  n->redir[n->nredir].file = word();
  n->nredir++;
}

static struct node *parseline(void);

static struct node*
parsecommand(void)
{
  struct node *n;
  int argc = 0;
  char c;

  if(peek() == '('){
    cur++;
    n = newnode(GROUP);
    n->left = parseline();
    if(peek() != ')'){
      syntax("missing )");
      return n;
    }
    cur++;
    while((c = peek()) == '<' || c == '>')
      addredir(n);
    return n;
  }
  n = newnode(RUN);
  while(parseerr == 0){
    c = peek();
    if(c == '<' || c == '>'){
      addredir(n);
    } else if(c != 0 && !issym(c)){
      if(argc >= MAXWORDS){
        syntax("too many arguments");
        break;
      }
      n->argv[argc++] = word();
    } else {
      break;
    }
  }
  if(argc == 0 && n->nredir == 0)
    syntax("missing command");
  return n;
}

static struct node*
parsepipeline(void)
{
  struct node *n = parsecommand();
  struct node *p;

  if(parseerr == 0 && peek() == '|'){
    cur++;
    p = newnode(PIPE);
    p->left = n;
    p->right = parsepipeline();
    return p;
  }
  return n;
}

// parseline stops at the end of the line or at an unmatched ")".
static struct node*
parseline(void)
{
  struct node *n = parsepipeline();
  struct node *s;
  char c = peek();

  if(parseerr != 0)
    return n;
  if(c == '&'){
    cur++;
    s = newnode(BACKGROUND);
    s->left = n;
    n = s;
  } else if(c == ';'){
    cur++;
  } else {
    return n;
  }
  c = peek();
  if(c == 0 || c == ')')
    return n;
  s = newnode(SEQ);
  s->left = n;
  s->right = parseline();
  return s;
}

// redirect opens each redirection's file in place of fd 0 or 1.
static void
redirect(struct node *n)
{
  static char skip[512];
  struct redir *r;
  int i, fd;

  for(i = 0; i < n->nredir; i++){
    r = &n->redir[i];
    fd = r->how == IN ? 0 : 1;
    close(fd);
    if(open(r->file, r->how == IN ? O_RDONLY : r->how == OUT ? O_WRONLY|O_CREATE : O_RDWR|O_CREATE) != fd){
      printf(2, "sh: cannot open %s\n", r->file);
      exit();
    }
    // xv6 has no seek: reading to the end is how ">>" appends.
    if(r->how == APPEND)
      while(read(fd, skip, sizeof(skip)) > 0)
        ;
  }
}

// run executes n in the calling process. It returns only when something
// failed, and every caller then exits; returning (rather than exiting
// here) also keeps gcc 12 from calling the recursion infinite.
static void
run(struct node *n)
{
  static char path[32];
  int p[2];

  while(n->kind == GROUP){
    redirect(n);
    n = n->left;
  }
  switch(n->kind){
  case RUN:
    redirect(n);
    if(n->argv[0] == 0)
      exit();
    exec(n->argv[0], n->argv);
    // Programs live in "/": find them from any directory.
    if(strchr(n->argv[0], '/') == 0 && strlen(n->argv[0]) < sizeof(path) - 1){
      path[0] = '/';
      strcpy(path + 1, n->argv[0]);
      exec(path, n->argv);
    }
    printf(2, "exec %s failed\n", n->argv[0]);
    return;
  case PIPE:
    if(pipe(p) < 0){
      printf(2, "sh: pipe failed\n");
      return;
    }
    if(forkorexit() == 0){
      close(1);
      dup(p[1]);
      close(p[0]);
      close(p[1]);
      run(n->left);
      exit();
    }
    if(forkorexit() == 0){
      close(0);
      dup(p[0]);
      close(p[0]);
      close(p[1]);
      run(n->right);
      exit();
    }
    close(p[0]);
    close(p[1]);
    wait();
    wait();
    return;
  case SEQ:
    if(forkorexit() == 0){
      run(n->left);
      exit();
    }
    wait();
    run(n->right);
    return;
  case BACKGROUND:
    // The grandchild is orphaned and init reaps it.
    if(forkorexit() == 0){
      run(n->left);
      exit();
    }
    return;
  }
  printf(2, "sh: bad command\n");
}

// iscd says whether n is a plain "cd dir" for the shell itself to do.
static int
iscd(struct node *n)
{
  return n->kind == RUN && n->nredir == 0 && n->argv[0] != 0 &&
    strcmp(n->argv[0], "cd") == 0;
}

// runpart runs one ";"-separated part of the line and waits for it.
static void
runpart(struct node *n)
{
  if(iscd(n)){
    if(n->argv[1] == 0 || n->argv[2] != 0)
      printf(2, "usage: cd dir\n");
    else if(chdir(n->argv[1]) < 0)
      printf(2, "cannot cd %s\n", n->argv[1]);
    return;
  }
  if(forkorexit() == 0){
    run(n);
    exit();
  }
  wait();
}

static void
runline(char *line)
{
  struct node *n;

  npool = 0;
  nwords = 0;
  parseerr = 0;
  cur = line;
  if(peek() == 0)
    return;
  n = parseline();
  if(parseerr == 0 && peek() != 0)
    syntax(peek() == ')' ? "unexpected )" : "unexpected character");
  if(parseerr != 0){
    printf(2, "sh: syntax error: %s\n", parseerr);
    return;
  }
  for(; n->kind == SEQ; n = n->right)
    runpart(n->left);
  runpart(n);
}

int
main(void)
{
  static char line[LINESZ];
  int fd;

  // Make sure fds 0, 1 and 2 are open, on the console if need be.
  while((fd = open("console", O_RDWR)) >= 0){
    if(fd >= 3){
      close(fd);
      break;
    }
  }

  for(;;){
    printf(2, "$ ");
    memset(line, 0, sizeof(line));
    gets(line, sizeof(line));
    if(line[0] == 0)
      break;  // end of input
    runline(line);
  }
  exit();
}
