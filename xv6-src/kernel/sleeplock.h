// A lock for long waits (disk I/O): the waiter sleeps instead of spinning.
struct sleeplock {
  uint locked;
  struct spinlock lk;  // guards this structure
  char *name;
  int pid;             // the holder
};
