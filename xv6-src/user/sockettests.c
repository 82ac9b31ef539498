// sockettests: the localhost socket calls (spec/sockets.md), every error
// path, blocking, resets, the table limit and a many-process stress.
//
// Each case runs in a child with a result pipe, as in usertests: fail()
// writes 'F', the end of the case writes 'P', and the runner reads the
// pipe until every process of the case has exited (and so has closed its
// sockets). One line per case, then exactly one summary line:
//   sockettests: all N tests passed
//   sockettests: K of N tests FAILED
#include "types.h"
#include "stat.h"
#include "user.h"
#include "param.h"
#include "signalcodes.h"

#define KERNBASE 0x80000000
#define PGSIZE   4096

static char *casename;
static int resultfd = -1;

static void
fail(char *why)
{
  printf(1, "sockettests: %s: %s\n", casename, why);
  if(resultfd >= 0)
    write(resultfd, "F", 1);
  exit();
}

#define check(cond, why) do { if(!(cond)) fail(why); } while(0)

// expect fails unless a call returned want.
static void
expect(int got, int want, char *what)
{
  if(got != want){
    printf(1, "sockettests: %s: %s returned %d, want %d\n", casename, what, got, want);
    fail("wrong result");
  }
}

static int
forkok(void)
{
  int pid = fork();

  check(pid >= 0, "fork failed");
  return pid;
}

// waitport waits until some other process has a socket at port, which a
// send from a non-owner reports as E_ACCESS_DENIED rather than E_NOTFOUND.
static void
waitport(int port)
{
  int i, r;

  for(i = 0; i < 1000; i++){
    r = send(port, "", 0);
    if(r != E_NOTFOUND){
      expect(r, E_ACCESS_DENIED, "send to another process's socket");
      return;
    }
    sleep(1);
  }
  fail("no socket appeared at the port");
}

// listener forks a child that listens at port and then runs body with
// the connection; the child disconnects and exits when body returns.
static int
listener(int port, void (*body)(int port))
{
  int pid = forkok();

  if(pid == 0){
    expect(listen(port), 0, "listen");
    if(body)
      body(port);
    disconnect(port);
    exit();
  }
  return pid;
}

// dial connects to a listener that another process is starting at port.
static int
dial(int port)
{
  int lp;

  waitport(port);
  lp = connect(port, "localhost");
  if(lp <= 0 || lp >= NPORT){
    printf(1, "sockettests: %s: connect(%d) returned %d\n", casename, port, lp);
    fail("connect failed");
  }
  return lp;
}

// ---------------------------------------------------------------- errors

static void
badports(void)
{
  char buf[8];

  expect(listen(-1), E_INVALID_ARG, "listen(-1)");
  expect(listen(NPORT), E_INVALID_ARG, "listen(NPORT)");
  expect(listen(1000000), E_INVALID_ARG, "listen(1000000)");
  expect(connect(-1, "localhost"), E_INVALID_ARG, "connect(-1)");
  expect(connect(NPORT, "localhost"), E_INVALID_ARG, "connect(NPORT)");
  expect(send(-1, "x", 1), E_INVALID_ARG, "send(-1)");
  expect(send(NPORT, "x", 1), E_INVALID_ARG, "send(NPORT)");
  expect(recv(-1, buf, 1), E_INVALID_ARG, "recv(-1)");
  expect(recv(NPORT, buf, 1), E_INVALID_ARG, "recv(NPORT)");
  expect(disconnect(-1), E_INVALID_ARG, "disconnect(-1)");
  expect(disconnect(NPORT), E_INVALID_ARG, "disconnect(NPORT)");
}

