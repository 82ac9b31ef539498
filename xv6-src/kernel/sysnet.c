// Socket system calls: fetch and check the arguments, then socket.c.
// Any bad argument, including a bad pointer, is E_INVALID_ARG.

#include "types.h"
#include "defs.h"
#include "param.h"
#include "signalcodes.h"

int
sys_listen(void)
{
  int port;

  if(argint(0, &port) < 0)
    return E_INVALID_ARG;
  return socklisten(port);
}

int
sys_connect(void)
{
  int port;
  char *host;
  char kh[16];

  if(argint(0, &port) < 0 || argstr(1, &host) < 0)
    return E_INVALID_ARG;
  // Longer names cannot match; copy the start to compare safely.
  if(strlen(host) >= sizeof(kh))
    return E_INVALID_ARG;
  safestrcpy(kh, host, sizeof(kh));
  return sockconnect(port, kh);
}

int
sys_send(void)
{
  int port, n;
  char *buf;

  if(argint(0, &port) < 0 || argint(2, &n) < 0)
    return E_INVALID_ARG;
  if(n < 0 || n > SOCKMSGMAX || argptr(1, &buf, n) < 0)
    return E_INVALID_ARG;
  return socksend(port, buf, n);
}

int
sys_recv(void)
{
  int port, n;
  char *buf;

  if(argint(0, &port) < 0 || argint(2, &n) < 0)
    return E_INVALID_ARG;
  if(n < 0 || argptr(1, &buf, n) < 0)
    return E_INVALID_ARG;
  return sockrecv(port, buf, n);
}

int
sys_disconnect(void)
{
  int port;

  if(argint(0, &port) < 0)
    return E_INVALID_ARG;
  return sockdisconnect(port);
}
