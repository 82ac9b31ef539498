// A mutual-exclusion lock that spins; held with interrupts off.
struct spinlock {
  uint locked;       // 0 free, 1 held

  // For debugging:
  char *name;
  struct cpu *cpu;   // the holder
  uint pcs[10];      // call stack at acquire
};
