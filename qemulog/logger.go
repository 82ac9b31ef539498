package qemulog

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"sync"

	"golang.org/x/arch/x86/x86asm"

	"gemu/x86"
)

// maxBlock bounds the instructions of one block (qemu's translation blocks end at a
// control transfer; ours end there too, or after this many instructions).
const maxBlock = 64

// Logger writes the enabled items for any number of CPUs to one writer, buffered: call
// Flush before the program exits. Its methods may be called from several goroutines.
type Logger struct {
	mask Mask

	mu     sync.Mutex
	w      *bufio.Writer
	err    error
	ints   int               // qemu numbers logged interrupts with one counter for all CPUs
	blocks map[uint32]*block // decoded blocks by physical address
	flush  bool              // flush after every record (the log is small: int, errors)

	// readCode reads instruction bytes; tests replace it.
	readCode func(c *x86.CPU, linear uint32, buf []byte) error
}

// New returns a Logger writing the items in mask to w.
func New(mask Mask, w io.Writer) *Logger {
	return &Logger{mask: mask, w: bufio.NewWriterSize(w, 64<<10), blocks: map[uint32]*block{},
		flush:    mask&(InAsm|Exec|CPU) == 0,
		readCode: func(c *x86.CPU, linear uint32, buf []byte) error { return c.ReadLinear(linear, buf) }}
}

// Attach logs the items in mask for one CPU to w. It is New(mask, w).Attach(cpu, index);
// CPUs that share a writer should share a Logger instead.
func Attach(cpu *x86.CPU, index int, mask Mask, w io.Writer) *Logger {
	l := New(mask, w)
	l.Attach(cpu, index)
	return l
}

// Enabled reports whether an item is on.
func (l *Logger) Enabled(m Mask) bool { return l != nil && l.mask&m != 0 }

// Attach installs the CPU hooks the enabled items need; with none of them on, the hooks
// stay nil and the CPU runs at full speed.
func (l *Logger) Attach(cpu *x86.CPU, index int) {
	if l.mask&(InAsm|Exec|CPU) != 0 {
		t := &tracer{l: l, index: index}
		cpu.OnInsn = t.insn
	}
	if l.mask&Int != 0 {
		cpu.OnEvent = func(c *x86.CPU, e x86.Event) { l.event(c, e) }
	}
	if l.mask&CPUReset != 0 {
		l.Reset(cpu, index)
	}
}

// Reset logs a CPU's state as qemu's cpu_reset item does; Attach calls it for the
// power-on state, and a board may call it when it resets a CPU.
func (l *Logger) Reset(c *x86.CPU, index int) {
	if !l.Enabled(CPUReset) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "CPU Reset (CPU %d)\n", index)
	DumpCPU(l.w, c)
	l.done()
}

// Printf writes one line for an item (guest_errors, unimp) if it is enabled: the board and
// devices call it, for example for a port no device answers.
func (l *Logger) Printf(item Mask, format string, args ...any) {
	if !l.Enabled(item) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, format, args...)
	if !strings.HasSuffix(format, "\n") {
		l.w.WriteByte('\n')
	}
	l.done()
}

// Flush writes out buffered log lines and returns the first write error seen.
func (l *Logger) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.w.Flush(); err != nil && l.err == nil {
		l.err = err
	}
	if l.err != nil {
		return fmt.Errorf("qemulog: %w", l.err)
	}
	return nil
}

// done ends a record: small logs reach the file at once, so a crash loses nothing.
func (l *Logger) done() {
	if l.flush {
		if err := l.w.Flush(); err != nil && l.err == nil {
			l.err = err
		}
	}
}

