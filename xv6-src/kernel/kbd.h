// PC keyboard: 8042 controller ports and the special key codes the
// console sees (scan code set 1).

#define KBSTATP 0x64   // status port
#define KBS_DIB 0x01   // data in buffer
#define KBDATAP 0x60   // data port

// Codes above 0x7F for keys without an ASCII character.
#define KEY_HOME 0xE0
#define KEY_END  0xE1
#define KEY_UP   0xE2
#define KEY_DN   0xE3
#define KEY_LF   0xE4
#define KEY_RT   0xE5
#define KEY_PGUP 0xE6
#define KEY_PGDN 0xE7
#define KEY_INS  0xE8
#define KEY_DEL  0xE9

// The control character for letter x.
#define C(x) ((x) - '@')
