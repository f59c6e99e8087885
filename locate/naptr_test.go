package locate

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// FuzzLocateNAPTR feeds NAPTR records with arbitrary flags, service,
// regexp and replacement to a whole resolution: it must not panic, must
// end, and may only fail with an *Error.
func FuzzLocateNAPTR(f *testing.F) {
	f.Add("S", "SIP+D2U", "", "_sip._udp.example.com.")
	f.Add("", "", "", "example.com.")
	f.Add("A", "SIPS+D2T", `!^(.*)$!\1!`, ".")
	f.Add("s", "sip+d2t", `!x!y!z`, ".")
	f.Fuzz(func(t *testing.T, flags, service, regexp, replacement string) {
		r := newFake(guideZone[2:]...)
		n := NAPTR{Name: "example.com.", TTL: 60, Order: 10, Preference: 10, Flags: flags, Service: service, Regexp: regexp, Replacement: replacement}
		r.zone[qkey{"example.com.", TypeNAPTR}] = &Answer{NAPTR: []NAPTR{n}}
		r.names["example.com."] = true
		res, err := newTestLocator(r).Locate(context.Background(), "sips:example.com", Options{Transports: []Transport{UDP, TCP, TLS}})
		var le *Error
		if err != nil && !errors.As(err, &le) {
			t.Fatalf("error %v is not an *Error", err)
		}
		if err == nil && len(res.Targets) == 0 {
			t.Fatal("no targets and no error")
		}
	})
}

func TestSelectNAPTRSkipsBadRegexpResult(t *testing.T) {
	r := newFake(
		`example.com. 60 IN NAPTR 10 10 "S" "SIP+D2U" "!^.*$!not a host!" .`,
		`example.com. 60 IN NAPTR 10 20 "S" "SIP+D2T" "" _sip._tcp.example.com.`,
		`_sip._tcp.example.com. 60 IN SRV 0 0 5060 a.example.com.`, `a.example.com. 60 IN A 192.0.2.1`)
	res, err := newTestLocator(r).Locate(context.Background(), "example.com", Options{Family: IPv4Only})
	if len(res.Targets) != 1 || res.Targets[0].Transport != TCP {
		t.Fatalf("targets %q, want the TCP one only", targetStrings(res.Targets))
	}
	if !errors.Is(err, errBadRegexp) {
		t.Errorf("error %v: want the bad regexp result reported with the partial result", err)
	}
}

// TestNAPTRRegexpAndReplacement checks RFC 3403 §4.1: a record with both a
// regexp and a replacement is in error ("mutually exclusive"); it is
// ignored, and the trace says so.
func TestNAPTRRegexpAndReplacement(t *testing.T) {
	r := newFake(
		`example.com. 60 IN NAPTR 10 10 "S" "SIP+D2U" "!^(.*)$!_sip._udp.\\1!" _sip._udp.example.com.`,
		`_sip._udp.example.com. 60 IN SRV 0 0 5060 u.example.com.`, `u.example.com. 60 IN A 192.0.2.1`,
		`_sip._tcp.example.com. 60 IN SRV 0 0 5060 t.example.com.`, `t.example.com. 60 IN A 192.0.2.2`)
	res, err := newTestLocator(r).Locate(context.Background(), "example.com", Options{Family: IPv4Only, Transports: []Transport{TCP, UDP}})
	if err != nil {
		t.Fatal(err)
	}
	// Ignored: no usable NAPTR, so SRV in the client's order (TCP first).
	want := []string{"tcp 192.0.2.2:5060 t.example.com p0 w0", "udp 192.0.2.1:5060 u.example.com p0 w0"}
	if got := targetStrings(res.Targets); !slices.Equal(got, want) {
		t.Errorf("targets %q, want %q", got, want)
	}
	if len(res.Queries) == 0 || !slices.ContainsFunc(res.Queries[0].Notes, func(n string) bool {
		return strings.Contains(n, "both a regexp and a replacement") && strings.Contains(n, "RFC 3403 §4.1")
	}) {
		t.Errorf("NAPTR query notes %q: want the ignored record explained", res.Queries[0].Notes)
	}
}
