package x86_test

// The table of instruction forms the differential tests generate cases from, and the case
// generator. A form is data: mnemonic, operand size, an encoding template, the flags Intel
// leaves undefined, and a class naming the operand constraints the generator must respect.
//
// Encoding template tokens:
//   hex byte      a literal byte (prefixes and opcodes)
//   +r            add a register number (0-7) to the previous byte
//   +c            add a condition code (0-15) to the previous byte
//   /r            ModRM: random reg field, r/m a register or memory
//   /R            ModRM: register r/m only
//   /M            ModRM: memory r/m only
//   /0 .. /7      ModRM with a fixed reg field, r/m a register or memory
//   /0M .. /7M    the same, memory only
//   ib iw id      an immediate of 1, 2 or 4 bytes
//   cb cd         a branch displacement (forward, 0-3 bytes, onto hlt padding)
//   mo            a 32-bit absolute offset into the data region (moffs)
//
// Undefined flags: letters among OSZAPC, or a rule computed from the shift count:
//   shl/shr  AF undefined for count != 0, OF for count > 1, CF for count >= size
//   sar      AF undefined for count != 0, OF for count > 1
//   rot      OF undefined for masked count > 1
//   shd      AF undefined for count != 0, OF for count > 1 (16-bit counts kept <= 16)

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
)

// dtForm is one instruction form.
type dtForm struct {
	Name  string // mnemonic, for messages
	Size  int    // operand size in bits (8, 16, 32): register operands of 16/32 bits never pick ESP
	Enc   string // encoding template (see above)
	Undef string // undefined flags (letters or a rule)
	Class string // operand constraints: "", div, idiv, str, xlat, stk, lea, bt, bsx, br, ret, aam
}

// dtALU lists the eight ALU operations: name, base opcode, undefined flags.
var dtALU = []struct {
	name  string
	base  byte
	undef string
}{
	{"add", 0x00, ""}, {"or", 0x08, "A"}, {"adc", 0x10, ""}, {"sbb", 0x18, ""},
	{"and", 0x20, "A"}, {"sub", 0x28, ""}, {"xor", 0x30, "A"}, {"cmp", 0x38, ""},
}

// dtALUForms are the ALU encodings; %0..%5 is the base opcode plus that much, %g the /digit.
var dtALUForms = []struct {
	size int
	enc  string
}{
	{8, "%0 /r"}, {32, "%1 /r"}, {16, "66 %1 /r"}, {8, "%2 /r"}, {32, "%3 /r"}, {16, "66 %3 /r"},
	{8, "%4 ib"}, {32, "%5 id"}, {16, "66 %5 iw"},
	{8, "80 /%g ib"}, {32, "81 /%g id"}, {16, "66 81 /%g iw"}, {32, "83 /%g ib"}, {16, "66 83 /%g ib"},
	{8, "82 /%g ib"},
}

// dtShifts lists the shift and rotate group (reg field, name, undefined-flags rule).
var dtShifts = []struct {
	g     int
	name  string
	undef string
}{
	{0, "rol", "rot"}, {1, "ror", "rot"}, {2, "rcl", "rot"}, {3, "rcr", "rot"},
	{4, "shl", "shl"}, {5, "shr", "shl"}, {7, "sar", "sar"},
}

// dtShiftForms are the shift encodings; %g is the /digit.
var dtShiftForms = []struct {
	size int
	enc  string
}{
	{8, "C0 /%g ib"}, {32, "C1 /%g ib"}, {16, "66 C1 /%g ib"},
	{8, "D0 /%g"}, {32, "D1 /%g"}, {16, "66 D1 /%g"},
	{8, "D2 /%g"}, {32, "D3 /%g"}, {16, "66 D3 /%g"},
}