static void
badhosts(void)
{
  static char *bad[] = {
    "", "example.com", "localhost ", "localhos", "localhostt", "LOCALHOST",
    "127.0.0.2", "127.0.0.1.", "127.0.0", 0,
  };
  char *end;
  int i;

  for(i = 0; bad[i] != 0; i++){
    if(connect(40, bad[i]) != E_INVALID_ARG){
      printf(1, "sockettests: %s: host \"%s\" accepted\n", casename, bad[i]);
      fail("bad host accepted");
    }
  }
  expect(connect(40, (char*)KERNBASE), E_INVALID_ARG, "connect with a kernel pointer");
  expect(connect(40, (char*)0xffffffff), E_INVALID_ARG, "connect with a pointer at the top");
  // "localhost" without its 0, at the very end of user memory.
  end = sbrk(PGSIZE);
  check(end != (char*)-1, "sbrk failed");
  memmove(end + PGSIZE - 9, "localhost", 9);
  expect(connect(40, end + PGSIZE - 9), E_INVALID_ARG, "connect with an unterminated host");
  // Good hosts reach the port check.
  expect(connect(40, "localhost"), E_NOTFOUND, "connect(40, localhost) with no listener");
  expect(connect(40, "127.0.0.1"), E_NOTFOUND, "connect(40, 127.0.0.1) with no listener");
}

static void
notfound(void)
{
  char buf[8];

  expect(send(41, "x", 1), E_NOTFOUND, "send with no socket");
  expect(recv(41, buf, sizeof(buf)), E_NOTFOUND, "recv with no socket");
  expect(disconnect(41), E_NOTFOUND, "disconnect with no socket");
  expect(send(0, "x", 1), E_NOTFOUND, "send(0) with no socket");
  expect(disconnect(NPORT-1), E_NOTFOUND, "disconnect(NPORT-1) with no socket");
}

// quick runs f in a child and returns its result; a child still blocked
// after 20 ticks is killed and reported.
static int
quick(int (*f)(void), char *what)
{
  int p[2], pid, r = 0;

  check(pipe(p) == 0, "pipe failed");
  pid = forkok();
  if(pid == 0){
    close(p[0]);
    r = f();
    write(p[1], &r, sizeof(r));
    exit();
  }
  close(p[1]);
  sleep(20);
  kill(pid);
  check(wait() == pid, "wait");
  if(read(p[0], &r, sizeof(r)) != sizeof(r)){
    printf(1, "sockettests: %s: %s blocked\n", casename, what);
    fail("a call that must fail at once blocked");
  }
  close(p[0]);
  return r;
}

static int listen42(void) { return listen(42); }
static int connect43(void) { return connect(43, "localhost"); }

static void
inuse(void)
{
  int pid;

  pid = listener(42, 0);
  waitport(42);
  expect(quick(listen42, "listen on a port in use"), E_ACCESS_DENIED, "listen on a port in use");
  expect(disconnect(42), E_ACCESS_DENIED, "disconnect of another process's listener");
  kill(pid);
  wait();
}

static void
serve(int port)
{
  char buf[SOCKMSGMAX];

  // Echo until the peer goes away.
  while(recv(port, buf, sizeof(buf)) == 0)
    if(send(port, buf, sizeof(buf)) < 0)
      break;
}

static void
wrongstate(void)
{
  int lp;

  listener(43, serve);
  lp = dial(43);
  expect(quick(connect43, "connect to a connected listener"), E_WRONG_STATE, "connect to a connected listener");
  expect(connect(lp, "localhost"), E_WRONG_STATE, "connect to a client's port");
  expect(disconnect(lp), 0, "disconnect");
  wait();
}

static void
owner(void)
{
  char buf[8];
  int lp, pid;

  listener(44, serve);
  lp = dial(44);
  pid = forkok();
  if(pid == 0){
    // A forked child does not own its parent's sockets.
    expect(send(lp, "x", 1), E_ACCESS_DENIED, "send on the parent's socket");
    expect(recv(lp, buf, sizeof(buf)), E_ACCESS_DENIED, "recv on the parent's socket");
    expect(disconnect(lp), E_ACCESS_DENIED, "disconnect of the parent's socket");
    exit();
  }
  wait();
  expect(send(44, "x", 1), E_ACCESS_DENIED, "send on the server's socket");
  expect(recv(44, buf, sizeof(buf)), E_ACCESS_DENIED, "recv on the server's socket");
  expect(disconnect(44), E_ACCESS_DENIED, "disconnect of the server's socket");
  // The connection still works.
  expect(send(lp, "ping", 5), 0, "send");
  expect(recv(lp, buf, sizeof(buf)), 0, "recv");
  check(strcmp(buf, "ping") == 0, "echo came back wrong");
  expect(disconnect(lp), 0, "disconnect");
  wait();
}

