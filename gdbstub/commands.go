package gdbstub

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"gemu/x86"
)

// maxMemRead bounds one m packet's reply (gdb asks again for the rest).
const maxMemRead = MaxPacket / 2

// reply makes a *string for handlePacket.
func reply(s string) *string { return &s }

// handlePacket carries out one packet and returns the reply to send (nil: none now, the stop
// reply follows later) and whether the connection stays open.
func (s *Server) handlePacket(p []byte) (*string, bool) {
	if len(p) == 0 {
		return reply(""), true
	}
	if s.running && p[0] != 'q' && p[0] != 'Q' {
		// All-stop gdb sends nothing but 0x03 while the machine runs; refuse, stay sane.
		return reply("E16"), true
	}
	args := string(p[1:])
	switch p[0] {
	case '?':
		return reply(s.stopReply()), true
	case 'q':
		return reply(s.query(args)), true
	case 'Q':
		if args == "StartNoAckMode" {
			// The OK still travels in ack mode; acks stop after it.
			return s.noAckOK(), true
		}
		return reply(""), true
	case 'H':
		return reply(s.setThread(args)), true
	case 'T':
		if _, ok := s.threadCPU(args); ok {
			return reply("OK"), true
		}
		return reply("E22"), true
	case 'g':
		return reply(s.readAllRegs()), true
	case 'G':
		return reply(s.writeAllRegs(args)), true
	case 'p':
		return reply(s.readReg(args)), true
	case 'P':
		return reply(s.writeReg(args)), true
	case 'm':
		return reply(s.readMem(args)), true
	case 'M':
		return reply(s.writeMem(args, false)), true
	case 'X':
		return reply(s.writeMem(string(p[1:]), true)), true
	case 'c', 'C':
		return s.resume(p[0], args)
	case 's', 'S':
		return s.resume(p[0], args)
	case 'v':
		return s.vPacket(args)
	case 'Z', 'z':
		return reply(s.breakpoint(p[0] == 'Z', args)), true
	case 'D':
		// Detach: the caller's drop resumes the machine once the OK is out.
		return reply("OK"), false
	case 'k':
		if k, ok := s.t.(Killer); ok {
			k.Kill()
			s.exited = true
		}
		return nil, false
	}
	return reply(""), true
}

// noAckOK answers QStartNoAckMode: the reply is sent with acks, then acks stop.
func (s *Server) noAckOK() *string {
	r := "OK"
	defer func() { s.noAck = true }()
	return &r
}

// stopReply formats the last stop as a T (or W) packet.
func (s *Server) stopReply() string {
	st := s.last
	tid := st.CPU + 1
	switch st.Kind {
	case StopInterrupt:
		return fmt.Sprintf("T02thread:%x;", tid)
	case StopWatch:
		name := "watch"
		switch st.Watch {
		case WatchRead:
			name = "rwatch"
		case WatchAccess:
			name = "awatch"
		}
		return fmt.Sprintf("T05%s:%x;thread:%x;", name, st.Addr, tid)
	case StopExited:
		return fmt.Sprintf("W%02x", st.Code&0xff)
	case StopBreakpoint:
		if s.bpReason {
			reason := "swbreak"
			if s.bps[Breakpoint{Kind: BreakHardware, Addr: st.Addr, Len: 1}] &&
				!s.bps[Breakpoint{Kind: BreakSoftware, Addr: st.Addr, Len: 1}] {
				reason = "hwbreak"
			}
			return fmt.Sprintf("T05%s:;thread:%x;", reason, tid)
		}
	}
	return fmt.Sprintf("T05thread:%x;", tid)
}