// dtOther is every other form, one row each.
var dtOther = []dtForm{
	{"inc", 32, "40 +r", "", ""}, {"inc", 16, "66 40 +r", "", ""}, {"dec", 32, "48 +r", "", ""},
	{"dec", 16, "66 48 +r", "", ""},
	{"inc", 8, "FE /0", "", ""}, {"dec", 8, "FE /1", "", ""}, {"inc", 32, "FF /0", "", ""},
	{"dec", 32, "FF /1", "", ""}, {"inc", 16, "66 FF /0", "", ""}, {"dec", 16, "66 FF /1", "", ""},
	{"not", 8, "F6 /2", "", ""}, {"not", 32, "F7 /2", "", ""}, {"not", 16, "66 F7 /2", "", ""},
	{"neg", 8, "F6 /3", "", ""}, {"neg", 32, "F7 /3", "", ""}, {"neg", 16, "66 F7 /3", "", ""},
	{"test", 8, "84 /r", "A", ""}, {"test", 32, "85 /r", "A", ""}, {"test", 16, "66 85 /r", "A", ""},
	{"test", 8, "A8 ib", "A", ""}, {"test", 32, "A9 id", "A", ""}, {"test", 16, "66 A9 iw", "A", ""},
	{"test", 8, "F6 /0 ib", "A", ""}, {"test", 32, "F7 /0 id", "A", ""}, {"test", 16, "66 F7 /0 iw", "A", ""},
	{"mul", 8, "F6 /4", "SZAP", ""}, {"mul", 32, "F7 /4", "SZAP", ""}, {"mul", 16, "66 F7 /4", "SZAP", ""},
	{"imul", 8, "F6 /5", "SZAP", ""}, {"imul", 32, "F7 /5", "SZAP", ""}, {"imul", 16, "66 F7 /5", "SZAP", ""},
	{"imul", 32, "0F AF /r", "SZAP", ""}, {"imul", 16, "66 0F AF /r", "SZAP", ""},
	{"imul", 32, "69 /r id", "SZAP", ""}, {"imul", 16, "66 69 /r iw", "SZAP", ""},
	{"imul", 32, "6B /r ib", "SZAP", ""}, {"imul", 16, "66 6B /r ib", "SZAP", ""},
	{"div", 8, "F6 /6", "OSZAPC", "div"}, {"div", 32, "F7 /6", "OSZAPC", "div"}, {"div", 16, "66 F7 /6", "OSZAPC", "div"},
	{"idiv", 8, "F6 /7", "OSZAPC", "idiv"}, {"idiv", 32, "F7 /7", "OSZAPC", "idiv"}, {"idiv", 16, "66 F7 /7", "OSZAPC", "idiv"},
	{"shld", 32, "0F A4 /r ib", "shd", ""}, {"shld", 32, "0F A5 /r", "shd", ""},
	{"shld", 16, "66 0F A4 /r ib", "shd", ""}, {"shld", 16, "66 0F A5 /r", "shd", ""},
	{"shrd", 32, "0F AC /r ib", "shd", ""}, {"shrd", 32, "0F AD /r", "shd", ""},
	{"shrd", 16, "66 0F AC /r ib", "shd", ""}, {"shrd", 16, "66 0F AD /r", "shd", ""},
	{"bt", 32, "0F A3 /r", "OSAP", "bt"}, {"bts", 32, "0F AB /r", "OSAP", "bt"},
	{"btr", 32, "0F B3 /r", "OSAP", "bt"}, {"btc", 32, "0F BB /r", "OSAP", "bt"},
	{"bt", 16, "66 0F A3 /r", "OSAP", "bt"}, {"bts", 16, "66 0F AB /r", "OSAP", "bt"},
	{"bt", 32, "0F BA /4 ib", "OSAP", ""}, {"bts", 32, "0F BA /5 ib", "OSAP", ""},
	{"btr", 32, "0F BA /6 ib", "OSAP", ""}, {"btc", 32, "0F BA /7 ib", "OSAP", ""},
	{"btc", 16, "66 0F BA /7 ib", "OSAP", ""},
	{"bsf", 32, "0F BC /r", "OSAPC", "bsx"}, {"bsr", 32, "0F BD /r", "OSAPC", "bsx"},
	{"bsf", 16, "66 0F BC /r", "OSAPC", "bsx"}, {"bsr", 16, "66 0F BD /r", "OSAPC", "bsx"},
	{"movzx", 32, "0F B6 /r", "", ""}, {"movzx", 32, "0F B7 /r", "", ""}, {"movzx", 16, "66 0F B6 /r", "", ""},
	{"movsx", 32, "0F BE /r", "", ""}, {"movsx", 32, "0F BF /r", "", ""}, {"movsx", 16, "66 0F BE /r", "", ""},
	{"setcc", 8, "0F 90 +c /0", "", ""},
	{"cmovcc", 32, "0F 40 +c /r", "", ""}, {"cmovcc", 16, "66 0F 40 +c /r", "", ""},
	{"xchg", 8, "86 /r", "", ""}, {"xchg", 32, "87 /r", "", ""}, {"xchg", 16, "66 87 /r", "", ""},
	{"xchg", 32, "90 +r", "", ""}, {"xchg", 16, "66 90 +r", "", ""},
	{"cmpxchg", 8, "0F B0 /r", "", ""}, {"cmpxchg", 32, "0F B1 /r", "", ""}, {"cmpxchg", 16, "66 0F B1 /r", "", ""},
	{"xadd", 8, "0F C0 /r", "", ""}, {"xadd", 32, "0F C1 /r", "", ""}, {"xadd", 16, "66 0F C1 /r", "", ""},
	{"cmpxchg8b", 64, "0F C7 /1M", "", ""},
	{"lock add", 32, "F0 01 /M", "", ""}, {"lock cmpxchg", 32, "F0 0F B1 /M", "", ""},
	{"lock xadd", 32, "F0 0F C1 /M", "", ""}, {"lock xchg", 32, "F0 87 /M", "", ""},
	{"lock bts", 32, "F0 0F BA /5M ib", "OSAP", ""},
	{"bswap", 32, "0F C8 +r", "", ""},
	{"mov", 8, "88 /r", "", ""}, {"mov", 32, "89 /r", "", ""}, {"mov", 16, "66 89 /r", "", ""},
	{"mov", 8, "8A /r", "", ""}, {"mov", 32, "8B /r", "", ""}, {"mov", 16, "66 8B /r", "", ""},
	{"mov", 8, "B0 +r ib", "", ""}, {"mov", 32, "B8 +r id", "", ""}, {"mov", 16, "66 B8 +r iw", "", ""},
	{"mov", 8, "C6 /0 ib", "", ""}, {"mov", 32, "C7 /0 id", "", ""}, {"mov", 16, "66 C7 /0 iw", "", ""},
	{"mov", 8, "A0 mo", "", ""}, {"mov", 32, "A1 mo", "", ""}, {"mov", 16, "66 A1 mo", "", ""},
	{"mov", 8, "A2 mo", "", ""}, {"mov", 32, "A3 mo", "", ""}, {"mov", 16, "66 A3 mo", "", ""},
	{"lea", 32, "8D /M", "", "lea"}, {"lea", 16, "66 8D /M", "", "lea"}, {"lea", 32, "67 8D /M", "", "lea"},
	{"cwde", 32, "98", "", ""}, {"cbw", 16, "66 98", "", ""}, {"cdq", 32, "99", "", ""}, {"cwd", 16, "66 99", "", ""},
	{"daa", 8, "27", "O", ""}, {"das", 8, "2F", "O", ""}, {"aaa", 8, "37", "OSZP", ""}, {"aas", 8, "3F", "OSZP", ""},
	{"aam", 8, "D4 ib", "OAC", "aam"}, {"aad", 8, "D5 ib", "OAC", "aam"},
	{"clc", 32, "F8", "", ""}, {"stc", 32, "F9", "", ""}, {"cmc", 32, "F5", "", ""},
	{"cld", 32, "FC", "", ""}, {"std", 32, "FD", "", ""}, {"sahf", 32, "9E", "", ""}, {"lahf", 32, "9F", "", ""},
	{"nop", 32, "90", "", ""}, {"nop", 16, "66 90", "", ""}, {"nop", 32, "0F 1F /0", "", ""},
	{"push", 32, "50 +r", "", "stk"}, {"push", 16, "66 50 +r", "", "stk"}, {"push", 32, "6A ib", "", "stk"},
	{"push", 32, "68 id", "", "stk"}, {"push", 16, "66 68 iw", "", "stk"}, {"push", 32, "FF /6M", "", "stk"},
	{"push", 32, "54", "", "stk"}, {"pushf", 32, "9C", "", "stk"},
	{"pop", 32, "58 +r", "", "stk"}, {"pop", 16, "66 58 +r", "", "stk"}, {"pop", 32, "8F /0M", "", "stk"},
	{"pusha", 32, "60", "", "stk"}, {"pusha", 16, "66 60", "", "stk"}, {"popa", 32, "61", "", "stk"},
	{"popa", 16, "66 61", "", "stk"},
	{"enter", 32, "C8 iw ib", "", "stk"}, {"enter", 16, "66 C8 iw ib", "", "stk"}, {"leave", 32, "C9", "", "stk"}, {"leave", 16, "66 C9", "", "stk"},
	{"xlat", 8, "D7", "", "xlat"},
	{"jcc", 32, "70 +c cb", "", "br"}, {"jcc", 32, "0F 80 +c cd", "", "br"}, {"jmp", 32, "EB cb", "", "br"},
	{"jmp", 32, "E9 cd", "", "br"}, {"call", 32, "E8 cd", "", "br"}, {"loop", 32, "E2 cb", "", "br"},
	{"loope", 32, "E1 cb", "", "br"}, {"loopne", 32, "E0 cb", "", "br"}, {"jecxz", 32, "E3 cb", "", "br"},
	{"ret", 32, "C3", "", "ret"}, {"ret", 32, "C2 iw", "", "ret"},
}

