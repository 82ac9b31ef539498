package symbols

import (
	"fmt"
	"strings"
)

// Backtrace walks the frame-pointer chain of 32-bit x86 code: it returns eip followed
// by the return address of each frame (at ebp+4, the caller's ebp being at ebp+0). It
// stops at a zero return address or frame pointer, a frame pointer that is unaligned
// or does not grow toward the stack's base, a word read cannot give, or max entries.
func Backtrace(read func(va uint32) (uint32, bool), eip, ebp uint32, max int) []uint32 {
	if max <= 0 || eip == 0 {
		return nil
	}
	pcs := []uint32{eip}
	for len(pcs) < max && ebp != 0 && ebp%4 == 0 && ebp <= 0xfffffff8 {
		ret, ok := read(ebp + 4)
		if !ok || ret == 0 {
			break
		}
		next, ok := read(ebp)
		if !ok {
			break
		}
		pcs = append(pcs, ret)
		if next <= ebp {
			break
		}
		ebp = next
	}
	return pcs
}

// lookAt is the address to symbolize for pc: a return address (ret) is looked up as
// pc-1, the last byte of its call, so that the function and line are the call's even
// when the call ends its function.
func lookAt(pc uint32, ret bool) uint32 {
	if ret && pc > 0 {
		return pc - 1
	}
	return pc
}

// FormatStack prints a Backtrace one frame a line, with the functions inlined at each
// pc: "#1 0x80103ffc sleep+0x5c (kernel/proc.c:416)", "#2 0x80103ebd sleep
// (kernel/proc.c:416) inlined in wait+0x9d (kernel/proc.c:282)". pcs[0] is taken as
// the exact pc, the rest as return addresses.
func (t *Table) FormatStack(pcs []uint32) string {
	return t.formatStack(pcs, false)
}

// formatStack is FormatStack; firstRet says pcs[0] is a return address too (as the eip
// of a context saved by swtch is).
func (t *Table) formatStack(pcs []uint32, firstRet bool) string {
	var b strings.Builder
	for i, pc := range pcs {
		fmt.Fprintf(&b, "#%d 0x%08x ", i, pc)
		look := lookAt(pc, i > 0 || firstRet)
		frames := t.Frames(look)
		if frames == nil {
			fmt.Fprintf(&b, "0x%08x\n", pc)
			continue
		}
		for j, f := range frames {
			if j > 0 {
				b.WriteString(" inlined in ")
			}
			b.WriteString(f.Func)
			if !f.Inlined {
				if _, start, ok := t.Func(look); ok && pc != start {
					fmt.Fprintf(&b, "+%#x", pc-start)
				}
			}
			if f.File != "" && f.Line > 0 {
				fmt.Fprintf(&b, " (%s:%d)", f.File, f.Line)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// ShortStack names the functions of a stack on one line, innermost first, inlined ones
// included: "sleep <- acquiresleep <- ilock <- sys_link". pcs[0] is taken as the exact
// pc, as in FormatStack.
func (t *Table) ShortStack(pcs []uint32) string {
	return t.shortStack(pcs, false)
}

// shortStack is ShortStack; firstRet says pcs[0] is a return address too.
func (t *Table) shortStack(pcs []uint32, firstRet bool) string {
	var names []string
	for i, pc := range pcs {
		frames := t.Frames(lookAt(pc, i > 0 || firstRet))
		if frames == nil {
			names = append(names, fmt.Sprintf("0x%08x", pc))
		}
		for _, f := range frames {
			names = append(names, f.Func)
		}
	}
	return strings.Join(names, " <- ")
}
