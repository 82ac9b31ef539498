package harness

import (
	"strings"
	"testing"
)

func TestParseScript(t *testing.T) {
	src := `# boot and list
smp 2
memory 64
timeout 3s
expect "$ "
sendline ls
expect /README +2 +\d+/
send "echo hi\n"
expect hi there
`
	s, err := ParseScript("t.script", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.CPUs != 2 || s.MemoryMB != 64 {
		t.Errorf("CPUs, MemoryMB = %d, %d; want 2, 64", s.CPUs, s.MemoryMB)
	}
	want := []struct{ op, text string }{
		{"timeout", ""}, {"expect", "$ "}, {"send", "ls\n"}, {"expect-re", `/README +2 +\d+/`},
		{"send", "echo hi\n"}, {"expect", "hi there"},
	}
	if len(s.Steps) != len(want) {
		t.Fatalf("%d steps, want %d: %+v", len(s.Steps), len(want), s.Steps)
	}
	for i, w := range want {
		if st := s.Steps[i]; st.Op != w.op || st.Text != w.text {
			t.Errorf("step %d = %s %q, want %s %q", i, st.Op, st.Text, w.op, w.text)
		}
	}
	if s.Steps[0].Timeout != 3*Second {
		t.Errorf("timeout = %d, want %d", s.Steps[0].Timeout, 3*Second)
	}
	if s.Steps[3].Line != 7 {
		t.Errorf("line of step 3 = %d, want 7", s.Steps[3].Line)
	}
}

func TestParseScriptErrors(t *testing.T) {
	for _, src := range []string{
		"frobnicate x",
		"timeout soon",
		"timeout -1s",
		"expect",
		"expect /(/",
		`send "unterminated`,
		"smp two",
		"expect x\nsmp 2",
	} {
		_, err := ParseScript("bad.script", strings.NewReader(src))
		if err == nil {
			t.Errorf("%q: no error", src)
			continue
		}
		if !strings.HasPrefix(err.Error(), "bad.script:") {
			t.Errorf("%q: error %q does not name the file and line", src, err)
		}
	}
}

func TestFailureCarriesTranscript(t *testing.T) {
	f := &Failure{Want: `"$ "`, Reason: "the machine stopped: triple fault", Transcript: "xv6...\npanic: boom\n"}
	msg := f.Error()
	for _, want := range []string{`"$ "`, "triple fault", "panic: boom"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

func TestMemDiskBounds(t *testing.T) {
	img := make([]byte, 1024)
	d := NewMemDisk(img)
	if _, err := d.WriteAt([]byte{1}, 1024); err == nil {
		t.Error("write past the end succeeded")
	}
	if _, err := d.WriteAt([]byte{7}, 5); err != nil {
		t.Fatal(err)
	}
	if img[5] != 0 {
		t.Error("MemDisk wrote through to the caller's bytes")
	}
	if d.Bytes()[5] != 7 || d.Size() != 1024 {
		t.Error("write lost or size wrong")
	}
}

func TestParseScriptBOMAndCRLF(t *testing.T) {
	s, err := ParseScript("bom.script", strings.NewReader("\ufeffexpect \"$ \"\r\nsendline echo hi\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Steps) != 2 || s.Steps[0].Text != "$ " || s.Steps[1].Text != "echo hi\n" {
		t.Errorf("steps = %+v", s.Steps)
	}
}

func TestTranscriptTrim(t *testing.T) {
	var tr transcript
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = 'A'
	}
	mark := 0
	for i := 0; i < 20; i++ {
		tr.Write(chunk)
		mark = len(tr.buf) - 10
		mark -= tr.trim(mark)
		if len(tr.buf) > maxKeep {
			t.Fatalf("transcript grew to %d bytes", len(tr.buf))
		}
	}
	if tr.dropped+int64(len(tr.buf)) != 20<<20 {
		t.Errorf("dropped %d + kept %d != written %d", tr.dropped, len(tr.buf), 20<<20)
	}
	if mark != len(tr.buf)-10 {
		t.Errorf("mark %d not kept relative to the end (len %d)", mark, len(tr.buf))
	}
	f := &Failure{Want: "x", Reason: "r", Transcript: string(tr.buf)}
	if msg := f.Error(); len(msg) > failTail+1000 || !strings.Contains(msg, "bytes omitted") {
		t.Errorf("failure message of %d bytes, omitted marker: %v", len(msg), strings.Contains(msg, "bytes omitted"))
	}
}