// dtStrOps lists the string instructions; each is generated with no prefix, F3 and F2.
var dtStrOps = []dtForm{
	{"movs", 8, "A4", "", "str"}, {"movs", 32, "A5", "", "str"}, {"movs", 16, "66 A5", "", "str"},
	{"stos", 8, "AA", "", "str"}, {"stos", 32, "AB", "", "str"}, {"stos", 16, "66 AB", "", "str"},
	{"lods", 8, "AC", "", "str"}, {"lods", 32, "AD", "", "str"}, {"lods", 16, "66 AD", "", "str"},
	{"cmps", 8, "A6", "", "str"}, {"cmps", 32, "A7", "", "str"}, {"cmps", 16, "66 A7", "", "str"},
	{"scas", 8, "AE", "", "str"}, {"scas", 32, "AF", "", "str"}, {"scas", 16, "66 AF", "", "str"},
}

// dtForms returns the whole table, the ALU, shift and string rows expanded.
func dtForms() []dtForm {
	var fs []dtForm
	for _, op := range dtALU {
		for _, f := range dtALUForms {
			enc := f.enc
			for i := 5; i >= 0; i-- {
				enc = strings.ReplaceAll(enc, "%"+strconv.Itoa(i), fmt.Sprintf("%02X", op.base+byte(i)))
			}
			enc = strings.ReplaceAll(enc, "%g", strconv.Itoa(int(op.base>>3)))
			fs = append(fs, dtForm{op.name, f.size, enc, op.undef, ""})
		}
	}
	for _, sh := range dtShifts {
		for _, f := range dtShiftForms {
			enc := strings.ReplaceAll(f.enc, "%g", strconv.Itoa(sh.g))
			fs = append(fs, dtForm{sh.name, f.size, enc, sh.undef, ""})
		}
	}
	fs = append(fs, dtOther...)
	for _, s := range dtStrOps {
		fs = append(fs, s)
		for _, p := range []string{"F3", "F2"} {
			r := s
			r.Name = map[string]string{"F3": "rep ", "F2": "repne "}[p] + s.Name
			r.Enc = p + " " + s.Enc
			fs = append(fs, r)
		}
	}
	return fs
}

