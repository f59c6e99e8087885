package zonecheck

import (
	"bytes"
	"errors"
	"testing"
	"testing/fstest"
)

// FuzzCheck feeds arbitrary zone text to CheckFS: it must not panic, must
// fail only with a *ParseError, and must tie every finding to a line that
// exists in its file.
func FuzzCheck(f *testing.F) {
	f.Add(head + `@ NAPTR 10 50 "S" "SIP+D2U" "" _sip._udp` + "\n_sip._udp SRV 10 0 5060 sip1\nsip1 A 192.0.2.1\n")
	f.Add(head + "$INCLUDE inc.zone\n_sip._tcp SRV 10 0 5060 .\n")
	f.Add("$GENERATE 1-3 h$ A 192.0.2.$\n")
	fsys := fstest.MapFS{"inc.zone": {Data: []byte("_sip._tcp SRV 10 5 5060 x\n")}}
	f.Fuzz(func(t *testing.T, zone string) {
		files := fstest.MapFS{"z.zone": {Data: []byte(zone)}, "inc.zone": fsys["inc.zone"]}
		rep, err := CheckFS(files, "z.zone", "example.com.")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			return
		}
		for _, fd := range rep.Findings {
			lines := bytes.Count(files[fd.File].Data, []byte("\n")) + 1
			if fd.Line < 1 || fd.Line > lines || (fd.Severity != Error && fd.Severity != Warning) {
				t.Fatalf("finding %v: line outside 1..%d or bad severity", fd, lines)
			}
		}
	})
}
