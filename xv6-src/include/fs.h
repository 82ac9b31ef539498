// On-disk file system format, shared by the kernel and cmd/mkfs (Go).
//
// Disk layout, in BSIZE blocks:
// [ boot | super | log | inodes | free bitmap | data ]
// Block 0 is unused by the file system; block 1 holds the superblock.

#define ROOTINO 1    // inode number of "/"
#define BSIZE 512    // block size in bytes

struct superblock {
  uint size;        // blocks in the image
  uint nblocks;     // data blocks
  uint ninodes;     // inodes
  uint nlog;        // log blocks
  uint logstart;    // first log block
  uint inodestart;  // first inode block
  uint bmapstart;   // first free-bitmap block
};

#define NDIRECT 12
#define NINDIRECT (BSIZE / sizeof(uint))
#define MAXFILE (NDIRECT + NINDIRECT)

// An inode as stored on disk (64 bytes).
struct dinode {
  short type;               // 0 = free, else T_DIR, T_FILE, T_DEV
  short major;              // device numbers (T_DEV only)
  short minor;
  short nlink;              // directory entries naming it
  uint size;                // bytes of content
  uint addrs[NDIRECT+1];    // direct blocks, then the indirect block
};

#define IPB           (BSIZE / sizeof(struct dinode))   // inodes per block
#define IBLOCK(i, sb) ((i) / IPB + (sb).inodestart)     // block holding inode i
#define BPB           (BSIZE*8)                         // bitmap bits per block
#define BBLOCK(b, sb) ((b) / BPB + (sb).bmapstart)      // bitmap block for block b

#define DIRSIZ 14

// A directory is a file of these (16 bytes each); inum 0 marks a free slot.
struct dirent {
  ushort inum;
  char name[DIRSIZ];
};