// event logs one interrupt or exception as qemu's -d int does (protected mode only, as in
// qemu): a "Servicing hardware INT" line for external ones, the v= line, a register dump.
func (l *Logger) event(c *x86.CPU, e x86.Event) {
	if c.CR0&1 == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.External {
		fmt.Fprintf(l.w, "Servicing hardware INT=0x%02x\n", e.Vector)
	}
	soft := 0
	if e.Soft {
		soft = 1
	}
	errCode := uint32(0)
	if e.HasErr {
		errCode = e.ErrCode
	}
	eip := e.EIP
	if e.Soft { // qemu shows the int instruction itself, not the one after it
		eip -= l.intLen(c, e)
	}
	fmt.Fprintf(l.w, "%6d: v=%02x e=%04x i=%d cpl=%d IP=%04x:%08x pc=%08x SP=%04x:%08x",
		l.ints, e.Vector, errCode, soft, e.CPL, e.CS, eip, c.Seg[x86.CS].Base+eip,
		c.Seg[x86.SS].Sel, c.Reg[x86.ESP])
	if e.Vector == 0x0e {
		fmt.Fprintf(l.w, " CR2=%08x\n", e.CR2)
	} else {
		fmt.Fprintf(l.w, " env->regs[R_EAX]=%08x\n", c.Reg[x86.EAX])
	}
	l.ints++
	saved := c.EIP
	c.EIP = eip // the dump shows the same instruction as the v= line
	DumpCPU(l.w, c)
	c.EIP = saved
	l.done()
}

// intLen returns the length of the software-interrupt instruction that ends just before
// e.EIP: 2 for `int n` (CD n), 1 for int3 (CC) and into (CE), 0 if the bytes say neither.
func (l *Logger) intLen(c *x86.CPU, e x86.Event) uint32 {
	var b [2]byte
	base := c.Seg[x86.CS].Base + e.EIP
	if l.readCode(c, base-2, b[:]) != nil {
		return 0
	}
	switch {
	case b[0] == 0xcd && b[1] == e.Vector:
		return 2
	case b[1] == 0xcc && e.Vector == 3, b[1] == 0xce && e.Vector == 4:
		return 1
	}
	return 0
}

// tracer follows one CPU through blocks: a block starts at a control-transfer target (or
// after an interrupt) and ends after a control transfer.
type tracer struct {
	l     *Logger
	index int
	next  []uint32 // linear addresses of the rest of the current block
}

// insn runs before every instruction.
func (t *tracer) insn(c *x86.CPU) {
	pc := c.Seg[x86.CS].Base + c.EIP
	if len(t.next) > 0 && t.next[0] == pc {
		t.next = t.next[1:]
		return
	}
	l := t.l
	l.mu.Lock()
	defer l.mu.Unlock()
	blk, fresh := l.block(c, pc)
	t.next = t.next[:0]
	for _, off := range blk.offs[1:] {
		t.next = append(t.next, pc+off)
	}
	if l.mask&InAsm != 0 && fresh {
		fmt.Fprintf(l.w, "----------------\nIN: \n%s\n", blk.asm(pc))
	}
	if l.mask&Exec != 0 {
		fmt.Fprintf(l.w, "Trace %d: %#x [%08x/%08x/%08x/%08x] \n", t.index, pc,
			c.Seg[x86.CS].Base, pc, c.CR0&1|uint32(c.CPL())<<1, 0)
	}
	if l.mask&CPU != 0 {
		DumpCPU(l.w, c)
	}
}

// block is a decoded block of guest code, kept by the physical address of its start.
type block struct {
	code  []byte        // its bytes, to notice code that changed
	mode  int           // 16 or 32
	offs  []uint32      // offset of each instruction from the start
	insts []x86asm.Inst // the instructions (Len 0: undecodable, or no memory)
	errs  []string      // why an instruction could not be shown
}

