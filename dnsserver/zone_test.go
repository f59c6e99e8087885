package dnsserver

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/siplocate/siplocate/internal/zonefile"
)

const zoneHead = `$ORIGIN example.com.
$TTL 3600
@ SOA ns1 hostmaster 1 3600 900 604800 300
  NS ns1
ns1 A 192.0.2.53
`

func writeZone(t testing.TB, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadZoneErrors(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		include string // text of inc.zone beside the zone
		err     error  // a CheckError reason; nil: a *dns.ParseError
		file    string // base name of the file at fault
		line    int
	}{
		{name: "syntax", text: zoneHead + "sip1 A 192.0.2.300\n", file: "db.zone", line: 6},
		{name: "no SOA", text: "$ORIGIN example.com.\nns1 3600 A 192.0.2.53\n", err: ErrNoSOA, file: "db.zone", line: 2},
		{name: "empty file", text: "", err: ErrNoSOA, file: "db.zone", line: 1},
		{name: "SOA below the apex", text: zoneHead + "sub SOA ns1 hostmaster 2 3600 900 604800 300\n", err: ErrSOANotAtApex, file: "db.zone", line: 6},
		{name: "two SOA", text: zoneHead + "\n@ SOA ns1 hostmaster 2 3600 900 604800 300\n", err: ErrManySOA, file: "db.zone", line: 7},
		{name: "no NS at apex", text: "$ORIGIN example.com.\n$TTL 60\n@ SOA ns1 hostmaster 1 3600 900 604800 300\n", err: ErrNoApexNS, file: "db.zone", line: 3},
		{name: "record outside the zone", text: zoneHead + "sip.example.net. A 192.0.2.1\n", err: ErrOutOfZone, file: "db.zone", line: 6},
		{name: "CNAME and other data", text: zoneHead + "www A 192.0.2.1\nwww CNAME ns1 ; here\n", err: ErrCNAMEAndMore, file: "db.zone", line: 7},
		{name: "CNAME at the apex", text: zoneHead + "@ CNAME www.example.net.\n", err: ErrCNAMEAndMore, file: "db.zone", line: 6},
		{name: "two CNAMEs", text: zoneHead + "www CNAME ns1\n\nwww CNAME sip\n", err: ErrCNAMEAndMore, file: "db.zone", line: 8},
		{name: "class CH", text: zoneHead + "txt CH TXT \"x\"\n", err: ErrClass, file: "db.zone", line: 6},
		{
			name:    "fault in an included file",
			text:    zoneHead + "$INCLUDE inc.zone\n",
			include: "; SIP\nsip1 A 192.0.2.13\nsip1 CNAME www\n",
			err:     ErrCNAMEAndMore, file: "inc.zone", line: 3,
		},
		{
			name:    "syntax in an included file",
			text:    zoneHead + "$INCLUDE inc.zone\n",
			include: "sip1 A 192.0.2.13\n\nsip2 A nonsense\n",
			file:    "inc.zone", line: 3,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeZone(t, dir, "db.zone", tc.text)
			if tc.include != "" {
				writeZone(t, dir, "inc.zone", tc.include)
			}
			_, err := LoadZone(path, "")
			checkLoadError(t, err, tc.err, tc.file, tc.line)
		})
	}
}

func checkLoadError(t *testing.T, err, reason error, file string, line int) {
	t.Helper()
	if err == nil {
		t.Fatal("zone loaded, want an error")
	}
	var ce *CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v, want a *CheckError", err)
	}
	if filepath.Base(ce.File) != file || ce.Line != line {
		t.Errorf("error at %s:%d, want %s:%d (%v)", ce.File, ce.Line, file, line, err)
	}
	if reason == nil {
		var pe *dns.ParseError
		if !errors.As(err, &pe) || ce.Rule != "syntax" {
			t.Errorf("error %v (rule %q), want a syntax error wrapping a *dns.ParseError", err, ce.Rule)
		}
		return
	}
	if !errors.Is(err, reason) {
		t.Errorf("error %v, want %v", err, reason)
	}
}

