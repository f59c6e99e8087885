package zonecheck_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siplocate/siplocate/dnsserver"
	"github.com/siplocate/siplocate/zonecheck"
)

// zoneFiles returns every zone file (*.zone) in the testdata directories of
// dnsserver, zonecheck and cmd/siplocate, subdirectories included.
func zoneFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{"../dnsserver/testdata", "testdata", "../cmd/siplocate/testdata"} {
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && filepath.Ext(p) == ".zone" {
				files = append(files, p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) < 10 {
		t.Fatalf("found %d zone files, want the testdata ones", len(files))
	}
	return files
}

// fault is a reason to refuse a zone file: where, and in which words.
type fault struct {
	file   string // absolute
	line   int
	reason string
}

// serveFault returns why dnsserver refuses the file.
func serveFault(t *testing.T, err error) fault {
	t.Helper()
	var ce *dnsserver.CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("dns serve refuses with %v (%T), not a *CheckError", err, err)
	}
	return fault{file: abs(t, ce.File), line: ce.Line, reason: ce.Err.Error()}
}

// checkErrors returns the errors zonecheck reports about the file.
func checkErrors(t *testing.T, path string) []fault {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := zonecheck.Check(f, path, "")
	var pe *zonecheck.ParseError
	if errors.As(err, &pe) {
		return []fault{{file: abs(t, pe.File), line: pe.Line, reason: pe.Err.Error()}}
	}
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	var out []fault
	for _, fd := range rep.Findings {
		if fd.Severity == zonecheck.Error {
			out = append(out, fault{file: abs(t, fd.File), line: fd.Line, reason: fd.Message})
		}
	}
	return out
}

func abs(t *testing.T, path string) string {
	t.Helper()
	a, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestServeRefusalIsCheckError checks the rule between `dns serve` and
// `dns check` on every zone file in testdata: a file that check passes
// without errors loads, and the reason serve refuses a file is one of
// check's errors, at the same file and line, in the same words.
func TestServeRefusalIsCheckError(t *testing.T) {
	for _, path := range zoneFiles(t) {
		t.Run(path, func(t *testing.T) {
			_, err := dnsserver.LoadZone(path, "")
			errs := checkErrors(t, path)
			if err == nil {
				return
			}
			if len(errs) == 0 {
				t.Fatalf("dns check passes %s without errors, dns serve refuses it: %v", path, err)
			}
			want := serveFault(t, err)
			for _, got := range errs {
				if got == want {
					return
				}
			}
			t.Errorf("dns serve refuses %s:%d: %s\ndns check has no such error; it has %+v", want.file, want.line, want.reason, errs)
		})
	}
}

// FuzzServeAgreesWithCheck holds the rule of TestServeRefusalIsCheckError
// for arbitrary zone text without $INCLUDE (ParseZone refuses it, Check
// reads it from the disk).
func FuzzServeAgreesWithCheck(f *testing.F) {
	f.Add("$ORIGIN example.com.\n$TTL 60\n@ SOA ns1 h 1 2 3 4 5\n NS ns1\nns1 A 192.0.2.1\nwww CNAME ns1\nwww A 192.0.2.2\n")
	f.Add("$ORIGIN example.com.\n$TTL 60\n@ SOA ns1 h 1 2 3 4 5\n NS ns1\nx CH TXT y\nz.example.net. A 192.0.2.1\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		if strings.Contains(strings.ToUpper(text), "$INCLUDE") {
			return
		}
		_, serr := dnsserver.ParseZone(strings.NewReader(text), "f.zone", "example.com.")
		rep, cerr := zonecheck.Check(strings.NewReader(text), "f.zone", "example.com.")
		if serr == nil {
			return
		}
		want := serveFault(t, serr)
		if cerr != nil {
			if got := serveFault(t, cerr); got != want {
				t.Fatalf("serve refuses with %+v, check with %+v", want, got)
			}
			return
		}
		for _, fd := range rep.Findings {
			if fd.Severity == zonecheck.Error && (fault{file: abs(t, fd.File), line: fd.Line, reason: fd.Message}) == want {
				return
			}
		}
		t.Fatalf("serve refuses with %+v; check's findings %v", want, rep.Findings)
	})
}
