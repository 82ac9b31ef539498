package qa

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"gemu/harness"
)

// TestConsoleFloodStaysBounded (QA-L4): a kernel that writes COM1 in a tight loop
// produces hundreds of MB per virtual second. A session must keep a bounded transcript
// and a failed expect must report a bounded tail, so grading such a kernel cannot eat
// the host's memory.
func TestConsoleFloodStaysBounded(t *testing.T) {
	// mov dx,0x3f8; mov al,'A'; 1: out dx,al; jmp 1b
	flood := bootSector([]byte{0xba, 0xf8, 0x03, 0xb0, 'A', 0xee, 0xeb, 0xfd})
	s, err := harness.Start(harness.Config{Kernel: flood})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.ExpectWithin("$ ", harness.Second/4)
	var f *harness.Failure
	if !errors.As(err, &f) {
		t.Fatalf("want a *harness.Failure, got %v", err)
	}
	tr := s.Transcript()
	if !strings.Contains(tr, "bytes omitted") {
		t.Fatalf("flood of a quarter virtual second kept whole (%d bytes); want it capped", len(tr))
	}
	if len(tr) > 5<<20 {
		t.Errorf("transcript holds %d bytes; want at most about 4 MB", len(tr))
	}
	if n := len(err.Error()); n > 128<<10 {
		t.Errorf("failure message is %d bytes; want a bounded tail", n)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > 512<<20 {
		t.Errorf("heap in use %d MB after the flood; want it bounded", ms.HeapAlloc>>20)
	}
}
