package x86

type fnT = func(*CPU, *insn)

func set(op int, modrm bool, imm uint8, fn fnT) {
	opTable[op] = opInfo{modrm: modrm, imm: imm, fn: fn}
}

func setGrp(op int, imm uint8, g [8]fnT) {
	opTable[op] = opInfo{modrm: true, imm: imm, grp: &g}
}

func init() {
	// ALU rows: add or adc sbb and sub xor cmp.
	for row := 0; row < 8; row++ {
		b := row * 8
		set(b+0, true, immNone, opAluEG)
		set(b+1, true, immNone, opAluEG)
		set(b+2, true, immNone, opAluGE)
		set(b+3, true, immNone, opAluGE)
		set(b+4, false, imm8, opAluAI)
		set(b+5, false, immZ, opAluAI)
	}
	for _, op := range []int{0x06, 0x0E, 0x16, 0x1E, 0x1A0, 0x1A8} {
		set(op, false, immNone, opPushSeg)
	}
	for _, op := range []int{0x07, 0x17, 0x1F, 0x1A1, 0x1A9} {
		set(op, false, immNone, opPopSeg)
	}
	set(0x27, false, immNone, opDaa)
	set(0x2F, false, immNone, opDas)
	set(0x37, false, immNone, opAaa)
	set(0x3F, false, immNone, opAas)
	for r := 0; r < 8; r++ {
		set(0x40+r, false, immNone, opIncR)
		set(0x48+r, false, immNone, opDecR)
		set(0x50+r, false, immNone, opPushR)
		set(0x58+r, false, immNone, opPopR)
		set(0x90+r, false, immNone, opXchgAR)
		set(0xB0+r, false, imm8, opMovRI)
		set(0xB8+r, false, immZ, opMovRI)
		set(0x1C8+r, false, immNone, opBswap)
	}
	set(0x90, false, immNone, opNop)
	set(0x60, false, immNone, opPusha)
	set(0x61, false, immNone, opPopa)
	set(0x62, true, immNone, opBound)
	set(0x63, true, immNone, opArpl)
	set(0x68, false, immZ, opPushI)
	set(0x69, true, immZ, opImulGEI)
	set(0x6A, false, imm8s, opPushI)
	set(0x6B, true, imm8s, opImulGEI)
	set(0x6C, false, immNone, opIns)
	set(0x6D, false, immNone, opIns)
	set(0x6E, false, immNone, opOuts)
	set(0x6F, false, immNone, opOuts)
	for cc := 0; cc < 16; cc++ {
		set(0x70+cc, false, imm8s, opJcc8)
		set(0x180+cc, false, immZ, opJcc8)
		set(0x140+cc, true, immNone, opCmov)
		set(0x190+cc, true, immNone, opSetcc)
	}
	set(0x80, true, imm8, opGrp1)
	set(0x81, true, immZ, opGrp1)
	set(0x82, true, imm8, opGrp1)
	set(0x83, true, imm8s, opGrp1)
	set(0x84, true, immNone, opTestEG)
	set(0x85, true, immNone, opTestEG)
	set(0x86, true, immNone, opXchgEG)
	set(0x87, true, immNone, opXchgEG)
	for op := 0x88; op <= 0x89; op++ {
		set(op, true, immNone, opMovEG)
		set(op+2, true, immNone, opMovGE)
	}
	set(0x8C, true, immNone, opMovES)
	set(0x8D, true, immNone, opLea)
	set(0x8E, true, immNone, opMovSE)
	setGrp(0x8F, immNone, [8]fnT{opPopE})
	set(0x98, false, immNone, opCbw)
	set(0x99, false, immNone, opCwd)
	set(0x9A, false, immFar, opCallFar)
	set(0x9B, false, immNone, opFwait)
	set(0x9C, false, immNone, opPushf)
	set(0x9D, false, immNone, opPopf)
	set(0x9E, false, immNone, opSahf)
	set(0x9F, false, immNone, opLahf)
	for op := 0xA0; op <= 0xA3; op++ {
		set(op, false, immMoffs, opMovMoffs)
	}
	set(0xA4, false, immNone, opMovs)
	set(0xA5, false, immNone, opMovs)
	set(0xA6, false, immNone, opCmps)
	set(0xA7, false, immNone, opCmps)
	set(0xA8, false, imm8, opTestAI)
	set(0xA9, false, immZ, opTestAI)
	set(0xAA, false, immNone, opStos)
	set(0xAB, false, immNone, opStos)
	set(0xAC, false, immNone, opLods)
	set(0xAD, false, immNone, opLods)
	set(0xAE, false, immNone, opScas)
	set(0xAF, false, immNone, opScas)
	set(0xC0, true, imm8, opGrp2)
	set(0xC1, true, imm8, opGrp2)
	set(0xC2, false, imm16, opRet)
	set(0xC3, false, immNone, opRet)
	set(0xC4, true, immNone, opLfp)
	set(0xC5, true, immNone, opLfp)
	setGrp(0xC6, imm8, [8]fnT{opMovEI})
	setGrp(0xC7, immZ, [8]fnT{opMovEI})
	set(0xC8, false, immEnter, opEnter)
	set(0xC9, false, immNone, opLeave)
	set(0xCA, false, imm16, opRetf)
	set(0xCB, false, immNone, opRetf)
	set(0xCC, false, immNone, opInt3)
	set(0xCD, false, imm8, opInt)
	set(0xCE, false, immNone, opInto)
	set(0xCF, false, immNone, opIret)
	for op := 0xD0; op <= 0xD3; op++ {
		set(op, true, immNone, opGrp2)
	}
	set(0xD4, false, imm8, opAam)
	set(0xD5, false, imm8, opAad)
	set(0xD6, false, immNone, opSalc)
	set(0xD7, false, immNone, opXlat)
	for op := 0xD8; op <= 0xDF; op++ {
		set(op, true, immNone, opFPU)
	}
	set(0xE0, false, imm8s, opLoop)
	set(0xE1, false, imm8s, opLoop)
	set(0xE2, false, imm8s, opLoop)
	set(0xE3, false, imm8s, opJcxz)
	set(0xE4, false, imm8, opInI)
	set(0xE5, false, imm8, opInI)
	set(0xE6, false, imm8, opOutI)
	set(0xE7, false, imm8, opOutI)
	set(0xE8, false, immZ, opCallRel)
	set(0xE9, false, immZ, opJmpRel)
	set(0xEA, false, immFar, opJmpFar)
	set(0xEB, false, imm8s, opJmpRel)
	set(0xEC, false, immNone, opInD)
	set(0xED, false, immNone, opInD)
	set(0xEE, false, immNone, opOutD)
	set(0xEF, false, immNone, opOutD)
	set(0xF1, false, immNone, opInt1)
	set(0xF4, false, immNone, opHlt)
	set(0xF5, false, immNone, opCmc)
	setGrp(0xF6, immNone, [8]fnT{opTestEI, opTestEI, opNot, opNeg, opMul, opImul1, opDiv, opIdiv})
	setGrp(0xF7, immNone, [8]fnT{opTestEI, opTestEI, opNot, opNeg, opMul, opImul1, opDiv, opIdiv})
	set(0xF8, false, immNone, opClc)
	set(0xF9, false, immNone, opStc)
	set(0xFA, false, immNone, opCli)
	set(0xFB, false, immNone, opSti)
	set(0xFC, false, immNone, opCld)
	set(0xFD, false, immNone, opStd)
	setGrp(0xFE, immNone, [8]fnT{opIncE, opDecE})
	setGrp(0xFF, immNone, [8]fnT{opIncE, opDecE, opCallE, opCallFarE, opJmpE, opJmpFarE, opPushE})

	// Two-byte opcodes.
	setGrp(0x100, immNone, [8]fnT{opSldt, opStr, opLldt, opLtr, opVerr, opVerw})
	setGrp(0x101, immNone, [8]fnT{opSgdt, opSidt, opLgdt, opLidt, opSmsw, nil, opLmsw, opInvlpg})
	set(0x102, true, immNone, opLar)
	set(0x103, true, immNone, opLsl)
	set(0x106, false, immNone, opClts)
	set(0x108, false, immNone, opInvd)
	set(0x109, false, immNone, opInvd)
	set(0x10B, false, immNone, opUD2)
	for op := 0x118; op <= 0x11F; op++ {
		set(op, true, immNone, opNop)
	}
	set(0x120, true, immNone, opMovCR)
	set(0x122, true, immNone, opMovCR)
	set(0x121, true, immNone, opMovDR)
	set(0x123, true, immNone, opMovDR)
	set(0x130, false, immNone, opWrmsr)
	set(0x131, false, immNone, opRdtsc)
	set(0x132, false, immNone, opRdmsr)
	set(0x1A2, false, immNone, opCpuid)
	set(0x1A3, true, immNone, opBt)
	set(0x1AB, true, immNone, opBt)
	set(0x1B3, true, immNone, opBt)
	set(0x1BB, true, immNone, opBt)
	setGrp(0x1BA, imm8, [8]fnT{nil, nil, nil, nil, opBt, opBt, opBt, opBt})
	set(0x1A4, true, imm8, opShxd)
	set(0x1A5, true, immNone, opShxd)
	set(0x1AC, true, imm8, opShxd)
	set(0x1AD, true, immNone, opShxd)
	set(0x1AF, true, immNone, opImulGE)
	set(0x1B0, true, immNone, opCmpxchg)
	set(0x1B1, true, immNone, opCmpxchg)
	set(0x1B2, true, immNone, opLfp)
	set(0x1B4, true, immNone, opLfp)
	set(0x1B5, true, immNone, opLfp)
	set(0x1B6, true, immNone, opMovzx)
	set(0x1B7, true, immNone, opMovzx)
	set(0x1BE, true, immNone, opMovsx)
	set(0x1BF, true, immNone, opMovsx)
	set(0x1BC, true, immNone, opBsf)
	set(0x1BD, true, immNone, opBsr)
	set(0x1C0, true, immNone, opXadd)
	set(0x1C1, true, immNone, opXadd)
	setGrp(0x1C7, immNone, [8]fnT{nil, opCmpxchg8b})
}

