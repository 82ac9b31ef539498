/* Ports the bare-metal test programs report through (the test runner and gemu/qemu
 * provide them): POST codes, a text console, and isa-debug-exit. */
#define POST_PORT 0x190   /* isa-debugcon,iobase=0x190: one byte per progress code */
#define CON_PORT  0xE9    /* -debugcon: console text */
#define EXIT_PORT 0xF4    /* isa-debug-exit: the emulator exits with (v<<1)|1 */
#define EXIT_PASS 0x10    /* -> exit status 33 */
#define EXIT_FAIL 0x01    /* -> exit status 3 */
