// The file-system log: every system call's writes form a transaction
// that reaches the disk all or nothing, so a crash never leaves the file
// system half-updated.
//
// A system call brackets its writes with begin_op()/end_op() and writes
// blocks with log_write() instead of bwrite(). Concurrent calls share
// one group transaction; it commits when the last of them ends:
//   1. copy each changed block into the log area,
//   2. write the log header with the block count (the commit point),
//   3. copy the blocks to their home locations,
//   4. write the header with count 0.
// initlog() replays a committed log after a crash.
//
// On disk: [header block][logged block 1]... starting at sb.logstart.

#include "types.h"
#include "defs.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "buf.h"

struct logheader {
  int n;                 // logged blocks
  int block[LOGSIZE];    // their home block numbers
};

struct log {
  struct spinlock lock;
  int start;
  int size;
  int outstanding;  // system calls inside the current transaction
  int committing;   // commit() running: new operations wait
  int dev;
  struct logheader lh;
};
struct log log;

static void recover_from_log(void);
static void commit(void);

void
initlog(int dev)
{
  struct superblock sb;

  if(sizeof(struct logheader) >= BSIZE)
    panic("initlog: too big logheader");

  initlock(&log.lock, "log");
  readsb(dev, &sb);
  log.start = sb.logstart;
  log.size = sb.nlog;
  log.dev = dev;
  recover_from_log();
}

// Copy the logged blocks to their home locations.
static void
install_trans(void)
{
  int tail;

  for(tail = 0; tail < log.lh.n; tail++){
    struct buf *lbuf = bread(log.dev, log.start+tail+1);
    struct buf *dbuf = bread(log.dev, log.lh.block[tail]);
    memmove(dbuf->data, lbuf->data, BSIZE);
    bwrite(dbuf);
    brelse(lbuf);
    brelse(dbuf);
  }
}

static void
read_head(void)
{
  struct buf *buf = bread(log.dev, log.start);
  struct logheader *lh = (struct logheader *)(buf->data);
  int i;

  log.lh.n = lh->n;
  for(i = 0; i < log.lh.n; i++)
    log.lh.block[i] = lh->block[i];
  brelse(buf);
}

// Write the in-memory header to disk. With n > 0 this is the moment
// the transaction commits.
static void
write_head(void)
{
  struct buf *buf = bread(log.dev, log.start);
  struct logheader *hb = (struct logheader *)(buf->data);
  int i;

  hb->n = log.lh.n;
  for(i = 0; i < log.lh.n; i++)
    hb->block[i] = log.lh.block[i];
  bwrite(buf);
  brelse(buf);
}

static void
recover_from_log(void)
{
  read_head();
  install_trans();
  log.lh.n = 0;
  write_head();
}

// Start a file-system operation. Waits while a commit runs or while
// the log might not hold this operation's blocks.
void
begin_op(void)
{
  acquire(&log.lock);
  for(;;){
    if(log.committing){
      sleep(&log, &log.lock);
    } else if(log.lh.n + (log.outstanding+1)*MAXOPBLOCKS > LOGSIZE){
      sleep(&log, &log.lock);
    } else {
      log.outstanding += 1;
      release(&log.lock);
      break;
    }
  }
}

// End an operation; the last one out commits.
void
end_op(void)
{
  int do_commit = 0;

  acquire(&log.lock);
  log.outstanding -= 1;
  if(log.committing)
    panic("log.committing");
  if(log.outstanding == 0){
    do_commit = 1;
    log.committing = 1;
  } else {
    // begin_op may be waiting for log space this operation reserved.
    wakeup(&log);
  }
  release(&log.lock);

  if(do_commit){
    // commit sleeps on disk I/O, so it runs without log.lock.
    commit();
    acquire(&log.lock);
    log.committing = 0;
    wakeup(&log);
    release(&log.lock);
  }
}

// Copy the changed blocks from the cache into the log area.
static void
write_log(void)
{
  int tail;

  for(tail = 0; tail < log.lh.n; tail++){
    struct buf *to = bread(log.dev, log.start+tail+1);
    struct buf *from = bread(log.dev, log.lh.block[tail]);
    memmove(to->data, from->data, BSIZE);
    bwrite(to);
    brelse(from);
    brelse(to);
  }
}

static void
commit(void)
{
  if(log.lh.n > 0){
    write_log();
    write_head();      // commit point
    install_trans();
    log.lh.n = 0;
    write_head();      // the log is empty again
  }
}

// Record that b was changed. The block is written at commit; B_DIRTY
// keeps the buffer in the cache until then. Writing a block twice in
// one transaction uses one log slot.
void
log_write(struct buf *b)
{
  int i;

  if(log.lh.n >= LOGSIZE || log.lh.n >= log.size - 1)
    panic("too big a transaction");
  if(log.outstanding < 1)
    panic("log_write outside of trans");

  acquire(&log.lock);
  for(i = 0; i < log.lh.n; i++){
    if(log.lh.block[i] == b->blockno)
      break;
  }
  log.lh.block[i] = b->blockno;
  if(i == log.lh.n)
    log.lh.n++;
  b->flags |= B_DIRTY;
  release(&log.lock);
}
