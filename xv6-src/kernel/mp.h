// Intel MultiProcessor Specification tables, as the BIOS leaves them.

struct mp {             // floating pointer
  uchar signature[4];   // "_MP_"
  void *physaddr;       // MP config table
  uchar length;         // in 16-byte units (1)
  uchar specrev;
  uchar checksum;       // all bytes add to 0
  uchar type;           // config type
  uchar imcrp;
  uchar reserved[3];
};

struct mpconf {         // configuration table header
  uchar signature[4];   // "PCMP"
  ushort length;        // table length in bytes
  uchar version;        // 1 or 4
  uchar checksum;
  uchar product[20];
  uint *oemtable;
  ushort oemlength;
  ushort entry;         // number of entries
  uint *lapicaddr;      // local APIC MMIO
  ushort xlength;
  uchar xchecksum;
  uchar reserved;
};

struct mpproc {         // processor entry
  uchar type;           // MPPROC
  uchar apicid;
  uchar version;
  uchar flags;
  uchar signature[4];
  uint feature;
  uchar reserved[8];
};

struct mpioapic {       // I/O APIC entry
  uchar type;           // MPIOAPIC
  uchar apicno;
  uchar version;
  uchar flags;
  uint *addr;
};

// Entry types
#define MPPROC    0x00  // 20 bytes
#define MPBUS     0x01  // 8 bytes
#define MPIOAPIC  0x02  // 8 bytes
#define MPIOINTR  0x03  // 8 bytes
#define MPLINTR   0x04  // 8 bytes