// block returns the block at linear pc, decoding it if it is new or its bytes changed
// (fresh: then in_asm shows it, as qemu shows a retranslated block).
func (l *Logger) block(c *x86.CPU, pc uint32) (*block, bool) {
	mode := 16
	if c.CR0&1 != 0 && c.Seg[x86.CS].Attr&(1<<14) != 0 {
		mode = 32
	}
	key, ok := c.Translate(pc, false)
	if !ok {
		key = pc
	}
	if b := l.blocks[key]; b != nil && b.mode == mode {
		cur := make([]byte, len(b.code))
		if l.readCode(c, pc, cur) == nil && string(cur) == string(b.code) {
			return b, false
		}
	}
	b := l.decodeBlock(c, pc, mode)
	l.blocks[key] = b
	return b, true
}

// decodeBlock decodes the block at pc: up to a control transfer or maxBlock instructions.
func (l *Logger) decodeBlock(c *x86.CPU, pc uint32, mode int) *block {
	b := &block{mode: mode}
	a := pc
	var buf [16]byte
	for len(b.offs) < maxBlock {
		b.offs = append(b.offs, a-pc)
		if err := l.readCode(c, a, buf[:]); err != nil {
			b.insts = append(b.insts, x86asm.Inst{})
			b.errs = append(b.errs, fmt.Sprintf("(no memory: %v)", err))
			break
		}
		inst, err := x86asm.Decode(buf[:], mode)
		if err != nil || inst.Len == 0 {
			b.insts = append(b.insts, x86asm.Inst{})
			b.errs = append(b.errs, fmt.Sprintf("%02x                       (bad)", buf[0]))
			b.code = append(b.code, buf[0])
			break
		}
		b.insts = append(b.insts, inst)
		b.errs = append(b.errs, "")
		b.code = append(b.code, buf[:inst.Len]...)
		a += uint32(inst.Len)
		if endsBlock(inst) {
			break
		}
	}
	return b
}

// asm returns the in_asm lines of a block that starts at linear pc.
func (b *block) asm(pc uint32) string {
	var s strings.Builder
	for i, inst := range b.insts {
		a := pc + b.offs[i]
		if b.errs[i] != "" {
			fmt.Fprintf(&s, "0x%08x:  %s\n", a, b.errs[i])
			continue
		}
		s.WriteString(formatInsn(a, b.code[b.offs[i]:b.offs[i]+uint32(inst.Len)], inst))
	}
	return s.String()
}

// formatInsn formats one in_asm line: address, bytes, GNU-syntax mnemonic and operands.
func formatInsn(a uint32, code []byte, inst x86asm.Inst) string {
	var hexb strings.Builder
	for i, b := range code {
		if i > 0 {
			hexb.WriteByte(' ')
		}
		fmt.Fprintf(&hexb, "%02x", b)
	}
	text := x86asm.GNUSyntax(inst, uint64(a), nil)
	if op, args, ok := strings.Cut(text, " "); ok {
		text = fmt.Sprintf("%-8s %s", op, args)
	}
	return fmt.Sprintf("0x%08x:  %-24s %s\n", a, hexb.String(), text)
}

// endsBlock reports whether an instruction transfers control (or changes the CPU mode),
// which ends a block as it ends a qemu translation block.
func endsBlock(inst x86asm.Inst) bool {
	switch inst.Op {
	case x86asm.JMP, x86asm.LJMP, x86asm.CALL, x86asm.LCALL, x86asm.RET, x86asm.LRET,
		x86asm.IRET, x86asm.IRETD, x86asm.INT, x86asm.INTO, x86asm.HLT,
		x86asm.LOOP, x86asm.LOOPE, x86asm.LOOPNE, x86asm.JCXZ, x86asm.JECXZ,
		x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JE, x86asm.JG, x86asm.JGE,
		x86asm.JL, x86asm.JLE, x86asm.JNE, x86asm.JNO, x86asm.JNP, x86asm.JNS, x86asm.JO,
		x86asm.JP, x86asm.JS, x86asm.SYSENTER, x86asm.SYSEXIT, x86asm.UD2:
		return true
	case x86asm.MOV:
		if r, ok := inst.Args[0].(x86asm.Reg); ok && r >= x86asm.CR0 && r <= x86asm.CR15 {
			return true
		}
	}
	return false
}
