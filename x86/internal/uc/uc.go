//go:build unicorn

package uc

/*
#cgo LDFLAGS: -lunicorn
#include <stdlib.h>
#include <unicorn/unicorn.h>

// intrState records the first interrupt or exception Unicorn raises.
typedef struct {
	int hit;
	uint32_t intno;
	uint32_t eip;
} intrState;

static void onIntr(uc_engine *uc, uint32_t intno, void *user) {
	intrState *s = user;
	if (!s->hit) {
		s->hit = 1;
		s->intno = intno;
		uint32_t eip = 0;
		uc_reg_read(uc, UC_X86_REG_EIP, &eip);
		s->eip = eip;
	}
	uc_emu_stop(uc);
}

static uc_err addIntrHook(uc_engine *uc, intrState *s) {
	uc_hook h;
	return uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)onIntr, s, 1, 0);
}

// outLog records the OUT instructions Unicorn executes: port, size and value per entry.
#define OUTMAX 65536
typedef struct {
	uint32_t n;
	uint32_t rec[3 * OUTMAX];
} outLog;

static void onOut(uc_engine *uc, uint32_t port, int size, uint32_t value, void *user) {
	outLog *l = user;
	if (l->n < OUTMAX) {
		l->rec[3 * l->n] = port;
		l->rec[3 * l->n + 1] = (uint32_t)size;
		l->rec[3 * l->n + 2] = value;
		l->n++;
	}
}

static uc_err addOutHook(uc_engine *uc, outLog *l) {
	uc_hook h;
	return uc_hook_add(uc, &h, UC_HOOK_INSN, (void *)onOut, l, 1, 0, UC_X86_INS_OUT);
}

static uc_err setDTR(uc_engine *uc, int id, uint32_t base, uint32_t limit) {
	uc_x86_mmr m = {0};
	m.base = base;
	m.limit = limit;
	return uc_reg_write(uc, id, &m);
}
static uc_err flushCode(uc_engine *uc) { return uc_ctl_flush_tlb(uc); }
static uc_err removeCode(uc_engine *uc, uint64_t begin, uint64_t end) { return uc_ctl_remove_cache(uc, begin, end); }
static uc_err regWrite32(uc_engine *uc, int id, uint32_t v) { return uc_reg_write(uc, id, &v); }
static uc_err regRead32(uc_engine *uc, int id, uint32_t *v) { *v = 0; return uc_reg_read(uc, id, v); }
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Register ids accepted by Reg and SetReg, in the order of x86.EAX..x86.EDI.
var gpr = [8]C.int{C.UC_X86_REG_EAX, C.UC_X86_REG_ECX, C.UC_X86_REG_EDX, C.UC_X86_REG_EBX,
	C.UC_X86_REG_ESP, C.UC_X86_REG_EBP, C.UC_X86_REG_ESI, C.UC_X86_REG_EDI}

// Engine is one Unicorn x86 CPU in 32-bit mode with its memory.
type Engine struct {
	h    *C.uc_engine
	intr *C.intrState
	outs *C.outLog // nil until LogOuts
}

// New opens a 32-bit x86 engine (Unicorn's flat protected-mode default) with memSize bytes of
// RWX memory mapped at address 0.
func New(memSize uint32) (*Engine, error) { return NewMode(memSize, false) }

// NewMode opens an engine in 32-bit flat protected mode, or in real mode if real.
func NewMode(memSize uint32, real bool) (*Engine, error) {
	var h *C.uc_engine
	mode := C.uc_mode(C.UC_MODE_32)
	if real {
		mode = C.UC_MODE_16
	}
	if err := C.uc_open(C.UC_ARCH_X86, mode, &h); err != C.UC_ERR_OK {
		return nil, fmt.Errorf("uc_open: %s", C.GoString(C.uc_strerror(err)))
	}
	e := &Engine{h: h}
	e.intr = (*C.intrState)(C.calloc(1, C.size_t(unsafe.Sizeof(C.intrState{}))))
	if err := C.uc_mem_map(h, 0, C.size_t(memSize), C.UC_PROT_ALL); err != C.UC_ERR_OK {
		e.Close()
		return nil, fmt.Errorf("uc_mem_map: %s", C.GoString(C.uc_strerror(err)))
	}
	if err := C.addIntrHook(h, e.intr); err != C.UC_ERR_OK {
		e.Close()
		return nil, fmt.Errorf("uc_hook_add: %s", C.GoString(C.uc_strerror(err)))
	}
	return e, nil
}

// Close frees the engine.
func (e *Engine) Close() {
	if e.h != nil {
		C.uc_close(e.h)
		e.h = nil
	}
	if e.intr != nil {
		C.free(unsafe.Pointer(e.intr))
		e.intr = nil
	}
	if e.outs != nil {
		C.free(unsafe.Pointer(e.outs))
		e.outs = nil
	}
}

// Out is one OUT instruction the engine executed.
type Out struct {
	Port  uint16
	Size  int
	Value uint32
}

// LogOuts makes the engine record every OUT instruction from now on (up to 65536).
func (e *Engine) LogOuts() error {
	if e.outs != nil {
		return nil
	}
	e.outs = (*C.outLog)(C.calloc(1, C.size_t(unsafe.Sizeof(C.outLog{}))))
	if e.outs == nil {
		return fmt.Errorf("out log: calloc failed")
	}
	return check("uc_hook_add out", C.addOutHook(e.h, e.outs))
}

// Outs returns the OUT instructions recorded since LogOuts.
func (e *Engine) Outs() []Out {
	if e.outs == nil {
		return nil
	}
	n := int(e.outs.n)
	out := make([]Out, n)
	for i := range out {
		out[i] = Out{Port: uint16(e.outs.rec[3*i]), Size: int(e.outs.rec[3*i+1]), Value: uint32(e.outs.rec[3*i+2])}
	}
	return out
}

func check(what string, err C.uc_err) error {
	if err != C.UC_ERR_OK {
		return fmt.Errorf("%s: %s", what, C.GoString(C.uc_strerror(err)))
	}
	return nil
}

// SetReg sets general register r (0=EAX .. 7=EDI).
func (e *Engine) SetReg(r int, v uint32) error {
	return check("reg write", C.regWrite32(e.h, gpr[r], C.uint32_t(v)))
}

// Reg returns general register r (0=EAX .. 7=EDI).
func (e *Engine) Reg(r int) (uint32, error) {
	var v C.uint32_t
	err := check("reg read", C.regRead32(e.h, gpr[r], &v))
	return uint32(v), err
}

// Segment register ids for SetSeg, in the order of x86.ES..x86.GS.
var segs = [6]C.int{C.UC_X86_REG_ES, C.UC_X86_REG_CS, C.UC_X86_REG_SS, C.UC_X86_REG_DS,
	C.UC_X86_REG_FS, C.UC_X86_REG_GS}

// SetSeg loads segment register s (0=ES .. 5=GS) with sel (real mode: base sel<<4).
func (e *Engine) SetSeg(s int, sel uint16) error {
	return check("seg write", C.regWrite32(e.h, segs[s], C.uint32_t(sel)))
}

// Seg returns the selector in segment register s (0=ES .. 5=GS).
func (e *Engine) Seg(s int) (uint16, error) {
	var v C.uint32_t
	err := check("seg read", C.regRead32(e.h, segs[s], &v))
	return uint16(v), err
}

// SetGDTR sets the global descriptor table register.
func (e *Engine) SetGDTR(base, limit uint32) error {
	return check("gdtr write", C.setDTR(e.h, C.UC_X86_REG_GDTR, C.uint32_t(base), C.uint32_t(limit)))
}

// SetIDTR sets the interrupt descriptor table register.
func (e *Engine) SetIDTR(base, limit uint32) error {
	return check("idtr write", C.setDTR(e.h, C.UC_X86_REG_IDTR, C.uint32_t(base), C.uint32_t(limit)))
}

// SetEFLAGS sets EFLAGS.
func (e *Engine) SetEFLAGS(v uint32) error {
	return check("eflags write", C.regWrite32(e.h, C.UC_X86_REG_EFLAGS, C.uint32_t(v)))
}

// EFLAGS returns EFLAGS.
func (e *Engine) EFLAGS() (uint32, error) {
	var v C.uint32_t
	err := check("eflags read", C.regRead32(e.h, C.UC_X86_REG_EFLAGS, &v))
	return uint32(v), err
}

// EIP returns EIP.
func (e *Engine) EIP() (uint32, error) {
	var v C.uint32_t
	err := check("eip read", C.regRead32(e.h, C.UC_X86_REG_EIP, &v))
	return uint32(v), err
}

// WriteMem copies b to address addr.
func (e *Engine) WriteMem(addr uint32, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	return check("mem write", C.uc_mem_write(e.h, C.uint64_t(addr), unsafe.Pointer(&b[0]), C.size_t(len(b))))
}

// ReadMem copies memory at addr into b.
func (e *Engine) ReadMem(addr uint32, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	return check("mem read", C.uc_mem_read(e.h, C.uint64_t(addr), unsafe.Pointer(&b[0]), C.size_t(len(b))))
}

// InvalidateCode drops Unicorn's translations of code in [begin, end): call it after
// rewriting code that ran before.
func (e *Engine) InvalidateCode(begin, end uint32) error {
	return check("remove cache", C.removeCode(e.h, C.uint64_t(begin), C.uint64_t(end)))
}

// Result says how Start ended.
type Result struct {
	Intr   bool   // an interrupt or exception was raised (and stopped the engine)
	Vector uint32 // its vector
	IntEIP uint32 // EIP when it was raised
}

// Start runs from begin until EIP reaches until, an exception is raised, or count
// instructions (0 = no limit) have run.
func (e *Engine) Start(begin, until uint32, count int) (Result, error) {
	*e.intr = C.intrState{}
	err := C.uc_emu_start(e.h, C.uint64_t(begin), C.uint64_t(until), 0, C.size_t(count))
	r := Result{Intr: e.intr.hit != 0, Vector: uint32(e.intr.intno), IntEIP: uint32(e.intr.eip)}
	if err == C.UC_ERR_INSN_INVALID {
		eip, err := e.EIP()
		return Result{Intr: true, Vector: 6, IntEIP: eip}, err
	}
	return r, check("emu start", err)
}
