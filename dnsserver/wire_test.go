package dnsserver

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestNoDataTemplate: the answers for types a name lacks share one NODATA
// template per zone instead of a packed response each, and the fast path
// builds from it the slow path's answer, with and without EDNS0.
func TestNoDataTemplate(t *testing.T) {
	z, err := ParseZone(strings.NewReader(bigZone(50)), "t.zone", "")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{}
	s.snap.Store(newSnapshot([]*Zone{z}))
	wt := &s.snap.Load().wire
	tmpl := 0
	for _, r := range wt.other {
		if r.tmpl {
			tmpl++
		}
	}
	if tmpl < 50 {
		t.Errorf("%d of %d other answers are the template, want every name's (50 and more)", tmpl, len(wt.other))
	}
	for _, v := range []query{{name: "h7.example.com.", qtype: dns.TypeAAAA}, {name: "H7.Example.COM.", qtype: dns.TypeSRV, edns: 1232, do: true}} {
		raw := pack(t, v.msg())
		resp, _, rcode, ok := s.snap.Load().serveFast(raw, make([]byte, 0, 512), make([]byte, 0, 260), nil)
		if !ok || rcode != dns.RcodeSuccess {
			t.Fatalf("%+v: fast path %v, rcode %d", v, ok, rcode)
		}
		compareResponses(t, v, unpack(t, resp), exchangeSlow(t, s, raw))
	}
}

// TestPrecomputeInParts packs a zone large enough to be shared out among
// several builders (minPackJobs names each) and checks that every name's
// answers come from the joined table, as the slow path gives them.
func TestPrecomputeInParts(t *testing.T) {
	z, err := ParseZone(strings.NewReader(sipDomains(3*minPackJobs/5+1)), "parts.zone", "")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{}
	s.snap.Store(newSnapshot([]*Zone{z}))
	snap := s.snap.Load()
	for name := range z.nodes {
		for _, qt := range []uint16{dns.TypeA, dns.TypeSRV, dns.TypeNAPTR, dns.TypeTXT} {
			q := query{name: name, qtype: qt, edns: 4096}
			raw := pack(t, q.msg())
			resp, _, _, ok := snap.serveFast(raw, make([]byte, 0, 4096), make([]byte, 0, 260), nil)
			if !ok {
				t.Fatalf("%s %s: not in the table", name, dns.Type(qt))
			}
			compareResponses(t, q, unpack(t, resp), exchangeSlow(t, s, raw))
		}
	}
}