func TestLoadZoneSyntax(t *testing.T) {
	dir := t.TempDir()
	writeZone(t, dir, "inc.zone", "sip2 A 192.0.2.12 ; relative to the $ORIGIN in force\n")
	path := writeZone(t, dir, "db.zone", `$ORIGIN Example.COM.
$TTL 1h
@ IN SOA ns1 hostmaster (
      42    ; serial
      3600 900 604800
      300 )
  NS ns1
ns1 A 192.0.2.53
$INCLUDE inc.zone
$ORIGIN sip.example.com.
$TTL 60
_sip._udp SRV 10 60 5060 sip2.example.com.
txt TXT "a" "b"
4.2.0.192.in-addr.arpa.example.com. PTR ns1.example.com.
`)
	z, err := LoadZone(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if z.Origin != "example.com." || z.SOA.Serial != 42 || z.SOA.Minttl != 300 || z.Len() != 7 {
		t.Errorf("origin %s serial %d minimum %d records %d; want example.com. 42 300 7", z.Origin, z.SOA.Serial, z.SOA.Minttl, z.Len())
	}
	res, ans, _ := z.Lookup("_sip._udp.sip.example.com.", dns.TypeSRV)
	if res != Success || len(ans) != 1 || ans[0].Header().Ttl != 60 {
		t.Errorf("lookup %v %v, want one SRV with TTL 60", res, ans)
	}
	if res, _, _ := z.Lookup("sip2.example.com.", dns.TypeA); res != Success {
		t.Errorf("record from $INCLUDE: %v, want found", res)
	}
	if len(z.Files) != 2 || filepath.Base(z.Files[1]) != "inc.zone" {
		t.Errorf("files %v, want the zone and inc.zone", z.Files)
	}
}

func TestParseZoneRefusesInclude(t *testing.T) {
	_, err := ParseZone(strings.NewReader(zoneHead+"$INCLUDE /etc/passwd\n"), "z", "")
	if err == nil || !strings.Contains(err.Error(), "not allowed") {
		t.Fatalf("error %v, want $INCLUDE refused", err)
	}
}

// TestLoadZoneLargeRRsets loads RRsets of 65,535 records, which took
// minutes when each record was compared with its whole RRset (for
// duplicates) and with every CNAME at its name (for the CNAME rule).
func TestLoadZoneLargeRRsets(t *testing.T) {
	z, err := ParseZone(strings.NewReader(zoneHead+"$GENERATE 1-65535 big TXT $\n$GENERATE 1-65535 same TXT x\n"), "big.zone", "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := z.Len(), 3+65535+1; got != want {
		t.Errorf("records %d, want %d: 65,535 distinct TXT and one of 65,535 copies", got, want)
	}
	_, err = ParseZone(strings.NewReader(zoneHead+"$GENERATE 1-65535 alias CNAME t$\n"), "big.zone", "")
	checkLoadError(t, err, ErrCNAMEAndMore, "big.zone", 6)
}

// TestZoneFindings checks that a zone that loads carries what `dns check`
// says about it, and that loading logs the zone, then each finding.
func TestZoneFindings(t *testing.T) {
	z, err := ParseZone(strings.NewReader(zoneHead+"_sip._udp 10 SRV 10 0 5060 nowhere\n"), "f.zone", "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range z.Findings {
		got = append(got, fmt.Sprintf("%d %s %s", f.Line, f.Severity, f.Check))
	}
	if want := []string{"6 error srv-target-no-address", "6 warning ttl-low"}; !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
	rec := newRecordHandler()
	z.logLoaded(slog.New(rec))
	var logged []string
	for _, r := range *rec.records {
		logged = append(logged, r.Level.String()+" "+r.Message)
	}
	want := []string{"INFO serving example.com serial 1, 4 records", "WARN zone check: error", "WARN zone check: warning"}
	if !slices.Equal(logged, want) {
		t.Errorf("logged %q, want %q", logged, want)
	}
}

// TestZoneKeepsParsedRecords checks that a zone holds the records as the
// reader parsed them, without changing them: an owner written in upper
// case is served in lower case from a copy, and the check, which runs
// beside the indexing, still sees the file's spelling (go test -race
// catches a write to a record both read).
func TestZoneKeepsParsedRecords(t *testing.T) {
	f, err := zonefile.Parse(strings.NewReader(zoneHead+"SIP1 A 192.0.2.1\nsip2 A 192.0.2.2\n_sip._udp SRV 10 0 5060 Nowhere\n"), "k.zone", "")
	if err != nil {
		t.Fatal(err)
	}
	z, err := buildZone(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Records[3].RR.Header().Name; got != "SIP1.example.com." {
		t.Errorf("the file's record now has owner %q, want SIP1.example.com. as written", got)
	}
	up, low := z.node("sip1.example.com."), z.node("sip2.example.com.")
	if up == nil || low == nil || up.rrs[0].Header().Name != "sip1.example.com." {
		t.Fatalf("nodes %v %v, want sip1 in lower case", up, low)
	}
	if up.rrs[0] == f.Records[3].RR || low.rrs[0] != f.Records[4].RR {
		t.Errorf("want sip1's record copied (its owner lower-cased) and sip2's kept as parsed")
	}
	if len(z.Findings) == 0 || z.Findings[0].Check != "srv-target-no-address" {
		t.Errorf("findings %v, want srv-target-no-address first", z.Findings)
	}
}
