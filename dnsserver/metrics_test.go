package dnsserver

import (
	"testing"

	"github.com/miekg/dns"
)

// TestStats: the counters of every socket add up in the snapshot.
func TestStats(t *testing.T) {
	s := newTestServer(t)
	if got := s.Stats(); len(got.Queries) != 0 || got.Malformed != 0 || got.Serials["example.com."] == 0 {
		t.Fatalf("fresh server: %+v, want no queries and the zone's serial", got)
	}
	u := &udpSocket{srv: s}
	s.udp = append(s.udp, u)
	u.handle(pack(t, query{name: "nope.example.com.", qtype: dns.TypeSRV}.msg()), make([]byte, 0, 512), nil)
	u.handle(pack(t, query{name: "sip1.example.com.", qtype: dns.TypeA}.msg()), make([]byte, 0, 512), nil)
	u.handle([]byte{1, 2, 3}, make([]byte, 0, 512), nil)
	got := s.Stats()
	if got.Queries["SRV"] != 1 || got.Queries["A"] != 1 || got.Responses["NXDOMAIN"] != 1 || got.Responses["NOERROR"] != 1 ||
		got.Malformed != 1 || got.Serials["example.com."] != 2026112501 {
		t.Errorf("stats %+v", got)
	}
}