static void
badargs(void)
{
  static char big[SOCKMSGMAX + 1];
  char buf[8], *end;
  int lp;

  listener(45, serve);
  lp = dial(45);
  expect(send(lp, big, -1), E_INVALID_ARG, "send of -1 bytes");
  expect(send(lp, big, SOCKMSGMAX + 1), E_INVALID_ARG, "send of SOCKMSGMAX+1 bytes");
  expect(send(lp, (char*)KERNBASE, 10), E_INVALID_ARG, "send from a kernel pointer");
  expect(recv(lp, buf, -1), E_INVALID_ARG, "recv of -1 bytes");
  expect(recv(lp, (char*)KERNBASE, 10), E_INVALID_ARG, "recv into a kernel pointer");
  end = sbrk(0);
  expect(send(lp, end - 5, 10), E_INVALID_ARG, "send across the end of memory");
  expect(recv(lp, end - 5, 10), E_INVALID_ARG, "recv across the end of memory");
  // Arguments are checked before the socket is looked up.
  expect(send(46, (char*)KERNBASE, 10), E_INVALID_ARG, "send from a kernel pointer, no socket");
  // The connection is still fine, and SOCKMSGMAX bytes is allowed.
  expect(send(lp, big, SOCKMSGMAX), 0, "send of SOCKMSGMAX bytes");
  expect(recv(lp, buf, sizeof(buf)), 0, "recv");
  expect(disconnect(lp), 0, "disconnect");
  wait();
}

// ---------------------------------------------------------------- data

static void
exchangeserver(int port)
{
  char buf[SOCKMSGMAX];
  int i;

  expect(recv(port, buf, sizeof(buf)), 0, "server recv");
  check(strcmp(buf, "hello") == 0, "server got the wrong message");
  expect(send(port, "hello OK", 9), 0, "server send");
  // A full-size message arrives whole.
  expect(recv(port, buf, sizeof(buf)), 0, "server recv of a full message");
  for(i = 0; i < SOCKMSGMAX; i++)
    check(buf[i] == (char)(i * 13), "full message corrupted");
  // A long message, then a short one.
  for(i = 0; i < 100; i++)
    buf[i] = 'a' + i % 26;
  expect(send(port, buf, 100), 0, "server send of 100 bytes");
  expect(send(port, "next", 5), 0, "server send of the next message");
  // An empty message.
  expect(recv(port, buf, sizeof(buf)), 0, "server recv of an empty message");
  expect(recv(port, buf, sizeof(buf)), E_CONNECTION_RESET_BY_REMOTE, "server recv after the client left");
}

static void
exchange(void)
{
  char buf[SOCKMSGMAX];
  int lp, i;

  // Port 0 is a valid port; the client's port is the highest free one.
  listener(0, exchangeserver);
  lp = dial(0);
  expect(lp, NPORT - 1, "local port of the first connection");
  expect(send(lp, "hello", 6), 0, "client send");
  expect(recv(lp, buf, sizeof(buf)), 0, "client recv");
  check(strcmp(buf, "hello OK") == 0, "client got the wrong reply");
  for(i = 0; i < SOCKMSGMAX; i++)
    buf[i] = i * 13;
  expect(send(lp, buf, SOCKMSGMAX), 0, "client send of a full message");
  // recv copies at most n bytes and drops the rest of the message.
  memset(buf, '#', sizeof(buf));
  expect(recv(lp, buf, 10), 0, "client recv of 10 bytes");
  check(memcmp(buf, "abcdefghij", 10) == 0, "first 10 bytes wrong");
  check(buf[10] == '#', "recv wrote past n");
  expect(recv(lp, buf, sizeof(buf)), 0, "client recv of the next message");
  check(strcmp(buf, "next") == 0, "the rest of a long message was not dropped");
  expect(send(lp, buf, 0), 0, "send of 0 bytes");
  expect(disconnect(lp), 0, "disconnect");
  expect(disconnect(lp), E_NOTFOUND, "second disconnect");
  expect(send(lp, "x", 1), E_NOTFOUND, "send after disconnect");
  wait();
}

