package gdbstub

import (
	"fmt"
	"strings"
)

// regNames are the register names of the target description, in gdb's i386 numbering.
var regNames = [totalRegs]string{
	"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
	"eip", "eflags", "cs", "ss", "ds", "es", "fs", "gs",
	"st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7",
	"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop",
}

// eflagsFields are the EFLAGS bits gdb names when it prints eflags.
var eflagsFields = []struct {
	name string
	bit  int
}{
	{"CF", 0}, {"PF", 2}, {"AF", 4}, {"ZF", 6}, {"SF", 7}, {"TF", 8}, {"IF", 9}, {"DF", 10},
	{"OF", 11}, {"NT", 14}, {"RF", 16}, {"VM", 17}, {"AC", 18}, {"VIF", 19}, {"VIP", 20}, {"ID", 21},
}

// targetXML is the target description: gdb's i386 core feature (its validator requires
// the 16 general registers and the 16 x87 ones, by these names and in this order).
var targetXML = buildTargetXML()

func buildTargetXML() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>` + "\n")
	b.WriteString(`<!DOCTYPE target SYSTEM "gdb-target.dtd">` + "\n")
	b.WriteString("<target version=\"1.0\">\n<architecture>i386</architecture>\n")
	b.WriteString("<feature name=\"org.gnu.gdb.i386.core\">\n")
	b.WriteString("<flags id=\"i386_eflags\" size=\"4\">\n")
	for _, f := range eflagsFields {
		fmt.Fprintf(&b, "<field name=%q start=\"%d\" end=\"%d\"/>\n", f.name, f.bit, f.bit)
	}
	b.WriteString("</flags>\n")
	for i, n := range regNames {
		typ, group := "int32", ""
		switch {
		case n == "esp" || n == "ebp":
			typ = "data_ptr"
		case n == "eip":
			typ = "code_ptr"
		case n == "eflags":
			typ = "i386_eflags"
		case i >= NumRegs && i < NumRegs+numX87Ext:
			typ = "i387_ext"
		case i >= NumRegs+numX87Ext:
			typ, group = "int", ` group="float"`
		}
		size := 32
		if typ == "i387_ext" {
			size = 80
		}
		fmt.Fprintf(&b, "<reg name=%q bitsize=\"%d\" type=%q regnum=\"%d\"%s/>\n", n, size, typ, i, group)
	}
	b.WriteString("</feature>\n</target>\n")
	return b.String()
}