// query answers q packets.
func (s *Server) query(args string) string {
	name, rest, _ := strings.Cut(args, ":")
	if n, r, ok := strings.Cut(args, ","); ok && !strings.Contains(n, ":") {
		name, rest = n, r
	}
	switch name {
	case "Supported":
		r := fmt.Sprintf("PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;vContSupported+", MaxPacket)
		// With swbreak/hwbreak a breakpoint stop says so, and gdb never has to guess
		// whether to back the PC up over an int3 (we never plant one).
		if s.bpReason = strings.Contains(rest, "swbreak+") && strings.Contains(rest, "hwbreak+"); s.bpReason {
			r += ";swbreak+;hwbreak+"
		}
		return r
	case "Xfer":
		return s.xfer(rest)
	case "fThreadInfo":
		ids := make([]string, s.t.NumCPUs())
		for i := range ids {
			ids[i] = strconv.FormatInt(int64(i+1), 16)
		}
		return "m" + strings.Join(ids, ",")
	case "sThreadInfo":
		return "l"
	case "C":
		return fmt.Sprintf("QC%x", s.gCPU+1)
	case "Attached":
		return "1"
	case "ThreadExtraInfo":
		cpu, ok := s.threadCPU(rest)
		if !ok {
			return "E22"
		}
		return hex.EncodeToString([]byte(fmt.Sprintf("CPU %d", cpu)))
	case "Rcmd":
		cmd, err := hex.DecodeString(rest)
		if err != nil {
			return "E22"
		}
		if s.running {
			return "E16"
		}
		out, err := s.monitor(string(cmd))
		if err != nil {
			out = err.Error() + "\n"
		}
		if out == "" {
			return "OK"
		}
		return hex.EncodeToString([]byte(out))
	case "Symbol":
		return "OK"
	}
	return ""
}

// xfer answers qXfer:features:read:target.xml:offset,length.
func (s *Server) xfer(args string) string {
	parts := strings.SplitN(args, ":", 4)
	if len(parts) != 4 || parts[0] != "features" || parts[1] != "read" {
		return ""
	}
	if parts[2] != "target.xml" {
		return "E00"
	}
	off, n, ok := parseAddrLen(parts[3])
	if !ok {
		return "E00"
	}
	doc := targetXML
	if int64(off) >= int64(len(doc)) {
		return "l"
	}
	end := int64(off) + int64(n)
	if end >= int64(len(doc)) {
		return "l" + doc[off:]
	}
	return "m" + doc[off:end]
}

// setThread handles Hg and Hc.
func (s *Server) setThread(args string) string {
	if len(args) < 1 {
		return "E22"
	}
	op, id := args[0], args[1:]
	var cpu int
	switch id {
	case "0", "-1":
		cpu = 0
		if op == 'g' {
			cpu = s.gCPU
		} else {
			cpu = s.cCPU
		}
	default:
		c, ok := s.threadCPU(id)
		if !ok {
			return "E22"
		}
		cpu = c
	}
	switch op {
	case 'g':
		s.gCPU = cpu
	case 'c':
		s.cCPU = cpu
	default:
		return "E22"
	}
	return "OK"
}

// threadCPU maps a gdb thread id (hex, from 1; an optional "p1." process prefix) to a CPU.
func (s *Server) threadCPU(id string) (int, bool) {
	if i := strings.IndexByte(id, '.'); i >= 0 && strings.HasPrefix(id, "p") {
		id = id[i+1:]
	}
	v, err := strconv.ParseUint(id, 16, 32)
	if err != nil || v < 1 || v > uint64(s.t.NumCPUs()) {
		return 0, false
	}
	return int(v - 1), true
}

// The x87 registers gdb's i386 core feature requires: 8 of 80 bits, 8 of 32.
const (
	numX87Ext  = 8
	numX87Ctl  = 8
	totalRegs  = NumRegs + numX87Ext + numX87Ctl
	x87FCTRL   = 0x037f // power-on control word
	x87FTAGAll = 0xffff // every register empty
)

// regBytes returns register n (any of totalRegs) as its little-endian bytes; f holds the
// x87 registers of an FPUTarget, or nil (an empty FPU after fninit).
func (s *Server) regBytes(r *[NumRegs]uint32, f *x86.FPURegs, n int) []byte {
	switch {
	case n < NumRegs:
		return binary.LittleEndian.AppendUint32(nil, r[n])
	case n < NumRegs+numX87Ext:
		if f != nil {
			return append([]byte(nil), f.ST[n-NumRegs][:]...)
		}
		return make([]byte, 10)
	default:
		v := uint32(0)
		k := n - NumRegs - numX87Ext
		switch {
		case f != nil:
			v = [numX87Ctl]uint32{uint32(f.FCW), uint32(f.FSW), uint32(f.FTW), uint32(f.FCS), f.FIP,
				uint32(f.FDS), f.FDP, uint32(f.FOP)}[k]
		case k == 0:
			v = x87FCTRL
		case k == 2:
			v = x87FTAGAll
		}
		return binary.LittleEndian.AppendUint32(nil, v)
	}
}

