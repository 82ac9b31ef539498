package x86_test

import (
	"math/rand"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// TestDiffFormsDecode checks the form table itself: every generated instruction decodes
// (with x86asm, in 32-bit mode) to exactly the bytes the generator emitted, so a typo in the
// table cannot silently test something else.
func TestDiffFormsDecode(t *testing.T) {
	g := &dtGen{r: rand.New(rand.NewSource(7))}
	for _, f := range dtForms() {
		for i := 0; i < 20; i++ {
			c := g.Generate(f)
			if c.Insn[0] == 0x82 {
				break // x86asm does not know the 0x82 alias of 0x80 (valid outside 64-bit mode)
			}
			inst, err := x86asm.Decode(c.Insn, 32)
			if err != nil {
				t.Errorf("%s: [%s] does not decode: %v", c.Name, hexBytes(c.Insn), err)
				break
			}
			if inst.Len != len(c.Insn) {
				t.Errorf("%s: [%s] decodes as %v, %d bytes, generator emitted %d", c.Name, hexBytes(c.Insn), inst, inst.Len, len(c.Insn))
				break
			}
		}
	}
}