// specialize replaces the generic handler of a decoded instruction by a faster one for the
// common 32-bit forms.
func specialize(in *insn) {
	if in.opsz != 4 {
		return
	}
	flat := in.adsz == 4
	baseOnly := in.mem && flat && in.index == noReg && in.base != noReg
	if in.op < 0x40 && in.mem {
		switch in.op & 7 {
		case 1:
			in.fn = opAluMR32
		case 3:
			in.fn = opAluRM32
		}
	}
	switch in.op {
	case 0x89:
		switch {
		case !in.mem:
			in.fn = opMovRR32
		case baseOnly:
			in.fn = opMovMRBase32
		default:
			in.fn = opMovMR32
		}
	case 0x8B:
		switch {
		case !in.mem:
			in.fn, in.rm, in.reg = opMovRR32, in.reg, in.rm
		case baseOnly:
			in.fn = opMovRMBase32
		default:
			in.fn = opMovRM32
		}
	case 0x01:
		if !in.mem {
			in.fn = opAddRR32
		}
	case 0x03:
		if in.mem {
			in.fn = opAddGM32
		}
	case 0x29:
		if !in.mem {
			in.fn = opSubRR32
		}
	case 0x39:
		if !in.mem {
			in.fn = opCmpRR32
		}
	case 0x3B:
		if in.mem {
			in.fn = opCmpGM32
		}
	case 0x31:
		if !in.mem {
			in.fn = opXorRR32
		}
	case 0x85:
		if !in.mem {
			in.fn = opTestRR32
		}
	case 0x81, 0x83:
		switch {
		case !in.mem && in.reg == 0:
			in.fn = opAddRI32
		case !in.mem && in.reg == 5:
			in.fn = opSubRI32
		case !in.mem && in.reg == 7:
			in.fn = opCmpRI32
		case !in.mem:
			in.fn = opAluRI32
		case in.reg == 7:
			in.fn = opCmpMI32
		default:
			in.fn = opAluMI32
		}
	case 0xC7:
		if in.mem {
			in.fn = opMovMI32
		}
	case 0x1B6:
		if in.mem {
			in.fn = opMovzxB32
		}
	case 0x8D:
		if flat && in.mem {
			in.fn = opLea32
		}
	case 0xE8:
		in.fn = opCallRel32
	case 0xE9, 0xEB:
		in.fn = opJmp32
	case 0xC3:
		in.fn = opRet32
	case 0xC9:
		in.fn = opLeave32
	case 0x74, 0x184:
		in.fn = opJe32
	case 0x75, 0x185:
		in.fn = opJne32
	}
	switch {
	case in.op >= 0x40 && in.op <= 0x47:
		in.fn = opIncR32
	case in.op >= 0x48 && in.op <= 0x4F:
		in.fn = opDecR32
	case in.op >= 0x50 && in.op <= 0x57:
		in.fn = opPushR32
	case in.op >= 0x58 && in.op <= 0x5F:
		in.fn = opPopR32
	case in.op >= 0xB8 && in.op <= 0xBF:
		in.fn = opMovRI32
	case in.op >= 0x70 && in.op <= 0x7F && in.op != 0x74 && in.op != 0x75,
		in.op >= 0x180 && in.op <= 0x18F && in.op != 0x184 && in.op != 0x185:
		in.fn = opJcc32
	}
}