// blocking: send waits while the peer holds an unread message; recv waits
// for a message.
static void
slowreader(int port)
{
  char buf[16];
  int t;

  sleep(30);
  expect(recv(port, buf, sizeof(buf)), 0, "recv 1");
  check(strcmp(buf, "one") == 0, "message 1 wrong");
  expect(recv(port, buf, sizeof(buf)), 0, "recv 2");
  check(strcmp(buf, "two") == 0, "message 2 wrong");
  // Now the other way: recv blocks until the client sends.
  t = uptime();
  expect(recv(port, buf, sizeof(buf)), 0, "recv 3");
  check(strcmp(buf, "three") == 0, "message 3 wrong");
  if(uptime() - t < 15)
    fail("recv did not wait for the message");
}

static void
blocking(void)
{
  int lp, t;

  listener(47, slowreader);
  lp = dial(47);
  expect(send(lp, "one", 4), 0, "send 1");
  t = uptime();
  expect(send(lp, "two", 4), 0, "send 2");
  if(uptime() - t < 15)
    fail("send did not wait for the peer to read");
  sleep(30);
  expect(send(lp, "three", 6), 0, "send 3");
  wait();
  expect(disconnect(lp), 0, "disconnect");
}

// ---------------------------------------------------------------- resets

static void
lateserver(int port)
{
  char buf[16];

  sleep(20);  // the client has sent and left by now
  expect(recv(port, buf, sizeof(buf)), 0, "recv of a message sent before the reset");
  check(strcmp(buf, "last") == 0, "last message wrong");
  expect(recv(port, buf, sizeof(buf)), E_CONNECTION_RESET_BY_REMOTE, "recv after the reset");
  expect(send(port, "x", 1), E_CONNECTION_RESET_BY_REMOTE, "send after the reset");
  expect(disconnect(port), 0, "disconnect of a reset socket");
  expect(disconnect(port), E_NOTFOUND, "second disconnect");
}

static void
resetdisconnect(void)
{
  int lp;

  listener(48, lateserver);
  lp = dial(48);
  expect(send(lp, "last", 5), 0, "send");
  expect(disconnect(lp), 0, "disconnect");
  wait();
}

// A peer leaving wakes a blocked recv and a blocked send.
static void
waitingreader(int port)
{
  char buf[16];
  int t = uptime();

  expect(recv(port, buf, sizeof(buf)), E_CONNECTION_RESET_BY_REMOTE, "blocked recv when the peer leaves");
  check(uptime() - t < 200, "slow wake-up");
}

static void
quitter(int port)
{
  sleep(20);
  // returning disconnects
}

static void
resetwake(void)
{
  int lp;

  listener(49, waitingreader);
  lp = dial(49);
  sleep(20);
  expect(disconnect(lp), 0, "disconnect");
  wait();

  listener(50, quitter);
  lp = dial(50);
  expect(send(lp, "m1", 3), 0, "send 1");
  expect(send(lp, "m2", 3), E_CONNECTION_RESET_BY_REMOTE, "blocked send when the peer leaves");
  expect(disconnect(lp), 0, "disconnect");
  wait();
}

static void
resetexit(void)
{
  char buf[16];
  int pid;

  pid = forkok();
  if(pid == 0){
    int lp = dial(51);
    send(lp, "bye", 4);
    exit();  // no disconnect: exit does it
  }
  expect(listen(51), 0, "listen");
  expect(recv(51, buf, sizeof(buf)), 0, "recv of the message sent before exit");
  check(strcmp(buf, "bye") == 0, "message wrong");
  expect(recv(51, buf, sizeof(buf)), E_CONNECTION_RESET_BY_REMOTE, "recv after the peer exited");
  expect(disconnect(51), 0, "disconnect");
  check(wait() == pid, "wait");
}

