package locatedns

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/internal/dnstest"
	"github.com/siplocate/siplocate/locate"
)

// TestAnswerZoneText checks that each record, mapped to locate's types,
// prints the zone text miekg/dns prints for it: the trace and the targets'
// records read the same through the seam.
func TestAnswerZoneText(t *testing.T) {
	for _, line := range []string{
		`_sip._udp.example.com. 120 IN SRV 10 60 5060 sip1.example.com.`,
		`_sip._udp.example.com. 120 IN SRV 0 0 0 .`,
		`example.com. 300 IN NAPTR 10 10 "S" "SIP+D2U" "" _sip._udp.example.com.`,
		`example.com. 300 IN NAPTR 10 10 "S" "SIP+D2U" "!^(.*)$!_sip._udp.\\1!" .`,
		`example.com. 300 IN NAPTR 10 10 "s" "q\"uote" "\255\001x" .`,
		`sip1.example.com. 60 IN A 192.0.2.13`,
		`sip1.example.com. 60 IN AAAA 2001:db8::13`,
		`sip1.example.com. 60 IN AAAA ::ffff:192.0.2.1`,
	} {
		rr := dnstest.RR(line)
		la := answer(&dnsclient.Answer{Name: rr.Header().Name, Type: rr.Header().Rrtype, Records: []dns.RR{rr}})
		var got string
		switch {
		case len(la.SRV) == 1:
			got = la.SRV[0].String()
		case len(la.NAPTR) == 1:
			got = la.NAPTR[0].String()
		case len(la.Addrs) == 1:
			got = la.Addrs[0].String()
		}
		if want := rr.String(); got != want {
			t.Errorf("%s:\n got %q\nwant %q", line, got, want)
		}
	}
	c := dnstest.RR(`alias.example.com. 60 IN CNAME a.example.com.`).(*dns.CNAME)
	la := answer(&dnsclient.Answer{CNAMEs: []*dns.CNAME{c}, Rcode: dns.RcodeNameError})
	if got := la.CNAMEs[0].String(); got != c.String() || !la.NXDOMAIN || !la.NotFound() {
		t.Errorf("CNAME %q (want %q), NXDOMAIN %v", got, c.String(), la.NXDOMAIN)
	}
}

// TestNAPTRStringsUnescaped checks that locate gets a NAPTR's character
// strings as octets, as on the wire: a regexp's backslash is one octet.
func TestNAPTRStringsUnescaped(t *testing.T) {
	rr := dnstest.RR(`example.com. 300 IN NAPTR 10 10 "S" "SIP+D2U" "!^(.*)$!_sip._udp.\\1!" .`)
	la := answer(&dnsclient.Answer{Records: []dns.RR{rr}})
	if got, want := la.NAPTR[0].Regexp, `!^(.*)$!_sip._udp.\1!`; got != want {
		t.Errorf("Regexp %q, want %q", got, want)
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: `plain`, want: `plain`},
		{in: `a\\1`, want: `a\1`},
		{in: `\"q\"`, want: `"q"`},
		{in: `\033x`, want: "\x21x"},
		{in: `\999`, want: `999`},
		{in: `end\`, want: `end\`},
	}
	for _, tt := range tests {
		if got := unescape(tt.in); got != tt.want {
			t.Errorf("unescape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestLookupTimeoutIsNoDNSAnswer checks that a lookup no server answered
// in time wraps locate.ErrNoDNSAnswer (and still dnsclient's error), and
// that other failures do not.
func TestLookupTimeoutIsNoDNSAnswer(t *testing.T) {
	tests := []struct {
		name    string
		handler dns.Handler
		want    bool
	}{
		{name: "silent", handler: dnstest.Silent(), want: true},
		{name: "SERVFAIL", handler: dnstest.Rcode(dns.RcodeServerFailure)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := dnstest.NewServer(t, tt.handler)
			c, err := dnsclient.New(dnsclient.Config{Servers: []string{srv.Addr}, Timeout: 50 * time.Millisecond, Attempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = New(c).Lookup(context.Background(), "example.com.", locate.TypeNAPTR)
			var de *dnsclient.Error
			if err == nil || errors.Is(err, locate.ErrNoDNSAnswer) != tt.want || !errors.As(err, &de) {
				t.Errorf("error %v: ErrNoDNSAnswer %v, want %v, and a *dnsclient.Error", err, errors.Is(err, locate.ErrNoDNSAnswer), tt.want)
			}
		})
	}
}

// TestCachedConvertedOnce checks that a cached answer is converted once:
// the same *locate.Answer comes back while dnsclient's entry lives.
func TestCachedConvertedOnce(t *testing.T) {
	srv := dnstest.NewServer(t, dnstest.NewZone(`example.com. 60 IN A 192.0.2.1`))
	c, err := dnsclient.New(dnsclient.Config{Servers: []string{srv.Addr}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := New(c)
	if _, ok := r.LookupCached("example.com.", locate.TypeA); ok {
		t.Fatal("cached before any lookup")
	}
	wire, err := r.Lookup(context.Background(), "example.com.", locate.TypeA)
	if err != nil || wire.Cached || len(wire.Addrs) != 1 {
		t.Fatalf("Lookup: %+v, %v", wire, err)
	}
	a1, ok1 := r.LookupCached("example.com.", locate.TypeA)
	a2, ok2 := r.LookupCached("example.com.", locate.TypeA)
	if !ok1 || !ok2 || a1 != a2 || !a1.Cached || a1.Addrs[0].IP.String() != "192.0.2.1" {
		t.Errorf("LookupCached: %+v %v, %+v %v; want one cached answer, twice the same", a1, ok1, a2, ok2)
	}
}
