package zonecheck

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// head is an SOA that, with tail's NS record after them, passes every
// rule; cases add their records after it, from line 4 on.
const head = `$ORIGIN example.com.
$TTL 300
@ IN SOA ns1 hostmaster 1 3600 600 604800 60
`

// tail ends a zone that starts with head: the NS records a zone must have
// at its apex (RFC 1035 §5.2), with a name server outside the zone.
const tail = "@ NS ns.example.net.\n"

// summary renders findings as "LINE severity check" for comparison.
func summary(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%d %s %s", f.Line, f.Severity, f.Check))
	}
	return out
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		zone string // appended to head
		want []string
	}{
		{
			name: "guide zone is clean",
			zone: `@ NAPTR 10 50 "S" "SIP+D2U" "" _sip._udp
@ NAPTR 20 50 "s" "sip+d2t" "" _sip._tcp
_sip._udp SRV 10 0 5060 sip1
_sip._tcp SRV 20 0 5060 sip2
sip1 A 127.0.0.13
sip2 AAAA 2001:db8::12
`,
		},
		{
			name: "SRV target is an alias",
			zone: "_sip._udp SRV 10 0 5060 alias\nalias CNAME sip1\nsip1 A 192.0.2.1\n",
			want: []string{"4 error srv-target-cname"},
		},
		{
			name: "SRV target without address",
			zone: "_sip._udp SRV 10 0 5060 sip1\nsip1 TXT \"no address\"\n",
			want: []string{"4 error srv-target-no-address"},
		},
		{
			name: "SRV target covered by a wildcard",
			zone: "_sip._udp SRV 10 0 5060 sip1.pool\n*.pool A 192.0.2.1\n",
		},
		{
			name: "wildcard does not cover a name that exists",
			zone: "_sip._udp SRV 10 0 5060 sip1.pool\n*.pool A 192.0.2.1\nsip1.pool TXT \"x\"\n",
			want: []string{"4 error srv-target-no-address"},
		},
		{
			name: "wildcard does not cover below an empty non-terminal",
			zone: "_sip._udp SRV 10 0 5060 a.b.pool\n*.pool A 192.0.2.1\nc.b.pool A 192.0.2.2\n",
			want: []string{"4 error srv-target-no-address"},
		},
		{
			name: "SRV target outside the zone",
			zone: "_sip._udp SRV 10 0 5060 sip.example.org.\n",
			want: []string{"4 warning out-of-zone"},
		},
		{
			name: "SRV target below a delegation",
			zone: "_sip._udp SRV 10 0 5060 sip.sub\nsub NS ns.sub\nns.sub A 192.0.2.53\n",
			want: []string{"4 warning out-of-zone"},
		},
		{
			name: "SRV dot alone is fine",
			zone: "_sip._udp SRV 0 0 0 .\n",
		},
		{
			name: "SRV dot next to other records",
			zone: "_sip._udp SRV 0 0 0 .\n_sip._udp SRV 10 0 5060 sip1\nsip1 A 192.0.2.1\n",
			want: []string{"4 error srv-dot-mixed"},
		},
		{
			name: "weight 0 mixed with non-zero at one priority",
			zone: "_sip._udp SRV 10 0 5060 sip1\n_sip._udp SRV 10 60 5060 sip2\n_sip._udp SRV 20 0 5060 sip1\nsip1 A 192.0.2.1\nsip2 A 192.0.2.2\n",
			want: []string{"4 warning srv-weight-zero-mix"},
		},
		{
			name: "SRV owner without _service._proto",
			zone: "sip SRV 10 0 5060 sip1\nsip1 A 192.0.2.1\n",
			want: []string{"4 warning srv-name"},
		},
		{
			name: "SIPS over UDP SRV",
			zone: "_sips._udp SRV 10 0 5061 sip1\nsip1 A 192.0.2.1\n",
			want: []string{"4 error sips-not-tls"},
		},
		{
			name: "NAPTR replacement without SRV",
			zone: `@ NAPTR 10 50 "S" "SIP+D2U" "" _sip._udp` + "\n",
			want: []string{"4 error naptr-replacement-no-srv"},
		},
		{
			name: "NAPTR flag A without address",
			zone: `@ NAPTR 10 50 "A" "SIP+D2U" "" sip1` + "\n",
			want: []string{"4 error naptr-replacement-no-address", "4 warning naptr-sip-flag"},
		},
		{
			name: "SIP service with a terminal flag U",
			zone: `@ NAPTR 10 50 "U" "SIP+D2U" "!^.*$!sip:info@example.com!" .` + "\n",
			want: []string{"4 error naptr-sip-flag", "4 error naptr-sip-regexp"},
		},
		{
			name: "non-terminal NAPTR without next NAPTR",
			zone: `@ NAPTR 10 50 "" "" "" next` + "\nnext A 192.0.2.1\n",
			want: []string{"4 error naptr-replacement-no-naptr"},
		},
		{
			name: "unknown flag and conflicting flags",
			zone: `@ NAPTR 10 50 "Z" "SIP+D2U" "" _sip._udp` + "\n" + `@ NAPTR 10 50 "SA" "SIP+D2U" "" _sip._udp` + "\n_sip._udp SRV 10 0 5060 sip1\nsip1 A 192.0.2.1\n",
			want: []string{"4 error naptr-flag", "5 error naptr-flag"},
		},
		{
			name: "unknown SIP service",
			zone: `@ NAPTR 10 50 "S" "SIP+D2Q" "" _sip._udp` + "\n" + `@ NAPTR 10 50 "S" "SIPS+D2U" "" _sips._udp` + "\n_sip._udp SRV 10 0 5060 sip1\n_sips._udp SRV 10 0 5061 sip1\nsip1 A 192.0.2.1\n",
			want: []string{"4 error naptr-service", "5 error naptr-service", "7 error sips-not-tls"},
		},
		{
			name: "service that is neither SIP nor ENUM",
			zone: `@ NAPTR 10 50 "S" "http+d2t" "" _http._tcp` + "\n" + `@ NAPTR 10 50 "U" "E2U+sip" "!^.*$!sip:info@example.com!" .` + "\n_http._tcp SRV 10 0 80 sip1\nsip1 A 192.0.2.1\n",
			want: []string{"4 warning naptr-service"},
		},
		{
			name: "SIPS service leading to plain SIP",
			zone: `@ NAPTR 10 50 "S" "SIPS+D2T" "" _sip._tcp` + "\n_sip._tcp SRV 10 0 5060 sip1\nsip1 A 192.0.2.1\n",
			want: []string{"4 error sips-not-tls"},
		},
		{
			name: "transport mismatch",
			zone: `@ NAPTR 10 50 "S" "SIP+D2U" "" _sip._tcp` + "\n" + `@ NAPTR 10 50 "S" "SIP+D2T" "" _sips._tcp` + "\n_sip._tcp SRV 10 0 5060 sip1\n_sips._tcp SRV 10 0 5061 sip1\nsip1 A 192.0.2.1\n",
			want: []string{"4 warning naptr-transport-mismatch", "5 warning naptr-transport-mismatch"},
		},
		{
			name: "regexp and replacement both set",
			zone: `@ NAPTR 10 50 "S" "SIP+D2U" "!^.*$!x!" _sip._udp` + "\n_sip._udp SRV 10 0 5060 sip1\nsip1 A 192.0.2.1\n",
			want: []string{"4 error naptr-regexp-and-replacement"},
		},
		{
			name: "SIP NAPTR with regexp only",
			zone: `@ NAPTR 10 50 "S" "SIP+D2U" "!^.*$!_sip._udp.example.com!" .` + "\n",
			want: []string{"4 error naptr-sip-regexp"},
		},
		{
			name: "NAPTR with neither regexp nor replacement",
			zone: `@ NAPTR 10 50 "S" "SIP+D2U" "" .` + "\n",
			want: []string{"4 error naptr-no-replacement"},
		},
		{
			name: "NAPTR replacement outside the zone",
			zone: `@ NAPTR 10 50 "S" "SIP+D2U" "" _sip._udp.example.org.` + "\n",
			want: []string{"4 warning out-of-zone"},
		},
		{
			name: "TTLs out of bounds on SIP records only",
			zone: "_sip._udp 10 SRV 10 0 5060 sip1\nsip1 172800 A 192.0.2.1\nwww 5 A 192.0.2.80\n",
			want: []string{"4 warning ttl-low", "5 warning ttl-high"},
		},
		{
			name: "RRset with different TTLs",
			zone: "sip1 60 A 192.0.2.1\nsip1 120 A 192.0.2.2\n",
			want: []string{"5 warning ttl-rrset"},
		},
		{
			name: "CNAME with other data",
			zone: "www CNAME sip1\nwww TXT \"x\"\nsip1 A 192.0.2.1\n",
			want: []string{"5 error cname-and-other-data"},
		},
		{
			name: "owner outside the zone",
			zone: "sip1.example.org. A 192.0.2.1\n",
			want: []string{"4 error owner-out-of-zone"},
		},
		{
			name: "class CH",
			zone: "txt CH TXT \"x\"\n",
			want: []string{"4 error class-not-in"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Check(strings.NewReader(head+tt.zone+tail), "test.zone", "")
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if got := summary(rep.Findings); !slices.Equal(got, tt.want) {
				t.Errorf("findings:\n got %q\nwant %q\n%v", got, tt.want, rep.Findings)
			}
		})
	}
}

