package x86

import "testing"

// spinCode is xv6's acquire loop: mov eax,1; xchg [0x2000],eax; test eax,eax; jnz back.
var spinCode = []byte{0xB8, 1, 0, 0, 0, 0x87, 0x05, 0x00, 0x20, 0, 0, 0x85, 0xC0, 0x75, 0xF1, 0xF4}

func TestYieldOnSpin(t *testing.T) {
	c, bus, _ := newFlat(t)
	bus.put(0x10000, spinCode)
	bus.w32(0x2000, 1) // held by someone else
	c.YieldOnSpin = true
	if r := c.Run(100000); r != StopYield {
		t.Fatalf("Run = %v, want StopYield", r)
	}
	if c.Retired > 4*spinYield+4 {
		t.Errorf("yielded after %d instructions, want at most %d", c.Retired, 4*spinYield+4)
	}
	// The holder lets go: the next Run takes the lock and reaches hlt.
	bus.w32(0x2000, 0)
	if r := c.Run(100000); r != StopHalt {
		t.Fatalf("after release: Run = %v, want StopHalt", r)
	}
	if got := bus.r32(0x2000); got != 1 {
		t.Errorf("lock word = %d, want 1", got)
	}
}

func TestNoYieldByDefault(t *testing.T) {
	c, bus, _ := newFlat(t)
	bus.put(0x10000, spinCode)
	bus.w32(0x2000, 1)
	if r := c.Run(10000); r != StopBudget || c.Retired != 10000 {
		t.Fatalf("Run = %v after %d instructions, want StopBudget after 10000", r, c.Retired)
	}
}

// A successful xchg (the lock was free) starts the count again.
func TestSpinCountResets(t *testing.T) {
	c, _, _ := newFlat(t)
	c.YieldOnSpin = true
	for i := 0; i < 3*spinYield; i++ {
		c.spin(i%(spinYield-1) != 0)
		if c.yield {
			t.Fatalf("yielded at attempt %d although a success came every %d", i, spinYield-1)
		}
	}
}
