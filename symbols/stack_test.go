package symbols

import (
	"reflect"
	"strings"
	"testing"
)

func TestBacktrace(t *testing.T) {
	// mem maps word addresses to values; other addresses are unreadable.
	type mem map[uint32]uint32
	cases := []struct {
		name     string
		mem      mem
		eip, ebp uint32
		max      int
		want     []uint32
	}{
		{"chain ending at ebp 0", mem{0x1000: 0x1010, 0x1004: 0xa1, 0x1010: 0, 0x1014: 0xa2}, 0xa0, 0x1000, 10, []uint32{0xa0, 0xa1, 0xa2}},
		{"zero return address", mem{0x1000: 0x1010, 0x1004: 0xa1, 0x1010: 0x1020, 0x1014: 0}, 0xa0, 0x1000, 10, []uint32{0xa0, 0xa1}},
		{"frame pointer going down", mem{0x1000: 0x0ff0, 0x1004: 0xa1, 0x0ff0: 0x2000, 0x0ff4: 0xa2}, 0xa0, 0x1000, 10, []uint32{0xa0, 0xa1}},
		{"frame pointer looping", mem{0x1000: 0x1000, 0x1004: 0xa1}, 0xa0, 0x1000, 10, []uint32{0xa0, 0xa1}},
		{"unaligned frame pointer", mem{0x1000: 0x1012, 0x1004: 0xa1, 0x1012: 0, 0x1016: 0xa2}, 0xa0, 0x1000, 10, []uint32{0xa0, 0xa1}},
		{"unreadable frame", mem{0x1000: 0x5000, 0x1004: 0xa1}, 0xa0, 0x1000, 10, []uint32{0xa0, 0xa1}},
		{"max frames", mem{0x1000: 0x1010, 0x1004: 0xa1, 0x1010: 0x1020, 0x1014: 0xa2, 0x1020: 0, 0x1024: 0xa3}, 0xa0, 0x1000, 3, []uint32{0xa0, 0xa1, 0xa2}},
		{"ebp 0", mem{}, 0xa0, 0, 10, []uint32{0xa0}},
		{"top of memory", mem{}, 0xa0, 0xfffffffc, 10, []uint32{0xa0}},
		{"eip 0", mem{}, 0, 0x1000, 10, nil},
		{"max 0", mem{}, 0xa0, 0x1000, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			read := func(va uint32) (uint32, bool) {
				v, ok := c.mem[va]
				return v, ok
			}
			if got := Backtrace(read, c.eip, c.ebp, c.max); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Backtrace = %#x, want %#x", got, c.want)
			}
		})
	}
}

func TestFormatStack(t *testing.T) {
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			tab, _ := openKernel(t, k.build)
			sleep := mustAddr(t, tab, "sleep")
			sysLink := mustAddr(t, tab, "sys_link")
			pcs := []uint32{sleep + 5, sysLink + 0x20, 0x10}
			got := tab.FormatStack(pcs)
			lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
			if len(lines) != 3 ||
				!strings.HasPrefix(lines[0], "#0 0x") || !strings.Contains(lines[0], " sleep+0x5 ("+k.file("proc.c")+":") ||
				!strings.Contains(lines[1], " sys_link+0x20 ("+k.file("sysfile.c")+":") ||
				lines[2] != "#2 0x00000010 0x00000010" {
				t.Errorf("FormatStack:\n%s", got)
			}
			if got, want := tab.ShortStack([]uint32{sleep + 5, sysLink + 0x20}), "sleep <- sys_link"; got != want {
				t.Errorf("ShortStack = %q, want %q", got, want)
			}
			// pcs[0] is exact; a return address is looked up one byte back.
			if got := tab.ShortStack([]uint32{sysLink, sysLink}); !strings.HasPrefix(got, "sys_link <- ") || got == "sys_link <- sys_link" {
				t.Errorf("ShortStack = %q, want sys_link <- (what precedes sys_link)", got)
			}
		})
	}
}

func TestKernelReaderAndWords(t *testing.T) {
	ram := []byte{0: 0x78, 1: 0x56, 2: 0x34, 3: 0x12, 4: 0xaa, 7: 0}
	words := Words(KernelReader(ram))
	cases := []struct {
		va   uint32
		want uint32
		ok   bool
	}{
		{KernBase, 0x12345678, true},
		{KernBase + 4, 0xaa, true},
		{KernBase + 5, 0, false}, // runs past the end of RAM
		{0x1000, 0, false},       // user address
		{0xfffffffe, 0, false},
	}
	for _, c := range cases {
		if got, ok := words(c.va); got != c.want || ok != c.ok {
			t.Errorf("word at %#x = %#x, %v, want %#x, %v", c.va, got, ok, c.want, c.ok)
		}
	}
}