func TestCheckMissingSOA(t *testing.T) {
	rep, err := Check(strings.NewReader("_sip._udp.example.com. 300 SRV 10 0 5060 sip1.example.com.\nsip1.example.com. 300 A 192.0.2.1\n"), "x.zone", "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(rep.Findings), []string{"1 error no-soa"}; !slices.Equal(got, want) {
		t.Errorf("findings = %q, want %q", got, want)
	}
	if rep.Apex != "example.com." {
		t.Errorf("apex = %q, want the owners' common suffix example.com.", rep.Apex)
	}
}

func TestCheckApexFromOrigin(t *testing.T) {
	tests := []struct {
		name     string
		zone     string
		origin   string
		wantApex string
	}{
		{name: "origin argument wins", zone: "$ORIGIN sub.example.com.\n@ 300 SOA ns1 h 1 2 3 4 5\n", origin: "example.com", wantApex: "example.com."},
		{name: "SOA owner", zone: "$ORIGIN x.\nsip.example.com. 300 SOA ns1 h 1 2 3 4 5\n", wantApex: "sip.example.com."},
		{name: "first $ORIGIN without SOA", zone: "$ORIGIN example.com.\n_sip._udp 300 SRV 10 0 5060 sip1\nsip1 300 A 192.0.2.1\n", wantApex: "example.com."},
		{name: "common suffix", zone: "a.b.example. 300 A 192.0.2.1\nc.b.example. 300 A 192.0.2.2\n", wantApex: "b.example."},
		{name: "nothing in common", zone: "a.example. 300 A 192.0.2.1\nb.test. 300 A 192.0.2.2\n", wantApex: "."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Check(strings.NewReader(tt.zone), "apex.zone", tt.origin)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Apex != tt.wantApex {
				t.Errorf("apex = %q, want %q", rep.Apex, tt.wantApex)
			}
		})
	}
}

