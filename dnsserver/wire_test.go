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
