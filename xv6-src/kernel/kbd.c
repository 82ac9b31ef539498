// Keyboard driver: turns scan code set 1 bytes from the 8042 into
// characters, tracking shift, ctrl, alt and caps lock.

#include "types.h"
#include "x86.h"
#include "defs.h"
#include "kbd.h"

// Modifier state bits.
#define SHIFT   (1<<0)
#define CTL     (1<<1)
#define ALT     (1<<2)
#define CAPS    (1<<3)   // toggled
#define E0ESC   (1<<6)   // the previous byte was 0xE0

// Characters for each make code, unshifted and shifted. Keypad keys
// (0x47-0x53) give digits: there is no num lock handling.
static uchar plain[128] = {
  [0x01] = 033,
  [0x02] = '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', '\b', '\t',
  [0x10] = 'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\n',
  [0x1E] = 'a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`',
  [0x2B] = '\\', 'z', 'x', 'c', 'v', 'b', 'n', 'm', ',', '.', '/',
  [0x37] = '*', [0x39] = ' ',
  [0x47] = '7', '8', '9', '-', '4', '5', '6', '+', '1', '2', '3', '0', '.',
};

static uchar shifted[128] = {
  [0x01] = 033,
  [0x02] = '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', '\b', '\t',
  [0x10] = 'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\n',
  [0x1E] = 'A', 'S', 'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~',
  [0x2B] = '|', 'Z', 'X', 'C', 'V', 'B', 'N', 'M', '<', '>', '?',
  [0x37] = '*', [0x39] = ' ',
  [0x47] = '7', '8', '9', '-', '4', '5', '6', '+', '1', '2', '3', '0', '.',
};

// Keys that send 0xE0 first.
static uchar escaped[128] = {
  [0x1C] = '\n',       // keypad enter
  [0x35] = '/',        // keypad /
  [0x47] = KEY_HOME, [0x48] = KEY_UP, [0x49] = KEY_PGUP,
  [0x4B] = KEY_LF, [0x4D] = KEY_RT,
  [0x4F] = KEY_END, [0x50] = KEY_DN, [0x51] = KEY_PGDN,
  [0x52] = KEY_INS, [0x53] = KEY_DEL,
};

// Modifier bit for a make code (plain or after 0xE0: right ctrl/alt).
static uchar
modbit(uchar code)
{
  switch(code){
  case 0x1D: return CTL;
  case 0x2A: case 0x36: return SHIFT;
  case 0x38: return ALT;
  }
  return 0;
}

static uint mods;

// One character from the controller, 0 if the byte makes none,
// -1 if there is nothing to read.
int
kbdgetc(void)
{
  uint st, data, c;

  st = inb(KBSTATP);
  if((st & KBS_DIB) == 0)
    return -1;
  data = inb(KBDATAP);

  if(data == 0xE0){
    mods |= E0ESC;
    return 0;
  }
  if(data & 0x80){
    // Release: only modifiers care. Shift's fake 0xE0 2A/AA pairs
    // (sent around some gray keys) are ignored.
    data &= 0x7F;
    if(!((mods & E0ESC) && data == 0x2A))
      mods &= ~modbit(data);
    mods &= ~E0ESC;
    return 0;
  }
  if(mods & E0ESC){
    mods &= ~E0ESC;
    if(data == 0x2A)
      return 0;
    if(modbit(data)){
      mods |= modbit(data);
      return 0;
    }
    return escaped[data];
  }
  if(data == 0x3A){
    mods ^= CAPS;
    return 0;
  }
  if(modbit(data)){
    mods |= modbit(data);
    return 0;
  }

  c = (mods & SHIFT) ? shifted[data] : plain[data];
  if(mods & CTL){
    if(plain[data] >= 'a' && plain[data] <= 'z')
      return C(plain[data] - 'a' + 'A');
    if(plain[data] == '\\' || plain[data] == '[' || plain[data] == ']')
      return plain[data] & 0x1F;
    return 0;
  }
  if(mods & CAPS){
    if(c >= 'a' && c <= 'z')
      c += 'A' - 'a';
    else if(c >= 'A' && c <= 'Z')
      c += 'a' - 'A';
  }
  return c;
}

void
kbdintr(void)
{
  consoleintr(kbdgetc);
}