func TestCheckExampleZone(t *testing.T) {
	const file = "../docs/examples/example.com.zone"
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := Check(f, file, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 0 || rep.Apex != "example.com." || rep.Records != 13 {
		t.Errorf("report = %+v, want example.com. with 13 records and no findings", rep)
	}
}

func TestCheckBrokenZone(t *testing.T) {
	const file = "testdata/broken.zone"
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := Check(f, file, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"10 error sips-not-tls", "11 error naptr-flag", "12 error naptr-replacement-no-srv", "12 error naptr-service",
		"13 error naptr-regexp-and-replacement", "13 error naptr-replacement-no-srv",
		"15 error srv-target-cname", "15 warning srv-weight-zero-mix", "15 warning ttl-low", "16 warning ttl-low",
		"17 warning out-of-zone", "17 warning ttl-low", "19 error srv-target-no-address", "20 error srv-dot-mixed",
	}
	if got := summary(rep.Findings); !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
	if rep.Count(Error) != 9 || rep.Count(Warning) != 5 {
		t.Errorf("counts: %d errors, %d warnings; want 9, 5", rep.Count(Error), rep.Count(Warning))
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		zone     string
		origin   string
		wantFile string
		wantLine int
		wantErr  string
	}{
		{name: "bad rdata", zone: head + "sip1 A 300.0.0.1\n", wantFile: "bad.zone", wantLine: 4, wantErr: "bad A A"},
		{name: "relative name without origin", zone: "$TTL 300\nsip1 A 192.0.2.1\n", wantFile: "bad.zone", wantLine: 2, wantErr: "bad owner name"},
		{name: "extra closing parenthesis", zone: head + "\n\nsip1 A 192.0.2.1 )\n", wantFile: "bad.zone", wantLine: 6, wantErr: "extra closing brace"},
		{name: "missing include", zone: head + "$INCLUDE nothere.zone\n", wantFile: "bad.zone", wantLine: 4, wantErr: "failed to open"},
		{name: "error inside include", zone: head + "$INCLUDE sub/bad.inc\n", wantFile: "sub/bad.inc", wantLine: 2, wantErr: "bad SRV Port"},
	}
	fsys := fstest.MapFS{"sub/bad.inc": {Data: []byte("; included\n_sip._udp SRV 10 0 x sip1\n")}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys["bad.zone"] = &fstest.MapFile{Data: []byte(tt.zone)}
			_, err := CheckFS(fsys, "bad.zone", tt.origin)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if pe.File != tt.wantFile || pe.Line != tt.wantLine || !strings.Contains(pe.Err.Error(), tt.wantErr) {
				t.Errorf("err = %q (file %q line %d), want %s:%d: ...%s...", err, pe.File, pe.Line, tt.wantFile, tt.wantLine, tt.wantErr)
			}
		})
	}
}

