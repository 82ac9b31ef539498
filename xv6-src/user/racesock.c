// racesock: two clients poll for a listener that appears while they do.
// Built only into RACE kernels' fs.img (make RACE=sock, see README.md).
//
// usage: racesock [rounds]   (default 50)
//
// A server and two clients live through all the rounds, so that a round
// is mostly polling, not fork and exit. Each round the parent says go;
// the server waits a varying while and listens on a port; the clients
// call connect in a loop until it succeeds or the listener is taken. A
// listening socket takes one client, so exactly one must connect. With
// RACE=sock, connect tests the listener without the lock: the polls read
// what listen() writes on the other CPU (a data race the detector
// reports), and now and then both clients connect to the one listener.
#include "types.h"
#include "stat.h"
#include "user.h"
#include "signalcodes.h"

#define PORT 77
#define MAXPOLLS 10000000  // a client gives up after this many (a lost listener)

// Each child reads its orders from go[i] and answers on res.
static int go[3][2], res[2];

static void
server(int rounds)
{
  uint x = 12345;
  int r, i;
  char c;

  for(r = 0; r < rounds; r++){
    if(read(go[2][0], &c, 1) != 1)
      break;
    x = x * 1103515245 + 12345;
    for(i = (x >> 16) % 20000; i > 0; i--)  // listen at a varying moment
      ;
    c = listen(PORT) == 0 ? 'L' : 'E';
    write(res[1], &c, 1);
    if(read(go[2][0], &c, 1) != 1)  // hold the port until the clients have answered
      break;
    disconnect(PORT);
    write(res[1], "D", 1);
  }
  exit();
}

// Poll until connected ('c') or the listener is taken ('l').
static void
client(int id, int rounds)
{
  int r, n, lp;
  char c;

  for(r = 0; r < rounds; r++){
    if(read(go[id][0], &c, 1) != 1)
      break;
    for(n = 0; (lp = connect(PORT, "localhost")) == E_NOTFOUND && n < MAXPOLLS; n++)
      ;
    if(lp >= 0){
      write(res[1], "c", 1);
      disconnect(lp);
    } else {
      write(res[1], "l", 1);
    }
  }
  exit();
}

int
main(int argc, char *argv[])
{
  int rounds, r, i, connected, failed;
  char c;

  rounds = argc > 1 ? atoi(argv[1]) : 50;
  if(rounds < 1){
    printf(2, "usage: racesock [rounds]\n");
    exit();
  }
  if(pipe(res) < 0 || pipe(go[0]) < 0 || pipe(go[1]) < 0 || pipe(go[2]) < 0){
    printf(1, "racesock: FAIL pipe\n");
    exit();
  }
  for(i = 0; i < 3; i++){
    if((r = fork()) < 0){
      printf(1, "racesock: FAIL fork\n");
      exit();
    }
    if(r == 0){
      if(i == 2)
        server(rounds);
      client(i, rounds);
    }
  }
  failed = 0;
  for(r = 0; r < rounds; r++){
    for(i = 0; i < 3; i++)
      write(go[i][1], "g", 1);
    connected = 0;
    for(i = 0; i < 3; i++){  // two clients' answers and the server's
      if(read(res[0], &c, 1) != 1)
        break;
      connected += c == 'c';
    }
    write(go[2][1], "d", 1);  // the server may disconnect now
    while(read(res[0], &c, 1) == 1 && c != 'D')
      ;
    if(connected != 1){
      printf(1, "racesock: FAIL round %d: %d clients connected to one listener\n", r, connected);
      failed++;
    }
  }
  for(i = 0; i < 3; i++)
    close(go[i][1]);
  for(i = 0; i < 3; i++)
    wait();
  if(failed)
    printf(1, "racesock: FAIL %d of %d rounds\n", failed, rounds);
  else
    printf(1, "racesock: ok\n");
  exit();
}