static void
resetkill(void)
{
  char buf[16];
  int pid, t;

  // Killed while blocked in recv.
  pid = forkok();
  if(pid == 0){
    int lp = dial(52);
    recv(lp, buf, sizeof(buf));
    exit();
  }
  expect(listen(52), 0, "listen");
  sleep(10);
  t = uptime();
  kill(pid);
  check(wait() == pid, "wait");
  check(uptime() - t < 100, "a process killed in recv took long to die");
  expect(recv(52, buf, sizeof(buf)), E_CONNECTION_RESET_BY_REMOTE, "recv after the peer was killed");
  expect(disconnect(52), 0, "disconnect");

  // Killed while blocked in send: its first message is still delivered.
  pid = forkok();
  if(pid == 0){
    int lp = dial(53);
    send(lp, "m1", 3);
    send(lp, "m2", 3);
    exit();
  }
  expect(listen(53), 0, "listen");
  sleep(20);
  kill(pid);
  check(wait() == pid, "wait");
  expect(recv(53, buf, sizeof(buf)), 0, "recv of the message sent before the kill");
  check(strcmp(buf, "m1") == 0, "message wrong");
  expect(recv(53, buf, sizeof(buf)), E_CONNECTION_RESET_BY_REMOTE, "recv after the peer was killed");
  expect(disconnect(53), 0, "disconnect");

  // Killed while blocked in listen: the port is free again.
  pid = listener(54, 0);
  waitport(54);
  t = uptime();
  kill(pid);
  check(wait() == pid, "wait");
  check(uptime() - t < 100, "a process killed in listen took long to die");
  expect(send(54, "x", 1), E_NOTFOUND, "send to the killed listener's port");
}

// ---------------------------------------------------------------- limits

static void
ports(void)
{
  int lp1, lp2;

  // With NPORT-1 taken by a listener, a client gets NPORT-2, then NPORT-3.
  listener(NPORT - 1, serve);
  waitport(NPORT - 1);
  listener(55, serve);
  lp1 = dial(NPORT - 1);
  expect(lp1, NPORT - 2, "local port with NPORT-1 taken");
  lp2 = dial(55);
  expect(lp2, NPORT - 3, "local port of the second connection");
  expect(disconnect(lp1), 0, "disconnect");
  expect(disconnect(lp2), 0, "disconnect");
  wait();
  wait();
  // Ports are free again after disconnect: the same port serves again.
  listener(55, serve);
  lp1 = dial(55);
  expect(lp1, NPORT - 1, "local port after the others were freed");
  expect(disconnect(lp1), 0, "disconnect");
  wait();
}

static void
holder(int port)
{
  char buf[4];

  recv(port, buf, sizeof(buf));  // until the client goes
}

// table: NSOCK sockets at once, then every call that needs one more fails.
// Every port in use belongs to a socket, and NSOCK < NPORT, so the table
// always runs out before the ports do: this is also the only way to reach
// connect's "no free port" E_FAIL. (Two paths of the spec cannot be reached
// from user space at all: send/recv on a listener not yet connected, and
// disconnect of a listener while its owner waits in listen, since only the
// owner may call them and it is blocked in listen.)
static int listen99(void) { return listen(99); }

static void
table(void)
{
  int lp[NSOCK], pids[NSOCK], i, half = NSOCK / 2;

  // half listeners, half-1 clients (ours), one more listener: NSOCK.
  for(i = 0; i < half; i++)
    pids[i] = listener(60 + i, holder);
  for(i = 0; i < half - 1; i++)
    lp[i] = dial(60 + i);
  pids[half] = listener(60 + half, holder);
  waitport(60 + half);
  waitport(60 + half - 1);
  expect(quick(listen99, "listen with a full table"), E_FAIL, "listen with a full table");
  expect(connect(60 + half - 1, "localhost"), E_FAIL, "connect with a full table");
  // One socket goes, and connect works again.
  kill(pids[half]);
  for(i = 0; i < 100 && send(60 + half, "", 0) != E_NOTFOUND; i++)
    sleep(1);
  lp[half - 1] = dial(60 + half - 1);
  for(i = 0; i < half; i++)
    expect(disconnect(lp[i]), 0, "disconnect");
  for(i = 0; i <= half; i++)
    wait();
}

// ---------------------------------------------------------------- stress

#define NPAIR 5
#define ROUNDS 1000