func TestCheckFSInclude(t *testing.T) {
	fsys := fstest.MapFS{
		"zones/example.com.zone": {Data: []byte(head + "$INCLUDE sip.inc\nsip1 A 192.0.2.1\n" + tail)},
		"zones/sip.inc":          {Data: []byte("; SIP records\n\n_sip._udp SRV 10 0 5060 sip1\n_sip._tcp SRV 10 0 5060 nowhere\n")},
	}
	rep, err := CheckFS(fsys, "zones/example.com.zone", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 {
		t.Fatalf("findings = %v, want one", rep.Findings)
	}
	f := rep.Findings[0]
	if f.File != "zones/sip.inc" || f.Line != 4 || f.Check != "srv-target-no-address" {
		t.Errorf("finding = %v, want zones/sip.inc:4 srv-target-no-address", f)
	}
}

func TestCheckIncludeFromDisk(t *testing.T) {
	const file = "testdata/include/example.org.zone"
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := Check(f, file, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(rep.Findings), []string{"3 warning srv-weight-zero-mix"}; !slices.Equal(got, want) {
		t.Fatalf("findings = %q, want %q", got, want)
	}
	if got, want := rep.Findings[0].File, "testdata/include/sip.inc"; got != want {
		t.Errorf("file = %q, want %q", got, want)
	}
}

// TestCheckOddInputs holds inputs the fuzzer found, as named cases.
func TestCheckOddInputs(t *testing.T) {
	tests := []struct {
		name string
		zone string
	}{
		{name: "root owner, SRV without rdata", zone: "$ORIGIN .\n$TTL 00\n. SRV "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Check(strings.NewReader(tt.zone), "odd.zone", ""); err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("err = %v, want nil or a *ParseError", err)
				}
			}
		})
	}
}
