// An open file.
struct file {
  enum { FD_NONE, FD_PIPE, FD_INODE } type;
  int ref;
  char readable;
  char writable;
  struct pipe *pipe;
  struct inode *ip;
  uint off;
};

// An inode in memory.
struct inode {
  uint dev;
  uint inum;
  int ref;               // references from the kernel
  struct sleeplock lock; // guards everything below
  int valid;             // has been read from disk?

  // copy of struct dinode
  short type;
  short major;
  short minor;
  short nlink;
  uint size;
  uint addrs[NDIRECT+1];
};

// Device switch: read and write for each major device number.
struct devsw {
  int (*read)(struct inode *, char *, int);
  int (*write)(struct inode *, char *, int);
};

extern struct devsw devsw[];

#define CONSOLE 1
