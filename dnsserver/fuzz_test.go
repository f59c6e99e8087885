package dnsserver

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// FuzzServeQuery hands arbitrary bytes to the UDP query path: each gets a
// response that parses and carries the query's ID, or is dropped; never a
// panic. When the fast path answers, the slow path must agree.
func FuzzServeQuery(f *testing.F) {
	s := newTestServer(f)
	f.Add(pack(f, query{name: "example.com.", qtype: dns.TypeNAPTR, edns: 1232}.msg()))
	f.Add(pack(f, query{name: "a.b.wild.example.com.", qtype: dns.TypeTXT}.msg()))
	f.Fuzz(func(t *testing.T, raw []byte) {
		u := &udpSocket{srv: s}
		resp := u.handle(raw, make([]byte, 0, dns.MaxMsgSize), make([]byte, 0, 260))
		if resp == nil {
			return
		}
		if len(resp) < 12 || resp[0] != raw[0] || resp[1] != raw[1] || resp[2]&0x80 == 0 {
			t.Fatalf("response %x to %x: want QR and the query's ID", resp, raw)
		}
		if _, _, _, fast := s.snap.Load().serveFast(raw, make([]byte, 0, dns.MaxMsgSize), nil, &answerCache{}); fast {
			compareResponses(t, query{}, unpack(t, resp), exchangeSlow(t, s, raw))
		}
	})
}

// FuzzLoadZone parses arbitrary zone text: a zone or an error, never a
// panic; a zone that loads answers lookups and precomputes.
func FuzzLoadZone(f *testing.F) {
	f.Add(zoneHead + "sip1 A 192.0.2.1\n*.w TXT x\nsub NS ns.sub\nns.sub A 192.0.2.2\n")
	f.Add(zoneHead + "www CNAME www\n")
	f.Fuzz(func(t *testing.T, text string) {
		z, err := ParseZone(strings.NewReader(text), "fuzz.zone", "")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.zone") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		snap := newSnapshot([]*Zone{z})
		for name := range z.nodes {
			for _, qt := range []uint16{dns.TypeA, dns.TypeSRV, dns.TypeNAPTR, dns.TypeANY} {
				req := new(dns.Msg).SetQuestion("x."+name, qt)
				if m := snap.respond(req); m != nil {
					fit(m, 512)
				}
			}
		}
	})
}
