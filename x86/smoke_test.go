package x86

import "testing"

func TestSmokeLoop(t *testing.T) {
	c, b, _ := newFlat(t)
	// mov ecx,10; xor eax,eax; l: add eax,ecx; dec ecx; jnz l; hlt
	b.put(0x10000, []byte{0xB9, 10, 0, 0, 0, 0x31, 0xC0, 0x01, 0xC8, 0x49, 0x75, 0xFB, 0xF4})
	r := c.Run(1000)
	if r != StopHalt {
		t.Fatalf("stop %v fault %q", r, c.Fault)
	}
	if c.Reg[EAX] != 55 {
		t.Fatalf("eax=%d", c.Reg[EAX])
	}
	if c.Retired != 2+3*10+1 {
		t.Fatalf("retired %d", c.Retired)
	}
}