// dtCase is one generated test: code (ending in hlt), initial registers, flags and memory seed.
type dtCase struct {
	Name     string
	Code     []byte
	Regs     [8]uint32
	Flags    uint32
	MemSeed  int64       // seed of the data and stack region fill
	Undef    uint32      // EFLAGS bits not compared
	SkipReg  int         // a register whose value is undefined (bsf/bsr dest, ZF=1 only), or -1
	SkipIfZF bool        // SkipReg is skipped only when the oracle's ZF is 1
	Insn     []byte      // Code without the hlt padding
	Pokes    [][2]uint32 // 32-bit values stored at addresses after the memory fill
	Real     bool        // run in real mode (segments 0) instead of flat 32-bit mode
	Reopen   bool        // the case may change oracle state that a run does not reset
	Wide     bool        // also zero and compare dtWideRanges (stray addresses)
}

// dtWideRanges are the extra regions of Wide cases: the gaps around the data and stack
// regions, up to where base + index*8 + disp8 of the random-bytes test's registers reach.
var dtWideRanges = [][2]uint32{{dtDataEnd, dtStackLow}, {dtStackHigh, 0xA0000}}

// dtToReal rewrites a 32-bit-mode case for real mode with the same operand and address
// sizes: it toggles the 0x66 prefix, and the 0x67 prefix too unless keep16 (string ops
// keep SI/DI addressing then, which real mode has by default).
func dtToReal(c *dtCase, str bool) *dtCase {
	r := *c
	r.Real = true
	i := 0
	has66, has67 := false, false
	var pre []byte
	for ; i < len(c.Insn); i++ {
		b := c.Insn[i]
		switch b {
		case 0x66:
			has66 = true
		case 0x67:
			has67 = true
		case 0xF0, 0xF2, 0xF3, 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65:
			pre = append(pre, b)
		default:
			goto done
		}
	}
done:
	if !has66 {
		pre = append(pre, 0x66)
	}
	if !has67 && !str {
		pre = append(pre, 0x67)
	}
	if str && has67 {
		pre = append(pre, 0x67)
	}
	r.Insn = append(pre, c.Insn[i:]...)
	r.Code = append(append([]byte(nil), r.Insn...), 0xF4, 0xF4, 0xF4, 0xF4, 0xF4)
	r.Name = "real-mode " + c.Name
	return &r
}