// fpu returns the x87 registers of CPU i if the target has them.
func (s *Server) fpu(i int) *x86.FPURegs {
	ft, ok := s.t.(FPUTarget)
	if !ok {
		return nil
	}
	f, err := ft.FPU(i)
	if err != nil {
		return nil
	}
	return &f
}

func (s *Server) readAllRegs() string {
	r, err := s.t.Registers(s.gCPU)
	if err != nil {
		return "E14"
	}
	var b bytes.Buffer
	f := s.fpu(s.gCPU)
	for n := 0; n < totalRegs; n++ {
		b.WriteString(hex.EncodeToString(s.regBytes(&r, f, n)))
	}
	return b.String()
}

func (s *Server) writeAllRegs(args string) string {
	raw, err := hex.DecodeString(args)
	if err != nil || len(raw) < 4*NumRegs {
		return "E22"
	}
	old, err := s.t.Registers(s.gCPU)
	if err != nil {
		return "E14"
	}
	for n := 0; n < NumRegs; n++ {
		v := binary.LittleEndian.Uint32(raw[4*n:])
		if v == old[n] {
			continue
		}
		if err := s.t.SetRegister(s.gCPU, n, v); err != nil {
			return "E14"
		}
	}
	return "OK"
}

func (s *Server) readReg(args string) string {
	n, err := strconv.ParseUint(args, 16, 32)
	if err != nil || n >= totalRegs {
		return "E22"
	}
	r, err := s.t.Registers(s.gCPU)
	if err != nil {
		return "E14"
	}
	return hex.EncodeToString(s.regBytes(&r, s.fpu(s.gCPU), int(n)))
}

func (s *Server) writeReg(args string) string {
	num, val, ok := strings.Cut(args, "=")
	n, err := strconv.ParseUint(num, 16, 32)
	if !ok || err != nil || n >= totalRegs {
		return "E22"
	}
	raw, err := hex.DecodeString(val)
	if err != nil {
		return "E22"
	}
	if n >= NumRegs { // the x87 registers are read-only here: accept and drop writes
		return "OK"
	}
	if len(raw) != 4 {
		return "E22"
	}
	if err := s.t.SetRegister(s.gCPU, int(n), binary.LittleEndian.Uint32(raw)); err != nil {
		return "E14"
	}
	return "OK"
}

// parseAddrLen parses "addr,len" in hex.
func parseAddrLen(s string) (uint32, uint32, bool) {
	a, l, ok := strings.Cut(s, ",")
	if !ok {
		return 0, 0, false
	}
	addr, err1 := strconv.ParseUint(a, 16, 32)
	n, err2 := strconv.ParseUint(l, 16, 32)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return uint32(addr), uint32(n), true
}

func (s *Server) readMem(args string) string {
	addr, n, ok := parseAddrLen(args)
	if !ok {
		return "E22"
	}
	if n > maxMemRead {
		n = maxMemRead
	}
	buf := make([]byte, n)
	if err := s.t.ReadMemory(s.gCPU, addr, buf); err != nil {
		return "E14"
	}
	return hex.EncodeToString(buf)
}

// writeMem handles M (hex data) and X (binary data) packets.
func (s *Server) writeMem(args string, binaryData bool) string {
	head, data, ok := strings.Cut(args, ":")
	if !ok {
		return "E22"
	}
	addr, n, ok := parseAddrLen(head)
	if !ok {
		return "E22"
	}
	var raw []byte
	var err error
	if binaryData {
		raw, err = unescapeBinary([]byte(data))
	} else {
		raw, err = hex.DecodeString(data)
	}
	if err != nil || uint32(len(raw)) != n {
		return "E22"
	}
	if n == 0 {
		return "OK"
	}
	if err := s.t.WriteMemory(s.gCPU, addr, raw); err != nil {
		return "E14"
	}
	return "OK"
}

