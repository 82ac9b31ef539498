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

// frameName names pc as one frame of a stack: a return address (ret) is looked up as
// pc-1, the last byte of its call, so that the function and line are the call's even
// when the call ends its function.
func (t *Table) frameName(pc uint32, ret bool) (name, line string) {
	look := pc
	if ret && pc > 0 {
		look = pc - 1
	}
	fn, start, ok := t.Func(look)
	if !ok {
		return fmt.Sprintf("0x%08x", pc), ""
	}
	name = fn
	if pc != start {
		name += fmt.Sprintf("+%#x", pc-start)
	}
	if file, n, ok := t.Line(look); ok {
		line = fmt.Sprintf("%s:%d", file, n)
	}
	return name, line
}

// FormatStack prints a Backtrace one frame a line: "#1 0x80104a2b sleep+0x5b
// (kernel/proc.c:351)". pcs[0] is taken as the exact pc, the rest as return addresses.
func (t *Table) FormatStack(pcs []uint32) string {
	return t.formatStack(pcs, false)
}

// formatStack is FormatStack; firstRet says pcs[0] is a return address too (as the eip
// of a context saved by swtch is).
func (t *Table) formatStack(pcs []uint32, firstRet bool) string {
	var b strings.Builder
	for i, pc := range pcs {
		name, line := t.frameName(pc, i > 0 || firstRet)
		fmt.Fprintf(&b, "#%d 0x%08x %s", i, pc, name)
		if line != "" {
			fmt.Fprintf(&b, " (%s)", line)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// ShortStack names the functions of a stack on one line, innermost first: "sleep <-
// acquiresleep <- ilock <- sys_link". pcs[0] is taken as the exact pc, as in FormatStack.
func (t *Table) ShortStack(pcs []uint32) string {
	return t.shortStack(pcs, false)
}

// shortStack is ShortStack; firstRet says pcs[0] is a return address too.
func (t *Table) shortStack(pcs []uint32, firstRet bool) string {
	names := make([]string, len(pcs))
	for i, pc := range pcs {
		look := pc
		if (i > 0 || firstRet) && pc > 0 {
			look = pc - 1
		}
		if fn, _, ok := t.Func(look); ok {
			names[i] = fn
		} else {
			names[i] = fmt.Sprintf("0x%08x", pc)
		}
	}
	return strings.Join(names, " <- ")
}