func (c *dtCase) String() string {
	return fmt.Sprintf("%s: code [%s] regs %08x flags %#x memseed %d pokes %x", c.Name, hexBytes(c.Code), c.Regs, c.Flags, c.MemSeed, c.Pokes)
}

// dtMemCache keeps the last fill (callers only read it).
var dtMemCache struct {
	seed        int64
	data, stack []byte
}

// dtFillMem returns the initial contents of the data and stack regions for a case: bytes
// drawn from a few values, so that string compares find equal runs.
func dtFillMem(c *dtCase) (data, stack []byte) {
	if c.MemSeed == dtMemCache.seed && len(c.Pokes) == 0 && dtMemCache.data != nil {
		return dtMemCache.data, dtMemCache.stack
	}
	defer func() {
		if len(c.Pokes) == 0 {
			dtMemCache.seed, dtMemCache.data, dtMemCache.stack = c.MemSeed, data, stack
		}
	}()
	r := rand.New(rand.NewSource(c.MemSeed))
	vals := []byte{0, 0, 0, 1, 0x80, 0xFF, byte(r.Intn(256))}
	data = make([]byte, dtDataEnd-dtData)
	stack = make([]byte, dtStackHigh-dtStackLow)
	r.Read(data)
	r.Read(stack)
	for i, b := range data {
		data[i] = vals[int(b)%len(vals)]
	}
	for i, b := range stack {
		stack[i] = vals[int(b)%len(vals)]
	}
	for _, p := range c.Pokes {
		buf := data
		off := p[0] - dtData
		if p[0] >= dtStackLow {
			buf, off = stack, p[0]-dtStackLow
		}
		for i := uint32(0); i < 4; i++ {
			buf[off+i] = byte(p[1] >> (8 * i))
		}
	}
	return data, stack
}

// Flag bits.
const (
	fCF = 1 << 0
	fPF = 1 << 2
	fAF = 1 << 4
	fZF = 1 << 6
	fSF = 1 << 7
	fDF = 1 << 10
	fOF = 1 << 11
	// dtFlagsCompared are the flags compared after every case (minus the undefined ones).
	dtFlagsCompared = fCF | fPF | fAF | fZF | fSF | fDF | fOF
)

func dtFlagLetters(s string) uint32 {
	var m uint32
	for _, ch := range s {
		m |= map[rune]uint32{'O': fOF, 'S': fSF, 'Z': fZF, 'A': fAF, 'P': fPF, 'C': fCF}[ch]
	}
	return m
}

var (
	dtEdge32 = []uint32{0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
		0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF, 0xFFFFFFFE, 0x12345678, 0xDEADBEEF}
	dtEdge16 = []uint32{0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0xFFFE}
	dtEdge8  = []uint32{0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 0x3F, 0x7F, 0x80, 0x81, 0xFE, 0xFF}
)

// dtGen builds cases from forms with one random source.
type dtGen struct {
	r *rand.Rand
	// AbsMem makes every memory operand an absolute [disp32] (for sequences, where
	// registers change between instructions).
	AbsMem bool
}

