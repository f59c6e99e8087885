package zonefile

import (
	"bytes"
	"errors"
	"testing"
	"testing/fstest"
)

// FuzzRead feeds arbitrary zone text to ReadFS and Faults: no panic, a
// failure is an *Error, and every record and fault points at a line that
// exists in a file that was read.
func FuzzRead(f *testing.F) {
	f.Add("$ORIGIN example.com.\n$TTL 60\n@ SOA ns1 h 1 2 3 4 5\n NS ns1\nns1 A 192.0.2.1\n")
	f.Add("$ORIGIN example.com.\n@ 60 SOA ns1 h 1 2 3 4 5\n$INCLUDE inc.zone\nwww CNAME x\nwww TXT y\n")
	f.Add("x.example.com. 60 CH TXT z\n")
	fsys := fstest.MapFS{"inc.zone": {Data: []byte("; inc\nsip 60 A 192.0.2.2\nsip CNAME www\n")}}
	f.Fuzz(func(t *testing.T, text string) {
		files := fstest.MapFS{"z.zone": {Data: []byte(text)}, "inc.zone": fsys["inc.zone"]}
		zf, err := ReadFS(files, "z.zone", "")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			checkPlace(t, files, e.File, e.Line, true)
			return
		}
		for _, r := range zf.Records {
			checkPlace(t, files, r.File, r.Line, false)
		}
		for _, e := range zf.Faults() {
			checkPlace(t, files, e.File, e.Line, false)
			if e.Rule == "" || e.Err == nil {
				t.Fatalf("fault %v has no rule or reason", e)
			}
		}
	})
}

// checkPlace fails unless file was read and has line (0 allowed when
// noLine: the file could not be read).
func checkPlace(t *testing.T, files fstest.MapFS, file string, line int, noLine bool) {
	t.Helper()
	f, ok := files[file]
	if !ok {
		t.Fatalf("place %s:%d names no file that was read", file, line)
	}
	lines := bytes.Count(f.Data, []byte("\n")) + 1
	if line > lines || line < 1 && !(noLine && line == 0) {
		t.Fatalf("place %s:%d is outside lines 1..%d", file, line, lines)
	}
}
