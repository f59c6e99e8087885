package dnsserver

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatedns"
)

// TestLocatorAgainstServer runs our RFC 3263 locator against our server on
// loopback, for the guide's domain: NAPTR, then SRV, then addresses, in
// the order the zone ranks them, with the additional section saving the
// later round trips.
func TestLocatorAgainstServer(t *testing.T) {
	s := startServer(t, Config{})
	c, err := dnsclient.New(dnsclient.Config{Servers: []string{s.Addr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	l := &locate.Locator{Resolver: locatedns.New(c), Rand: rand.New(rand.NewPCG(1, 2))}
	res, err := l.Locate(context.Background(), "sip:alice@example.com", locate.Options{Transports: []locate.Transport{locate.UDP, locate.TCP, locate.TLS}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tg := range res.Targets {
		got = append(got, fmt.Sprintf("%s %s:%d %s", tg.Transport, tg.Addr, tg.Port, tg.Host))
	}
	want := []string{
		"tls 192.0.2.13:5061 sip1.example.com",
		"tls 2001:db8::13:5061 sip1.example.com",
		"udp 192.0.2.13:5060 sip1.example.com",
		"udp 2001:db8::13:5060 sip1.example.com",
		"udp 192.0.2.12:5060 sip2.example.com",
		"tcp 192.0.2.14:5060 sip3.example.com",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("targets:\n%q\nwant:\n%q", got, want)
	}
	// The NAPTR answer's additional section holds every SRV and address
	// record; only the AAAA of sip2 and sip3, which do not exist, must
	// be asked (a missing RRset in the additional section proves nothing).
	var wire []string
	for _, q := range res.Queries {
		if !q.Cached {
			wire = append(wire, q.Type+" "+q.Name)
		}
	}
	if want := "[NAPTR example.com. AAAA sip2.example.com. AAAA sip3.example.com.]"; fmt.Sprint(wire) != want {
		t.Errorf("queries on the wire %v, want %s", wire, want)
	}
}
