// Localhost sockets (spec/sockets.md): numbered ports, one client per
// listening socket, one message in flight in each direction.
//
// One spinlock guards the whole table. Every wait is a sleep on a
// socket's address with that lock, and every change to a socket wakes
// the socket and its peer, so no wakeup can be lost: a waiter re-checks
// its condition under the lock before it sleeps, and sleep releases the
// lock only once the process is marked asleep.

#include "types.h"
#include "defs.h"
#include "param.h"
#include "memlayout.h"
#include "mmu.h"
#include "proc.h"
#include "spinlock.h"
#include "signalcodes.h"

enum sockstate {
  SK_FREE,       // slot unused
  SK_LISTEN,     // waiting in listen() for a client
  SK_CONNECTED,  // has a peer
  SK_RESET,      // the peer disconnected or exited
};

struct sock {
  enum sockstate state;
  int port;
  int owner;            // pid of the process that created it
  uint gen;             // bumped on close, so sleepers notice reuse
  struct sock *peer;    // SK_CONNECTED only
  int full;             // a message waits in data
  int len;
  char data[SOCKMSGMAX];
};

static struct {
  struct spinlock lock;
  struct sock sock[NSOCK];
  struct sock *port[NPORT];  // socket bound to each port, or 0
} st;

void
sockinit(void)
{
  initlock(&st.lock, "sockets");
}

static struct sock*
sockalloc(int port, int owner, enum sockstate state)
{
  struct sock *s;

  for(s = st.sock; s < &st.sock[NSOCK]; s++){
    if(s->state == SK_FREE){
      s->state = state;  // race(sock): what connect tests unlocked
      s->port = port;
      s->owner = owner;
      s->peer = 0;
      s->full = 0;
      s->len = 0;
      st.port[port] = s;  // race(sock): what connect looks up unlocked
      return s;
    }
  }
  return 0;
}

// Close s: free its port and slot, reset its peer, wake everyone who
// waits on either. st.lock is held.
static void
sockfree(struct sock *s)
{
  struct sock *p;

  if((p = s->peer) != 0 && p->peer == s){
    p->state = SK_RESET;  // race(sock): the write socksend misses
    p->peer = 0;          // race(sock)
    wakeup(p);
  }
  st.port[s->port] = 0;  // race(sock): connect looks it up unlocked
  s->state = SK_FREE;    // race(sock): connect tests it unlocked
  s->peer = 0;
  s->full = 0;
  s->gen++;
  wakeup(s);
}

// The caller's socket at port, or an error code. st.lock is held.
static int
sockown(int port, struct sock **ps)
{
  struct sock *s;

  if(port < 0 || port >= NPORT)
    return E_INVALID_ARG;
  if((s = st.port[port]) == 0)
    return E_NOTFOUND;
  if(s->owner != myproc()->pid)
    return E_ACCESS_DENIED;
  *ps = s;
  return 0;
}

int
socklisten(int port)
{
  struct sock *s;
  uint gen;
  int r;

  if(port < 0 || port >= NPORT)
    return E_INVALID_ARG;
  acquire(&st.lock);
  if(st.port[port]){
    release(&st.lock);
    return E_ACCESS_DENIED;
  }
  if((s = sockalloc(port, myproc()->pid, SK_LISTEN)) == 0){
    release(&st.lock);
    return E_FAIL;
  }
  gen = s->gen;
  // Wait for connect() to change the state. A close (disconnect, or
  // our own exit) bumps gen.
  for(;;){
    if(s->gen != gen){
      r = E_WRONG_STATE;
      break;
    }
    if(s->state != SK_LISTEN){
      r = 0;
      break;
    }
    if(myproc()->killed){
      r = E_FAIL;
      break;
    }
    sleep(s, &st.lock);
  }
  release(&st.lock);
  return r;
}

