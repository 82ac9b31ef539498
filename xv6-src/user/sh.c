// sh: the shell. It reads a line, and a child parses and runs it:
//   line     = pipeline { (";" | "&") pipeline }
//   pipeline = command { "|" command }
//   command  = ( "(" line ")" | word... ) with "<file" and ">file" anywhere
// cd is done by the shell itself, since a child's chdir would be lost.
#include "types.h"
#include "stat.h"
#include "user.h"
#include "fcntl.h"

#define MAXWORDS 32   // words in one command (param.h's MAXARG)
#define MAXREDIR 4    // redirections on one command
#define MAXNODES 64   // commands in one line
#define LINESZ   200  // longest input line

enum { RUN = 1, GROUP, PIPE, SEQ, BACKGROUND };

struct redir {
  int fd;       // 0 for "<", 1 for ">"
  char *file;
};

struct node {
  int kind;
  char *argv[MAXWORDS+1];      // RUN
  struct redir redir[MAXREDIR]; // RUN and GROUP
  int nredir;
  struct node *left, *right;   // GROUP, PIPE, SEQ, BACKGROUND use left
};

static struct node pool[MAXNODES];
static int npool;
static char words[LINESZ*2];   // each word copied here, NUL-terminated
static int nwords;
static char *cur;              // parse position in the line

static void
die(char *msg)
{
  printf(2, "sh: %s\n", msg);
  exit();
}

static int
forkorexit(void)
{
  int pid = fork();

  if(pid < 0)
    die("fork failed");
  return pid;
}

static struct node*
newnode(int kind)
{
  struct node *n;

  if(npool >= MAXNODES)
    die("line too complex");
  n = &pool[npool++];
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

  if(peek() == 0 || issym(*cur))
    die("syntax error: missing word");
  while(*cur != 0 && !isspace(*cur) && !issym(*cur))
    words[nwords++] = *cur++;
  words[nwords++] = 0;
  return w;
}

static void
addredir(struct node *n)
{
  int fd = *cur++ == '<' ? 0 : 1;

  if(n->nredir >= MAXREDIR)
    die("too many redirections");
  n->redir[n->nredir].fd = fd;
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
    if(peek() != ')')
      die("syntax error: missing )");
    cur++;
    while((c = peek()) == '<' || c == '>')
      addredir(n);
    return n;
  }
  n = newnode(RUN);
  for(;;){
    c = peek();
    if(c == '<' || c == '>'){
      addredir(n);
    } else if(c != 0 && !issym(c)){
      if(argc >= MAXWORDS)
        die("too many arguments");
      n->argv[argc++] = word();
    } else {
      break;
    }
  }
  if(argc == 0 && n->nredir == 0)
    die("syntax error: missing command");
  return n;
}

static struct node*
parsepipeline(void)
{
  struct node *n = parsecommand();
  struct node *p;

  if(peek() == '|'){
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

  if(c == '&'){
    cur++;
    s = newnode(BACKGROUND);
    s->left = n;
    n = s;
    c = peek();
    if(c == 0 || c == ')')
      return n;
  } else if(c == ';'){
    cur++;
    c = peek();
    if(c == 0 || c == ')')
      return n;
  } else {
    return n;
  }
  s = newnode(SEQ);
  s->left = n;
  s->right = parseline();
  return s;
}

static void
redirect(struct node *n)
{
  int i, mode;

  for(i = 0; i < n->nredir; i++){
    close(n->redir[i].fd);
    mode = n->redir[i].fd == 0 ? O_RDONLY : O_WRONLY|O_CREATE;
    if(open(n->redir[i].file, mode) != n->redir[i].fd){
      printf(2, "sh: cannot open %s\n", n->redir[i].file);
      exit();
    }
  }
}

// run executes n in the calling process. It returns only when something
// failed, and every caller then exits; returning (rather than exiting
// here) also keeps gcc 12 from calling the recursion infinite.
static void
run(struct node *n)
{
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
    printf(2, "exec %s failed\n", n->argv[0]);
    return;
  case PIPE:
    if(pipe(p) < 0)
      die("pipe failed");
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

static void
parseandrun(char *line)
{
  struct node *n;

  cur = line;
  if(peek() == 0)
    exit();
  n = parseline();
  if(peek() != 0)
    die("syntax error");
  run(n);
  exit();
}

// builtin runs "cd dir" in the shell itself and says whether it did.
static int
builtin(char *line)
{
  char *dir, *e;

  while(isspace(*line))
    line++;
  if(line[0] != 'c' || line[1] != 'd' || !isspace(line[2]))
    return 0;
  dir = line + 2;
  while(isspace(*dir))
    dir++;
  for(e = dir; *e != 0 && !isspace(*e); e++)
    ;
  *e = 0;
  if(chdir(dir) < 0)
    printf(2, "cannot cd %s\n", dir);
  return 1;
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
    if(builtin(line))
      continue;
    if(forkorexit() == 0)
      parseandrun(line);
    wait();
  }
  exit();
}
