// Sizes of kernel tables and of the file system.
#define NPROC        64    // processes
#define KSTACKSIZE 4096    // per-process kernel stack
#define NCPU          8    // CPUs
#define NOFILE       16    // open files per process
#define NFILE       100    // open files in the system
#define NINODE       50    // in-memory inodes
#define NDEV         10    // major device numbers
#define ROOTDEV       1    // disk holding the root file system
#define MAXARG       32    // exec arguments
#define MAXOPBLOCKS  10    // blocks one FS operation may write
#define LOGSIZE      (MAXOPBLOCKS*3)  // blocks in the on-disk log
#define NBUF         (MAXOPBLOCKS*3)  // buffer cache entries
#define FSSIZE       1000  // file system size in blocks
#define NPORT       128    // socket ports 0..NPORT-1
#define NSOCK        32    // sockets in the whole system
#define SOCKMSGMAX  512    // largest message one send() carries, in bytes