// fill makes message j of pair p: its number and length, then a pattern.
static int
fill(char *m, int p, int j)
{
  int len = 8 + (j * 37 + p * 11) % (SOCKMSGMAX - 8);
  int k;

  memmove(m, &j, 4);
  memmove(m + 4, &len, 4);
  for(k = 8; k < len; k++)
    m[k] = p * 31 + j * 7 + k;
  return len;
}

static void
stressserver(int port)
{
  char m[SOCKMSGMAX], want[SOCKMSGMAX];
  int j, k, len, p = port - 100;

  for(j = 0; j < ROUNDS; j++){
    expect(recv(port, m, sizeof(m)), 0, "stress server recv");
    len = fill(want, p, j);
    check(memcmp(m, want, len) == 0, "stress server got a corrupted message");
    for(k = 8; k < len; k++)
      m[k] ^= 0x5a;
    expect(send(port, m, len), 0, "stress server send");
  }
  expect(recv(port, m, sizeof(m)), E_CONNECTION_RESET_BY_REMOTE, "stress server at the end");
}

static void
stressclient(int p)
{
  char m[SOCKMSGMAX], r[SOCKMSGMAX];
  int j, k, len, lp;

  lp = dial(100 + p);
  for(j = 0; j < ROUNDS; j++){
    len = fill(m, p, j);
    expect(send(lp, m, len), 0, "stress client send");
    expect(recv(lp, r, sizeof(r)), 0, "stress client recv");
    for(k = 8; k < len; k++)
      m[k] ^= 0x5a;
    check(memcmp(m, r, len) == 0, "stress client got a corrupted reply");
  }
  expect(disconnect(lp), 0, "stress client disconnect");
}

static void
stress(void)
{
  int p, t = uptime();

  for(p = 0; p < NPAIR; p++)
    listener(100 + p, stressserver);
  for(p = 0; p < NPAIR; p++){
    if(forkok() == 0){
      stressclient(p);
      exit();
    }
  }
  for(p = 0; p < 2*NPAIR; p++)
    wait();
  printf(1, "sockettests: stress: %d pairs, %d messages, %d ticks\n",
         NPAIR, 2*NPAIR*ROUNDS, uptime() - t);
}

// ---------------------------------------------------------------- runner

struct test {
  char *name;
  void (*fn)(void);
};

static struct test tests[] = {
  { "badports", badports },
  { "badhosts", badhosts },
  { "notfound", notfound },
  { "inuse", inuse },
  { "wrongstate", wrongstate },
  { "owner", owner },
  { "badargs", badargs },
  { "exchange", exchange },
  { "blocking", blocking },
  { "resetdisconnect", resetdisconnect },
  { "resetwake", resetwake },
  { "resetexit", resetexit },
  { "resetkill", resetkill },
  { "ports", ports },
  { "table", table },
  { "stress", stress },
  { 0, 0 },
};

static int
run(struct test *t)
{
  int p[2], pid, passed = 0, failed = 0;
  char c;

  if(pipe(p) < 0 || (pid = fork()) < 0){
    printf(1, "sockettests: %s: FAILED (no pipe or fork)\n", t->name);
    return 0;
  }
  if(pid == 0){
    close(p[0]);
    resultfd = p[1];
    casename = t->name;
    t->fn();
    write(resultfd, "P", 1);
    exit();
  }
  close(p[1]);
  while(wait() != pid)
    ;
  while(read(p[0], &c, 1) == 1){
    if(c == 'P')
      passed = 1;
    else
      failed = 1;
  }
  close(p[0]);
  if(passed && !failed){
    printf(1, "sockettests: %s ok\n", t->name);
    return 1;
  }
  printf(1, "sockettests: %s FAILED\n", t->name);
  return 0;
}

int
main(int argc, char *argv[])
{
  struct test *t;
  int i, n = 0, bad = 0;

  for(t = tests; t->name != 0; t++){
    if(argc > 1){
      for(i = 1; i < argc; i++)
        if(strcmp(argv[i], t->name) == 0)
          break;
      if(i == argc)
        continue;
    }
    n++;
    bad += !run(t);
  }
  if(bad == 0)
    printf(1, "sockettests: all %d tests passed\n", n);
  else
    printf(1, "sockettests: %d of %d tests FAILED\n", bad, n);
  exit();
}
