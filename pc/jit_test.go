package pc

import (
	"bytes"
	"context"
	"testing"

	"gemu/ide"
	"gemu/images"
)

// TestXv6JITMatchesInterpreter runs xv6 on two machines in lockstep, one translating hot code
// (the default) and one interpreting everything, through boot and a session with two CPUs.
// After every 1 ms of virtual time both must have retired the same instructions and hold the
// same registers, flags and RAM; at the end the transcripts must be equal.
func TestXv6JITMatchesInterpreter(t *testing.T) {
	var ms [2]*Machine
	var outs [2]*bytes.Buffer
	for i := range ms {
		outs[i] = &bytes.Buffer{}
		m, err := New(Config{CPUs: 2, NoJIT: i == 0, Serial: outs[i],
			Disks: [2]ide.Disk{append(memDisk(nil), images.Kernel...), append(memDisk(nil), images.FS...)}})
		if err != nil {
			t.Fatal(err)
		}
		ms[i] = m
	}
	script := []string{"ls", "echo hi > f", "cat f", "usertests createdelete"}
	const step = 1_000_000
	for n := 0; n < 20_000; n++ {
		if bytes.HasSuffix(outs[0].Bytes(), []byte("$ ")) {
			if len(script) == 0 {
				break
			}
			for _, m := range ms {
				m.SendSerial([]byte(script[0] + "\n"))
			}
			script = script[1:]
		}
		for _, m := range ms {
			if _, done, err := m.RunFor(context.Background(), step); err != nil || done {
				t.Fatalf("machine stopped (err %v); output:\n%s", err, outs[0])
			}
		}
		for i, a := range ms[0].CPUs() {
			b := ms[1].CPUs()[i]
			if a.Reg != b.Reg || a.EIP != b.EIP || a.Retired != b.Retired || a.Flags() != b.Flags() {
				t.Fatalf("after %d ms, cpu%d differs:\ninterpreter %08x EIP %08x retired %d flags %x\ntranslated  %08x EIP %08x retired %d flags %x",
					n+1, i, a.Reg, a.EIP, a.Retired, a.Flags(), b.Reg, b.EIP, b.Retired, b.Flags())
			}
		}
		if !bytes.Equal(ms[0].RAM(), ms[1].RAM()) {
			t.Fatalf("after %d ms the RAM differs", n+1)
		}
	}
	if len(script) != 0 {
		t.Fatalf("session did not finish; output:\n%s", outs[0])
	}
	if outs[0].String() != outs[1].String() {
		t.Fatalf("transcripts differ:\n%s\n----\n%s", outs[0], outs[1])
	}
	if !bytes.Contains(outs[0].Bytes(), []byte("ALL TESTS PASSED")) {
		t.Fatalf("usertests did not pass:\n%s", outs[0])
	}
}
