package gdbstub

import (
	"bufio"
	"bytes"
	"context"
	"strings"
	"testing"
)

// FuzzPackets feeds arbitrary client bytes through the framing layer and every packet
// handler: nothing may panic, hang or leave the machine running, and every reply must
// survive framing unchanged. Seeds live in testdata/fuzz/FuzzPackets.
func FuzzPackets(f *testing.F) {
	for _, s := range []string{
		"$qSupported:multiprocess+#c8", "+$g#67", "$m1000,4#xx", "\x03$?#3f-",
		"$X1000,2:}\x03}]#00", "$vCont;s:1;c#00", "$Z2,1800,4#00$z2,1800,4#00",
		"$qXfer:features:read:target.xml:0,ffff#00", "$$$###", "$P8=00200000#00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		tgt := newFake(2)
		s := New(tgt, false)
		r := bufio.NewReader(bytes.NewReader(in))
		for i := 0; i < 64; i++ {
			ev, err := readEvent(r)
			if err != nil {
				break
			}
			if ev.kind != evPacket {
				continue
			}
			rep, _ := s.handlePacket(ev.data)
			if s.running {
				tgt.Pause()
				s.waitStop()
			}
			if rep == nil {
				continue
			}
			back, err := readEvent(bufio.NewReader(bytes.NewReader(frame([]byte(*rep)))))
			if err != nil || back.kind != evPacket {
				t.Fatalf("reply %q does not reframe: %v", *rep, err)
			}
			if un, err := unescapeBinary(back.data); err != nil || string(un) != *rep {
				t.Fatalf("reply %q reframed as %q", *rep, un)
			}
		}
	})
}

// FuzzPacketsMachine is FuzzPackets against a MachineTarget over real x86 CPUs (1 MB of
// RAM, state as at power-on): registers, segment loads, memory at any address and
// breakpoints go to the CPU's debugger API, which must take any value without panicking.
func FuzzPacketsMachine(f *testing.F) {
	for _, s := range []string{
		"$G" + strings.Repeat("ffffffff", 16) + "#00", "$P0a=ffff0000#00$P0b=1f000000#00",
		"$mfffffff0,40#00", "$Mffffffff,2:abcd#00", "$Z4,fffffffe,4#00$z4,fffffffe,4#00",
		"$s#00$vCont;s:2#00", "$qRcmd,696e666f206d656d#00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		b, _ := newScriptBoard()
		tg := NewMachineTarget(b)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { _ = tg.Loop(ctx, false) }()
		s := New(tg, false)
		r := bufio.NewReader(bytes.NewReader(in))
		for i := 0; i < 64; i++ {
			ev, err := readEvent(r)
			if err != nil {
				break
			}
			if ev.kind != evPacket {
				continue
			}
			s.handlePacket(ev.data)
			if s.running {
				tg.Pause()
				s.waitStop()
			}
			if s.exited {
				break
			}
		}
	})
}
