package dnsserver_test

import (
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"

	"github.com/miekg/dns"

	"github.com/siplocate/siplocate/dnsserver"
)

// Serve a zone on loopback and ask it for the SIP domain's NAPTR records:
// the SRV records and addresses come along in the additional section.
func ExampleServer() {
	s, err := dnsserver.New(dnsserver.Config{
		Zones: []string{"testdata/example.com.zone"},
		Addr:  "127.0.0.1:0",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := s.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	q := new(dns.Msg).SetQuestion("_sip._udp.example.com.", dns.TypeSRV)
	r, err := dns.Exchange(q, s.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(dns.RcodeToString[r.Rcode], "aa:", r.Authoritative)
	for _, rr := range append(r.Answer, r.Extra...) {
		fmt.Println(rr)
	}
	// Output:
	// NOERROR aa: true
	// _sip._udp.example.com.	3600	IN	SRV	10 60 5060 sip1.example.com.
	// _sip._udp.example.com.	3600	IN	SRV	20 40 5060 sip2.example.com.
	// sip1.example.com.	3600	IN	A	192.0.2.13
	// sip1.example.com.	3600	IN	AAAA	2001:db8::13
	// sip2.example.com.	3600	IN	A	192.0.2.12
}

// Load a zone file and look a name up without serving it.
func ExampleLoadZone() {
	z, err := dnsserver.LoadZone("testdata/example.com.zone", "")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(z.Origin, z.SOA.Serial)
	res, answer, authority := z.Lookup("nothere.example.com.", dns.TypeA)
	fmt.Println(res == dnsserver.NameError, len(answer), authority[0].Header().Ttl)
	// Output:
	// example.com. 2026112501
	// true 0 300
}

// Refuse a bad zone: the error gives the file, the line and the reason.
func ExampleLoadZone_error() {
	_, err := dnsserver.LoadZone("testdata/bad/cname-and-a.zone", "")
	var ce *dnsserver.CheckError
	if errors.As(err, &ce) {
		fmt.Printf("%s:%d: %v\n", filepath.Base(ce.File), ce.Line, ce.Err)
	}
	// Output:
	// cname-and-a.zone:8: www.example.com. has a CNAME and A records: a CNAME must be the only data at its name (RFC 1034 §3.6.2, RFC 2181 §10.1)
}

// Let a secondary at 192.0.2.53 transfer the zones and tell it of changes.
func ExampleConfig() {
	cfg := dnsserver.Config{
		Zones:         []string{"example.com.zone"},
		Addr:          "192.0.2.1:53",
		AllowTransfer: []netip.Prefix{netip.MustParsePrefix("192.0.2.53/32")},
		Notify:        []string{"192.0.2.53:53"},
	}
	fmt.Println(len(cfg.Zones), cfg.AllowTransfer[0], cfg.Notify[0])
	// Output:
	// 1 192.0.2.53/32 192.0.2.53:53
}
