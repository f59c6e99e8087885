package locatedns

import (
	"testing"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/locate"
)

// FuzzNAPTRZoneText checks the two directions of the seam's character
// strings together: any octets written as a NAPTR record's zone text by
// locate, read back by miekg/dns's zone parser and mapped by this
// package's unescape, come back unchanged.
func FuzzNAPTRZoneText(f *testing.F) {
	f.Add("SIP+D2U", `!^(.*)$!_sip._udp.\1!`)
	f.Add(`q"uote`, "\xff\x00\\")
	f.Add("", "\\065")
	f.Fuzz(func(t *testing.T, service, regexp string) {
		if len(service) > 255 || len(regexp) > 255 {
			return // a character-string holds at most 255 octets (RFC 1035 §3.3)
		}
		n := locate.NAPTR{Name: "example.com.", TTL: 60, Order: 10, Preference: 20, Flags: "S", Service: service,
			Regexp: regexp, Replacement: "."}
		rr, err := dns.NewRR(n.String())
		if err != nil {
			t.Fatalf("miekg/dns cannot read %q: %v", n.String(), err)
		}
		got := answer(&dnsclient.Answer{Records: []dns.RR{rr}})
		if len(got.NAPTR) != 1 || got.NAPTR[0] != n {
			t.Fatalf("zone text %q came back as %+v, want %+v", n.String(), got.NAPTR, n)
		}
	})
}