// host is a kernel copy of a string; checked by the caller for length.
int
sockconnect(int port, char *host)
{
  struct sock *srv, *s;
  int lport;

  if(strncmp(host, "localhost", 10) != 0 && strncmp(host, "127.0.0.1", 10) != 0)
    return E_INVALID_ARG;
  if(port < 0 || port >= NPORT)
    return E_INVALID_ARG;

#ifdef RACE_SOCK
  // Planted mistake (make RACE=sock): the listener is looked up and its
  // state tested before the lock is taken, and not again after. A client
  // polling for a listener reads what listen() is writing on another
  // CPU, and two clients that test at once both connect to one listener.
  if((srv = st.port[port]) == 0)    // race(sock): unlocked
    return E_NOTFOUND;
  if(srv->state != SK_LISTEN)       // race(sock): unlocked
    return E_WRONG_STATE;
  acquire(&st.lock);
#else
  acquire(&st.lock);
  if((srv = st.port[port]) == 0){
    release(&st.lock);
    return E_NOTFOUND;
  }
  if(srv->state != SK_LISTEN){
    release(&st.lock);
    return E_WRONG_STATE;
  }
#endif
  // The highest free port.
  for(lport = NPORT-1; lport >= 0; lport--)
    if(st.port[lport] == 0)
      break;
  if(lport < 0 || (s = sockalloc(lport, myproc()->pid, SK_CONNECTED)) == 0){
    release(&st.lock);
    return E_FAIL;
  }
  s->peer = srv;
  srv->peer = s;
  srv->state = SK_CONNECTED;  // race(sock): another client's unlocked test
  wakeup(srv);
  release(&st.lock);
  return lport;
}

// Copy n bytes at user address buf into the peer's slot.
int
socksend(int port, char *buf, int n)
{
  struct sock *s, *p;
#ifndef RACE_SOCK
  uint gen;
#endif
  int r;

  if(n < 0 || n > SOCKMSGMAX)
    return E_INVALID_ARG;
  acquire(&st.lock);
  if((r = sockown(port, &s)) < 0)
    goto out;
  if(s->state == SK_LISTEN){
    r = E_WRONG_STATE;
    goto out;
  }
#ifdef RACE_SOCK
  // Planted mistake (make RACE=sock): the peer and the state are read
  // with the lock dropped and not checked again once it is retaken. A
  // disconnect by the peer on another CPU in this window goes unseen:
  // send reports success and the message lands in a closed socket.
  release(&st.lock);
  p = s->peer;                 // race(sock): unlocked
  if(s->state == SK_RESET)     // race(sock): unlocked
    return E_CONNECTION_RESET_BY_REMOTE;
  acquire(&st.lock);
  while(p->full){
    if(myproc()->killed){
      r = E_FAIL;
      goto out;
    }
    sleep(p, &st.lock);
  }
#else
  gen = s->gen;
  for(;;){
    if(s->gen != gen){        // closed under us (cannot happen today)
      r = E_NOTFOUND;
      goto out;
    }
    if(s->state == SK_RESET){
      r = E_CONNECTION_RESET_BY_REMOTE;
      goto out;
    }
    p = s->peer;
    if(!p->full)
      break;
    if(myproc()->killed){
      r = E_FAIL;
      goto out;
    }
    sleep(p, &st.lock);       // the receiver wakes p when it empties it
  }
#endif
  memmove(p->data, buf, n);
  p->len = n;
  p->full = 1;
  wakeup(p);
  r = 0;
out:
  release(&st.lock);
  return r;
}

// Take the waiting message, copying at most n bytes to user address buf.
int
sockrecv(int port, char *buf, int n)
{
  struct sock *s;
  uint gen;
  int r;

  if(n < 0)
    return E_INVALID_ARG;
  acquire(&st.lock);
  if((r = sockown(port, &s)) < 0)
    goto out;
  if(s->state == SK_LISTEN){
    r = E_WRONG_STATE;
    goto out;
  }
  gen = s->gen;
  for(;;){
    if(s->gen != gen){
      r = E_NOTFOUND;
      goto out;
    }
    if(s->full)               // delivered even after the peer left
      break;
    if(s->state == SK_RESET){
      r = E_CONNECTION_RESET_BY_REMOTE;
      goto out;
    }
    if(myproc()->killed){
      r = E_FAIL;
      goto out;
    }
    sleep(s, &st.lock);
  }
  memmove(buf, s->data, n < s->len ? n : s->len);
  s->full = 0;
  s->len = 0;
  wakeup(s);                  // a sender may wait for the slot
  r = 0;
out:
  release(&st.lock);
  return r;
}

int
sockdisconnect(int port)
{
  struct sock *s;
  int r;

  acquire(&st.lock);
  if((r = sockown(port, &s)) == 0)
    sockfree(s);
  release(&st.lock);
  return r;
}

// Close every socket p owns (exit).
void
sockcloseall(struct proc *p)
{
  struct sock *s;

  acquire(&st.lock);
  for(s = st.sock; s < &st.sock[NSOCK]; s++)
    if(s->state != SK_FREE && s->owner == p->pid)
      sockfree(s);
  release(&st.lock);
}