// resume handles c, C, s and S: an optional address sets EIP of the continue thread first.
func (s *Server) resume(op byte, args string) (*string, bool) {
	if op == 'C' || op == 'S' { // the signal number is dropped, as qemu does
		_, args, _ = strings.Cut(args, ";")
	}
	if args != "" {
		addr, err := strconv.ParseUint(args, 16, 32)
		if err != nil {
			return reply("E22"), true
		}
		if err := s.t.SetRegister(s.cCPU, RegEIP, uint32(addr)); err != nil {
			return reply("E14"), true
		}
	}
	if op == 's' || op == 'S' {
		return s.start(true, s.cCPU)
	}
	return s.start(false, 0)
}

// start resumes or steps the machine; the stop reply is sent when the stop arrives.
func (s *Server) start(step bool, cpu int) (*string, bool) {
	var err error
	if step {
		err = s.t.Step(cpu)
	} else {
		err = s.t.Resume()
	}
	if err != nil {
		return reply("E14"), true
	}
	s.running = true
	s.replyDue = true
	return nil, true
}

// vPacket handles the v packets: vCont? and vCont;action[:tid]...
func (s *Server) vPacket(args string) (*string, bool) {
	switch {
	case args == "Cont?":
		return reply("vCont;c;C;s;S;t"), true
	case strings.HasPrefix(args, "Cont;"):
		return s.vCont(args[len("Cont;"):])
	case strings.HasPrefix(args, "Kill"):
		if k, ok := s.t.(Killer); ok {
			k.Kill()
			s.exited = true
		}
		return reply("OK"), false
	}
	return reply(""), true
}

// vCont carries out the first action that applies: a step of one thread wins (the other
// threads stand still, which keeps the machine deterministic), else continue all.
func (s *Server) vCont(actions string) (*string, bool) {
	stepCPU := -1
	cont := false
	for _, a := range strings.Split(actions, ";") {
		act, tid, hasTid := strings.Cut(a, ":")
		if len(act) == 0 {
			return reply("E22"), true
		}
		cpu := s.cCPU
		if hasTid && tid != "-1" && tid != "0" {
			c, ok := s.threadCPU(tid)
			if !ok {
				return reply("E22"), true
			}
			cpu = c
		}
		switch act[0] {
		case 's', 'S':
			if stepCPU < 0 {
				stepCPU = cpu
			}
		case 'c', 'C':
			cont = true
		case 't':
			// Stopping threads only matters in non-stop mode; all are stopped already.
		default:
			return reply("E22"), true
		}
	}
	if stepCPU >= 0 {
		s.cCPU = stepCPU
		return s.start(true, stepCPU)
	}
	if cont {
		return s.start(false, 0)
	}
	return reply("OK"), true
}

// breakpoint handles Z and z packets: type,addr,kind.
func (s *Server) breakpoint(insert bool, args string) string {
	f := strings.Split(args, ",")
	if len(f) < 3 {
		return "E22"
	}
	typ, err := strconv.ParseUint(f[0], 10, 8)
	if err != nil || typ > 4 {
		return ""
	}
	addr, n, ok := parseAddrLen(f[1] + "," + strings.SplitN(f[2], ";", 2)[0])
	if !ok {
		return "E22"
	}
	bp := Breakpoint{Kind: BreakKind(typ), Addr: addr, Len: n}
	if bp.Kind >= WatchWrite && (n == 0 || n > 4096) {
		return "E22"
	}
	if bp.Kind < WatchWrite {
		bp.Len = 1
	}
	if insert == s.bps[bp] {
		return "OK" // gdb may insert twice or remove what is gone; both are no-ops
	}
	if err := s.t.SetBreakpoint(bp, insert); err != nil {
		return errReply(err)
	}
	if insert {
		s.bps[bp] = true
	} else {
		delete(s.bps, bp)
	}
	return "OK"
}
