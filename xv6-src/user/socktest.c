// socktest: the seed's demonstration of the localhost sockets. The parent
// is a server on port 10, the child a client that reads lines from the
// console and sends them; the server prints each line and sends it back
// with " OK" appended, and the client prints the reply. "exit" ends both.
// Every call that fails prints its error code (signalcodes.h).
#include "types.h"
#include "stat.h"
#include "user.h"
#include "signalcodes.h"

#define PORT 10
#define BUFSZ 128

static void
server(void)
{
  char buf[BUFSZ], reply[BUFSZ + 4];
  int r, n;

  printf(1, "Server>> listening on port %d\n", PORT);
  if((r = listen(PORT)) < 0){
    printf(1, "Server>> listen failed: error %d\n", r);
    return;
  }
  printf(1, "Server>> client connected\n");
  // The greeting also orders the output: the client prints only after it.
  if((r = send(PORT, "welcome", 8)) < 0){
    printf(1, "Server>> send failed: error %d\n", r);
    return;
  }
  for(;;){
    memset(buf, 0, sizeof(buf));
    if((r = recv(PORT, buf, sizeof(buf) - 1)) < 0){
      printf(1, "Server>> recv failed: error %d\n", r);
      break;
    }
    printf(1, "Server>> received: %s\n", buf);
    n = strlen(buf);
    memmove(reply, buf, n);
    memmove(reply + n, " OK", 4);
    if((r = send(PORT, reply, n + 4)) < 0){
      printf(1, "Server>> send failed: error %d\n", r);
      break;
    }
    if(strcmp(buf, "exit") == 0)
      break;
  }
  if((r = disconnect(PORT)) < 0)
    printf(1, "Server>> disconnect failed: error %d\n", r);
  printf(1, "Server>> done\n");
}

static void
client(void)
{
  char line[BUFSZ], reply[BUFSZ + 4];
  int r, port, tries, n;

  // The server may not be listening yet.
  for(tries = 0; (port = connect(PORT, "localhost")) == E_NOTFOUND && tries < 500; tries++)
    sleep(1);
  if(port < 0){
    printf(1, "Client>> connect failed: error %d\n", port);
    return;
  }
  memset(reply, 0, sizeof(reply));
  if((r = recv(port, reply, sizeof(reply) - 1)) < 0){
    printf(1, "Client>> recv failed: error %d\n", r);
    return;
  }
  printf(1, "Client>> connected from port %d, server says %s; type lines, \"exit\" ends\n", port, reply);
  for(;;){
    printf(1, "Client>> ");
    memset(line, 0, sizeof(line));
    gets(line, sizeof(line));
    if(line[0] == 0)
      strcpy(line, "exit");  // end of input
    n = strlen(line);
    while(n > 0 && (line[n-1] == '\n' || line[n-1] == '\r'))
      line[--n] = 0;
    if((r = send(port, line, n + 1)) < 0){
      printf(1, "Client>> send failed: error %d\n", r);
      break;
    }
    memset(reply, 0, sizeof(reply));
    if((r = recv(port, reply, sizeof(reply) - 1)) < 0){
      printf(1, "Client>> recv failed: error %d\n", r);
      break;
    }
    printf(1, "Client>> reply: %s\n", reply);
    if(strcmp(line, "exit") == 0)
      break;
  }
  if((r = disconnect(port)) < 0)
    printf(1, "Client>> disconnect failed: error %d\n", r);
}

int
main(void)
{
  int pid = fork();

  if(pid < 0){
    printf(1, "socktest: fork failed\n");
    exit();
  }
  if(pid == 0){
    client();
    exit();
  }
  server();
  wait();
  exit();
}
