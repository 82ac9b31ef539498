// boot_test is an external test: it boots a machine, and the machine (pc) imports
// symbols.
package symbols_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gemu/harness"
	. "gemu/symbols"
)

// TestProcsBooted boots each kernel (its own xv6.img and fs.img) to the
// shell prompt and reads the process table from the machine's RAM with the DWARF of
// the kernel: init must wait for its children and sh must read the console.
func TestProcsBooted(t *testing.T) {
	for _, k := range BootKernels() {
		t.Run(k.Name, func(t *testing.T) {
			tab, path := OpenBootKernel(t, k.Build)
			image := filepath.Join(filepath.Dir(path), k.Image)
			if got, ok := FindKernel(image); !ok || got != path {
				t.Errorf("FindKernel(%s) = %q, %v, want %s", image, got, ok, path)
			}
			disk, err := os.ReadFile(image)
			if err != nil {
				t.Fatal(err)
			}
			fs, err := os.ReadFile(filepath.Join(filepath.Dir(path), k.FS))
			if err != nil {
				t.Fatal(err)
			}
			s, err := harness.Start(harness.Config{Kernel: disk, FS: fs})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Expect("$ "); err != nil {
				t.Fatal(err)
			}
			// The prompt shows before sh's read puts it to sleep: let the guest run
			// 50 virtual milliseconds more (waiting for text that never comes).
			var f *harness.Failure
			if err := s.ExpectWithin("\x00", harness.Second/20); !errors.As(err, &f) {
				t.Fatalf("running on after the prompt: %v", err)
			}
			read := KernelReader(s.Machine().RAM())
			procs, err := tab.Procs(read)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("\n%s", tab.FormatProcs(procs))
			want := []struct {
				pid           int
				name, state   string
				chanDesc, via string // via: a function the stack must pass through
			}{
				{1, "init", "SLEEPING", "ptable.proc[0]", "wait"}, // init waits for its children
				{2, "sh", "SLEEPING", "input.r", "consoleread"},   // sh reads the console
			}
			if len(procs) != len(want) {
				t.Fatalf("%d processes, want %d", len(procs), len(want))
			}
			for i, w := range want {
				p := procs[i]
				short := tab.ShortStackRet(p.Stack, true)
				if p.PID != w.pid || p.Name != w.name || p.State != w.state || p.ChanDesc != w.chanDesc ||
					p.Killed || !strings.Contains(short, " <- "+w.via+" <- ") || !strings.HasSuffix(short, " <- trap <- alltraps") {
					t.Errorf("process %d = %+v (stack %s), want pid %d %s %s on %s through %s",
						i, p, short, w.pid, w.name, w.state, w.chanDesc, w.via)
				}
			}
		})
	}
}