func (g *dtGen) pick(vs []uint32) uint32 { return vs[g.r.Intn(len(vs))] }

// value returns a register value rich in edge cases at every operand size.
func (g *dtGen) value() uint32 {
	switch g.r.Intn(5) {
	case 0:
		return g.pick(dtEdge32)
	case 1:
		return g.r.Uint32()
	case 2:
		return g.r.Uint32()&^0xFFFF | g.pick(dtEdge16)
	case 3:
		return g.r.Uint32()&^0xFF | g.pick(dtEdge8)
	default:
		return g.r.Uint32()&^0xFF00 | g.pick(dtEdge8)<<8
	}
}

func (g *dtGen) imm(n int) uint32 {
	switch n {
	case 1:
		if g.r.Intn(4) == 0 {
			return uint32(g.r.Intn(256))
		}
		return g.pick(dtEdge8)
	case 2:
		if g.r.Intn(4) == 0 {
			return uint32(g.r.Intn(65536))
		}
		return g.pick(dtEdge16)
	}
	return g.value()
}

// reg picks a register operand for size bits: ESP only as an 8-bit register (AH).
func (g *dtGen) reg(size int) int {
	for {
		r := g.r.Intn(8)
		if r != 4 || size == 8 {
			return r
		}
	}
}

func le(b []byte, v uint32, n int) []byte {
	for i := 0; i < n; i++ {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

// dtInData reports whether [a-64, a+64) lies in the data or stack region.
func dtInData(a uint32) bool {
	return (a >= dtData+64 && a+64 <= dtDataEnd) || (a >= dtStackLow+64 && a+64 <= dtStackHigh)
}

// modrmMem appends a memory ModRM (with SIB and displacement) for reg field rf, and adjusts
// regs so that the effective address lies in the data region (unless any is set: lea).
func (g *dtGen) modrmMem(b []byte, rf int, regs *[8]uint32, addr16, any bool, reserved uint8) []byte {
	if g.AbsMem && !addr16 && !any {
		a := dtData + 0x1000 + uint32(g.r.Intn(0xE000))
		return le(append(b, byte(rf<<3|5)), a, 4)
	}
	for try := 0; ; try++ {
		var enc []byte
		var ea uint32
		saved := *regs
		setBase := func(r int) {
			if r != 4 && !any {
				regs[r] = dtData + 0x4000 + uint32(g.r.Intn(0x8000))
			}
		}
		mod := g.r.Intn(3)
		rm := g.r.Intn(8)
		if addr16 {
			enc = append(enc, byte(mod<<6|rf<<3|rm))
			var disp uint32
			if mod == 0 && rm == 6 {
				disp = uint32(g.r.Intn(0x10000))
				enc = le(enc, disp, 2)
			} else {
				for _, r := range [][]int{{3, 6}, {3, 7}, {5, 6}, {5, 7}, {6}, {7}, {5}, {3}}[rm] {
					if !any {
						regs[r] = regs[r]&^0xFFFF | uint32(0x2000+g.r.Intn(0x3000))
					}
					ea += regs[r]
				}
				switch mod {
				case 1:
					disp = uint32(int32(int8(g.r.Intn(256))))
					enc = append(enc, byte(disp))
				case 2:
					disp = uint32(g.r.Intn(0x10000))
					enc = le(enc, disp, 2)
				}
			}
			ea = (ea + disp) & 0xFFFF
		} else {
			enc = append(enc, byte(mod<<6|rf<<3|rm))
			base, index, scale := rm, -1, 0
			if rm == 4 {
				scale, index, base = g.r.Intn(4), g.r.Intn(8), g.r.Intn(8)
				enc = append(enc, byte(scale<<6|index<<3|base))
				if index == 4 {
					index = -1
				}
			}
			noBase := mod == 0 && base == 5
			if !noBase {
				setBase(base)
			}
			if index >= 0 && index != 4 && !any {
				if index == base && !noBase {
					regs[index] = dtData + 0x1000 + uint32(g.r.Intn(0x800))
				} else {
					regs[index] = uint32(g.r.Intn(0x100))
				}
			}
			if !noBase {
				ea = regs[base]
			}
			if index >= 0 {
				ea += regs[index] << scale
			}
			var disp uint32
			switch {
			case mod == 0 && (rm == 5 || noBase):
				disp = uint32(g.r.Intn(0x8000))
				if any || rm == 5 || index < 0 {
					disp += dtData
				}
				if any {
					disp = g.value()
				}
				enc = le(enc, disp, 4)
			case mod == 1:
				disp = uint32(int32(int8(g.r.Intn(256))))
				enc = append(enc, byte(disp))
			case mod == 2:
				disp = uint32(g.r.Intn(0x1000))
				if any {
					disp = g.value()
				}
				enc = le(enc, disp, 4)
			}
			if mod == 0 && rm == 5 {
				ea = 0
			}
			ea += disp
		}
		clash := false
		for r := 0; r < 8; r++ {
			if reserved&(1<<r) != 0 && regs[r] != saved[r] {
				clash = true
			}
		}
		if any || (!clash && dtInData(ea)) || try > 200 {
			return append(b, enc...)
		}
		*regs = saved
	}
}

// Generate builds one case from form f (without the final hlt padding it adds itself).
func (g *dtGen) Generate(f dtForm) *dtCase {
	c := &dtCase{Name: f.Name + " " + f.Enc, SkipReg: -1, MemSeed: g.r.Int63()}
	for i := range c.Regs {
		c.Regs[i] = g.value()
	}
	c.Regs[4] = dtESP
	c.Flags = 2 | uint32(g.r.Intn(1<<12))&(fCF|fPF|fAF|fZF|fSF|fOF)
	if g.r.Intn(4) == 0 {
		c.Flags |= fDF
	}
	c.Undef = dtFlagLetters(f.Undef)
	var reserved uint8 // registers the class fixes: memory operands must not use them
	usesCL := strings.Contains(f.Enc, "D2") || strings.Contains(f.Enc, "D3") || strings.Contains(f.Enc, "A5") || strings.Contains(f.Enc, "AD")
	if usesCL && f.Class == "" {
		c.Regs[1] = c.Regs[1]&^0xFF | g.pick(dtEdge8)
		reserved |= 1 << 1
	}
	switch f.Class {
	case "div":
		reserved |= 1<<0 | 1<<2
		if g.r.Intn(2) == 0 {
			c.Regs[2] = 0
			if f.Size == 8 {
				c.Regs[0] &^= 0xFF00
			}
		}
	case "idiv":
		reserved |= 1<<0 | 1<<2
		if g.r.Intn(2) == 0 {
			c.Regs[2] = uint32(int32(c.Regs[0]) >> 31)
			if f.Size == 16 {
				c.Regs[2] = uint32(int32(int16(c.Regs[0])) >> 15)
			}
			if f.Size == 8 {
				c.Regs[0] = c.Regs[0]&^0xFF00 | uint32(int32(int8(c.Regs[0]))>>7)&0xFF00
			}
		}
	case "str":
		reserved |= 1<<1 | 1<<6 | 1<<7
		c.Regs[6] = dtData + 0x4000 + uint32(g.r.Intn(0x8000))
		c.Regs[7] = dtData + 0x4000 + uint32(g.r.Intn(0x8000))
		c.Regs[1] = uint32([]int{0, 1, 2, 3, 7, 16, 33, 100}[g.r.Intn(8)])
	case "xlat":
		reserved |= 1 << 3
		c.Regs[3] = dtData + uint32(g.r.Intn(0x1000))
	case "stk":
		reserved |= 1 << 5
		c.Regs[5] = dtESP - uint32(g.r.Intn(0x100))*4
		if g.r.Intn(4) == 0 {
			c.Regs[5] = dtESP + uint32(g.r.Intn(0x100))*4
		}
	case "br":
		if g.r.Intn(3) == 0 {
			c.Regs[1] = uint32(g.r.Intn(3))
		}
	}
	toks := strings.Fields(f.Enc)
	addr16 := false
	var code []byte
	count := -1 // shift count, when the form has one
	var ibAt = -1
	regField := -1
	for i, t := range toks {
		switch {
		case t == "+r":
			r := g.reg(f.Size)
			if f.Class == "stk" && strings.HasPrefix(f.Name, "pop") {
				r = g.reg(32)
			}
			code[len(code)-1] += byte(r)
			regField = r
		case t == "+c":
			code[len(code)-1] += byte(g.r.Intn(16))
		case t == "/r" || t == "/R" || t == "/M" || (len(t) >= 2 && t[0] == '/'):
			rf := g.reg(f.Size)
			memOnly, regOnly := strings.HasSuffix(t, "M"), t == "/R"
			if t != "/r" && t != "/R" && t != "/M" {
				rf = int(t[1] - '0')
			} else {
				regField = rf
			}
			if f.Class == "lea" || memOnly || (!regOnly && g.r.Intn(2) == 0) {
				if f.Class == "bt" {
					c.Regs[rf] = uint32(int32(g.r.Intn(512) - 256))
					reserved |= 1 << rf
				}
				code = g.modrmMem(code, rf, &c.Regs, addr16, f.Class == "lea", reserved)
			} else {
				rm := g.reg(f.Size)
				if f.Name == "movzx" || f.Name == "movsx" || f.Name == "setcc" {
					rm = g.reg(8)
					if strings.Contains(f.Enc, "B7") || strings.Contains(f.Enc, "BF") {
						rm = g.reg(16)
					}
				}
				code = append(code, byte(0xC0|rf<<3|rm))
			}
		case t == "ib" || t == "iw" || t == "id":
			n := map[string]int{"ib": 1, "iw": 2, "id": 4}[t]
			v := g.imm(n)
			if f.Name == "enter" && n == 2 {
				v = uint32(g.r.Intn(64))
			}
			if f.Name == "enter" && n == 1 {
				v = uint32(g.r.Intn(6))
				if g.r.Intn(8) == 0 {
					v = uint32(g.r.Intn(256))
				}
			}
			if f.Name == "ret" {
				v = uint32(g.r.Intn(4) * 4)
			}
			if f.Class == "aam" && g.r.Intn(3) == 0 {
				v = 10
			}
			code = le(code, v, n)
			if n == 1 && i == len(toks)-1 {
				count, ibAt = int(v), len(code)-1
			}
		case t == "cb":
			code = append(code, byte(g.r.Intn(4)))
		case t == "cd":
			code = le(code, uint32(g.r.Intn(4)), 4)
		case t == "mo":
			code = le(code, dtData+uint32(g.r.Intn(0xF000)), 4)
		default:
			v, err := strconv.ParseUint(t, 16, 8)
			if err != nil {
				panic(fmt.Sprintf("bad token %q in %q", t, f.Enc))
			}
			if v == 0x67 {
				addr16 = true
			}
			code = append(code, byte(v))
		}
	}
	// Shift counts: from the immediate, 1, or CL.
	isShift := f.Undef == "rot" || f.Undef == "shl" || f.Undef == "sar" || f.Undef == "shd"
	if isShift && ibAt < 0 {
		if strings.Contains(f.Enc, "D0") || strings.Contains(f.Enc, "D1") {
			count = 1
		} else {
			count = int(c.Regs[1] & 0xFF)
		}
	}
	if f.Undef == "shd" && f.Size == 16 && count&31 > 16 {
		// The SDM leaves the result undefined for counts above the operand size.
		count = (count & 31) % 17
		if ibAt >= 0 {
			code[ibAt] = byte(count)
		} else {
			c.Regs[1] = c.Regs[1]&^0xFF | uint32(count)
		}
	}
	if isShift {
		c.Undef = 0
		m := count & 31
		if m != 0 {
			switch f.Undef {
			case "shl", "sar", "shd":
				c.Undef |= fAF
				if m > 1 {
					c.Undef |= fOF
				}
				if f.Undef == "shl" && m >= f.Size {
					c.Undef |= fCF
				}
			case "rot":
				if m > 1 {
					c.Undef |= fOF
				}
			}
		}
	}
	if f.Class == "bsx" {
		c.SkipReg, c.SkipIfZF = regField, true
	}
	c.Insn = code
	c.Code = append(append([]byte(nil), code...), 0xF4, 0xF4, 0xF4, 0xF4, 0xF4)
	if f.Class == "ret" {
		// The return address on the stack lands on the hlt padding.
		c.Pokes = append(c.Pokes, [2]uint32{dtESP, dtCode + uint32(len(code)) + uint32(g.r.Intn(3))})
	}
	return c
}
