// A buffer-cache block.
struct buf {
  int flags;
  uint dev;
  uint blockno;
  struct sleeplock lock;  // held while the contents are in use
  uint refcnt;
  struct buf *prev;       // LRU list
  struct buf *next;
  struct buf *qnext;      // IDE request queue
  uchar data[BSIZE];
};
#define B_VALID 0x2  // data holds the block's contents
#define B_DIRTY 0x4  // data must be written to disk
