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

func TestParseScriptComments(t *testing.T) {
	for _, tc := range []struct{ line, op, text string }{
		{"timeout 10s          # virtual time", "timeout", ""},
		{"expect $ # the prompt", "expect", "$"},
		{"expect $ ", "expect", "$ "}, // no comment: trailing blanks are kept
		{`expect "$ "   # the prompt`, "expect", "$ "},
		{`expect "a # b"`, "expect", "a # b"},
		{`expect "say \"#\" # x" # y`, "expect", `say "#" # x`},
		{"expect a#b", "expect", "a#b"},
		{"expect /x # y/", "expect-re", "/x # y/"},
		{"expect /x # y/\t# comment", "expect-re", "/x # y/"},
		{`expect /a\/b/ # slash`, "expect-re", `/a\/b/`},
		{"sendline echo a#b", "send", "echo a#b\n"},
		{"sendline echo a # b", "send", "echo a\n"},
		{`sendline echo "a # b" # c`, "send", "echo \"a # b\"\n"},
		{`send "x # y\n" # z`, "send", "x # y\n"},
		{"send\tls", "send", "ls"},
		{"  # indented comment\nexpect x", "expect", "x"},
	} {
		s, err := ParseScript("c.script", strings.NewReader(tc.line))
		if err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		if len(s.Steps) != 1 {
			t.Errorf("%q: %d steps, want 1", tc.line, len(s.Steps))
			continue
		}
		if st := s.Steps[0]; st.Op != tc.op || (tc.op != "timeout" && st.Text != tc.text) {
			t.Errorf("%q: step %s %q, want %s %q", tc.line, st.Op, st.Text, tc.op, tc.text)
		}
	}
	if s, err := ParseScript("c.script", strings.NewReader("smp 2 # two\nmemory 64\t# MB\n")); err != nil || s.CPUs != 2 || s.MemoryMB != 64 {
		t.Errorf("smp/memory with comments: %+v, %v", s, err)
	}
	for _, bad := range []string{"expect # only a comment", "expect /a/b/", "expect /a/# no blank", "expect /open"} {
		if _, err := ParseScript("c.script", strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseScriptSnapshots(t *testing.T) {
	s, err := ParseScript("t.script", strings.NewReader("loadvm prompt # from the prompt\nsendline ls\nsave after-ls\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.LoadVM != "prompt" {
		t.Errorf("LoadVM = %q, want prompt", s.LoadVM)
	}
	if len(s.Steps) != 2 || s.Steps[1].Op != "save" || s.Steps[1].Text != "after-ls" {
		t.Errorf("steps %+v, want a send and save after-ls", s.Steps)
	}
	for _, src := range []string{"loadvm", "save", "save a b", "loadvm a b", "sendline ls\nloadvm p"} {
		if _, err := ParseScript("bad.script", strings.NewReader(src)); err == nil || !strings.Contains(err.Error(), "bad.script:") {
			t.Errorf("%q: error %v, want one naming the line", src, err)
		}
	}
}

// A script saves the prompt, and two others start from it: each sees the state saved
// (the file made before the save), not what the other did, and booting is skipped.
func TestScriptSaveAndLoadVM(t *testing.T) {
	store := &DirStore{Dir: t.TempDir()}
	defer store.Close()
	cfg := Config{Snapshots: store, CPUs: 2}
	parse := func(src string) *Script {
		s, err := ParseScript("s", strings.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	run := func(sc *Script) string {
		s, err := sc.Start(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := sc.Run(s); err != nil {
			t.Fatal(err)
		}
		return s.Transcript()
	}
	run(parse("expect \"$ \"\nsendline echo a > saved\nexpect \"$ \"\nsave prompt\n"))
	for i := 0; i < 2; i++ {
		tr := run(parse("loadvm prompt\nsendline ls\nexpect \"console\"\nexpect \"$ \"\nsendline echo b > other\nexpect \"$ \"\n"))
		if strings.Contains(tr, "init: starting sh") || !strings.Contains(tr, "saved") || strings.Contains(tr, "other  ") {
			t.Fatalf("run %d from the snapshot:\n%s", i, tr)
		}
	}
	if _, err := parse("loadvm nosuch\n").Start(cfg); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("loadvm of a missing snapshot: %v", err)
	}
}
