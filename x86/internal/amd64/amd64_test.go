package amd64

import (
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// TestEncodings disassembles every form the emitter has, with registers and displacements
// that need each prefix and addressing special case, and compares with the intended text.
func TestEncodings(t *testing.T) {
	cases := []struct {
		emit func(a *Asm)
		want string
	}{
		{func(a *Asm) { a.Mov(8, R(RDI), R(RAX)) }, "mov rdi, rax"},
		{func(a *Asm) { a.Mov(4, R(R8), M(RDI, 0x20)) }, "mov r8d, dword ptr [rdi+0x20]"},
		{func(a *Asm) { a.Mov(4, M(RDI, 0x1000), R(RSI)) }, "mov dword ptr [rdi+0x1000], esi"},
		{func(a *Asm) { a.Mov(1, M(R10, 0), R(RSI)) }, "mov byte ptr [r10], sil"},
		{func(a *Asm) { a.Mov(1, M(RDI, 5), R(RAX)) }, "mov byte ptr [rdi+0x5], al"},
		{func(a *Asm) { a.Mov(2, M(R13, 0), R(RDX)) }, "mov word ptr [r13], dx"},
		{func(a *Asm) { a.Mov(4, R(RAX), M(R12, 8)) }, "mov eax, dword ptr [r12+0x8]"},
		{func(a *Asm) { a.Mov(4, R(RAX), M(RSP, 0)) }, "mov eax, dword ptr [rsp]"},
		{func(a *Asm) { a.MovImm(4, R(R9), 0x12345678) }, "mov r9d, 0x12345678"},
		{func(a *Asm) { a.MovImm(1, M(RDI, 0x30), 7) }, "mov byte ptr [rdi+0x30], 0x7"},
		{func(a *Asm) { a.MovImm(4, M(RDI, 0x30), 0x80000000) }, "mov dword ptr [rdi+0x30], -0x80000000"},
		{func(a *Asm) { a.MovImm(2, M(RDI, 0), 0x1234) }, "mov word ptr [rdi], 0x1234"},
		{func(a *Asm) { a.MovImm64(R11, 0x123456789) }, "mov r11, 0x123456789"},
		{func(a *Asm) { a.Movzx(RAX, 1, M(RDI, 0x11)) }, "movzx eax, byte ptr [rdi+0x11]"},
		{func(a *Asm) { a.Movzx(RDX, 1, R(RDX)) }, "movzx edx, dl"},
		{func(a *Asm) { a.Movzx(RAX, 1, R(RSI)) }, "movzx eax, sil"},
		{func(a *Asm) { a.Movzx(RAX, 2, M(R10, 0)) }, "movzx eax, word ptr [r10]"},
		{func(a *Asm) { a.Movsx(RAX, 1, M(R10, 0)) }, "movsx eax, byte ptr [r10]"},
		{func(a *Asm) { a.Movsx(RAX, 2, M(RDI, 4)) }, "movsx eax, word ptr [rdi+0x4]"},
		{func(a *Asm) { a.Lea(4, RCX, MI(RCX, RAX, 2, 0x78)) }, "lea ecx, ptr [rcx+4*rax+0x78]"},
		{func(a *Asm) { a.Lea(8, RDX, MI(RDI, RDX, 3, 0x400)) }, "lea rdx, ptr [rdi+8*rdx+0x400]"},
		{func(a *Asm) { a.Lea(4, RAX, M(R8, -4)) }, "lea eax, ptr [r8-0x4]"},
		{func(a *Asm) { a.Lea(4, R9, MI(RAX, R9, 0, 3)) }, "lea r9d, ptr [rax+r9+0x3]"},
		{func(a *Asm) { a.Alu(Add, 4, R(RSI), R(RDX)) }, "add esi, edx"},
		{func(a *Asm) { a.Alu(Sub, 1, R(RSI), R(RDX)) }, "sub sil, dl"},
		{func(a *Asm) { a.Alu(Xor, 2, R(RSI), R(RDX)) }, "xor si, dx"},
		{func(a *Asm) { a.Alu(Cmp, 4, R(RAX), M(RDX, 0)) }, "cmp eax, dword ptr [rdx]"},
		{func(a *Asm) { a.Alu(Or, 4, M(RDI, 0x24), R(RAX)) }, "or dword ptr [rdi+0x24], eax"},
		{func(a *Asm) { a.Alu(Add, 8, R(R10), R(RAX)) }, "add r10, rax"},
		{func(a *Asm) { a.Alu(Adc, 1, R(RAX), R(RDX)) }, "adc al, dl"},
		{func(a *Asm) { a.Alu(Sbb, 2, R(RAX), R(RDX)) }, "sbb ax, dx"},
		{func(a *Asm) { a.AluImm(And, 4, R(RDX), 0xFF) }, "and edx, 0xff"},
		{func(a *Asm) { a.AluImm(And, 4, R(RAX), -0x1000) }, "and eax, -0x1000"},
		{func(a *Asm) { a.AluImm(Cmp, 4, R(RAX), 5) }, "cmp eax, 0x5"},
		{func(a *Asm) { a.AluImm(Sub, 1, R(RSI), -1) }, "sub sil, 0xff"},
		{func(a *Asm) { a.AluImm(Cmp, 2, R(RSI), 0x1234) }, "cmp si, 0x1234"},
		{func(a *Asm) { a.AluImm(Cmp, 4, M(RDI, 0x28), 0x8000) }, "cmp dword ptr [rdi+0x28], 0x8000"},
		{func(a *Asm) { a.Test(8, R(RSI), R(RSI)) }, "test rsi, rsi"},
		{func(a *Asm) { a.Test(1, R(RAX), R(RAX)) }, "test al, al"},
		{func(a *Asm) { a.TestImm(4, R(RAX), 0x200) }, "test eax, 0x200"},
		{func(a *Asm) { a.TestImm(1, M(R10, 0), 1) }, "test byte ptr [r10], 0x1"},
		{func(a *Asm) { a.ShiftImm(Shr, 4, R(RDX), 12) }, "shr edx, 0xc"},
		{func(a *Asm) { a.ShiftImm(Sar, 4, R(RSI), 31) }, "sar esi, 0x1f"},
		{func(a *Asm) { a.ShiftImm(Shl, 1, R(RSI), 1) }, "shl sil, 0x1"},
		{func(a *Asm) { a.ShiftCL(Shl, 4, R(R9)) }, "shl r9d, cl"},
		{func(a *Asm) { a.Unary(Neg, 4, R(RDX)) }, "neg edx"},
		{func(a *Asm) { a.Unary(Not, 1, M(R10, 0)) }, "not byte ptr [r10]"},
		{func(a *Asm) { a.IncDec(false, 4, R(RSI)) }, "inc esi"},
		{func(a *Asm) { a.IncDec(true, 1, R(RSI)) }, "dec sil"},
		{func(a *Asm) { a.IncDec(true, 2, R(RAX)) }, "dec ax"},
		{func(a *Asm) { a.Imul(4, RSI, R(RDX)) }, "imul esi, edx"},
		{func(a *Asm) { a.Imul(4, RSI, M(R10, 0)) }, "imul esi, dword ptr [r10]"},
		{func(a *Asm) { a.Setcc(CondO, R(RDX)) }, "seto dl"},
		{func(a *Asm) { a.Setcc(CondLE, R(RSI)) }, "setle sil"},
		{func(a *Asm) { a.Bt(RSI, R9) }, "bt rsi, r9"},
		{func(a *Asm) { a.BtImm(M(RDI, 0x24), 0) }, "bt dword ptr [rdi+0x24], 0x0"},
		{func(a *Asm) { a.Push(RAX) }, "push rax"},
		{func(a *Asm) { a.Pop(R11) }, "pop r11"},
		{func(a *Asm) { a.Pushfq() }, "pushfq"},
		{func(a *Asm) { a.Popfq() }, "popfq"},
		{func(a *Asm) { a.Ret() }, "ret"},
		{func(a *Asm) { a.JmpReg(RAX) }, "jmp rax"},
		{func(a *Asm) { a.JmpReg(R9) }, "jmp r9"},
	}
	for _, c := range cases {
		var a Asm
		c.emit(&a)
		in, err := x86asm.Decode(a.B, 64)
		if err != nil {
			t.Errorf("%q: % x does not decode: %v", c.want, a.B, err)
			continue
		}
		if in.Len != len(a.B) {
			t.Errorf("%q: % x decodes as %d bytes", c.want, a.B, in.Len)
		}
		if got := x86asm.IntelSyntax(in, 0, nil); got != c.want {
			t.Errorf("% x is %q, want %q", a.B, got, c.want)
		}
	}
}

// TestBranches checks that jumps and calls reach their labels and absolute targets.
func TestBranches(t *testing.T) {
	var a Asm
	a.Org = 0x10000
	fwd, back := a.NewLabel(), a.NewLabel()
	a.Bind(back)
	a.Jcc(CondNE, fwd) // at 0
	a.Jmp(back)        // at 6
	a.Call(fwd)        // at 11
	a.CallAddr(0x10000)
	a.Bind(fwd) // at 21
	a.Ret()
	if !a.Finish() {
		t.Fatal("Finish: unbound label")
	}
	want := []struct {
		at   int
		text string
	}{{0, "jnz .+0xf"}, {6, "jmp .-0xb"}, {11, "call .+0x5"}, {16, "call .-0x15"}}
	for _, w := range want {
		in, err := x86asm.Decode(a.B[w.at:], 64)
		if err != nil {
			t.Fatalf("at %d: %v", w.at, err)
		}
		if got := x86asm.IntelSyntax(in, 0, nil); got != w.text {
			t.Errorf("at %d: %q, want %q", w.at, got, w.text)
		}
	}
	var b Asm
	b.Jmp(b.NewLabel())
	if b.Finish() {
		t.Error("Finish accepted a jump to a label never bound")
	}
}
