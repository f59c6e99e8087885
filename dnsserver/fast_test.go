package dnsserver

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestFastPathSameAsSlowPath asks every name of the test zones, and some
// that do not exist, every precomputed type, with and without EDNS0, DO
// and RD, in mixed case, and checks that the fast path's response is the
// slow path's.
func TestFastPathSameAsSlowPath(t *testing.T) {
	s := newTestServer(t)
	names := []string{"nope.example.com.", "a.wild.example.com.", "x.sub.example.com.", "www.example.org."}
	for _, z := range s.Zones() {
		for name := range z.nodes {
			names = append(names, name, strings.ToUpper(name))
		}
	}
	fast := 0
	u := &udpSocket{srv: s} // one socket throughout: its cache is filled, then hit
	for _, name := range names {
		for _, qt := range equivalenceTypes {
			for _, v := range []query{{}, {edns: 512}, {edns: 1232, do: true}, {edns: 4096}} {
				v.name, v.qtype = name, qt
				m := v.msg()
				m.RecursionDesired = len(name)%2 == 0
				m.CheckingDisabled = qt%2 == 0
				raw := pack(t, m)
				if _, _, _, ok := s.snap.Load().serveFast(raw, make([]byte, 0, 512), nil, nil); ok {
					fast++
				}
				slow := exchangeSlow(t, s, raw)
				for range 2 {
					compareResponses(t, v, unpack(t, u.handle(raw, make([]byte, 0, 512), nil)), slow)
				}
			}
		}
	}
	if fast == 0 {
		t.Fatal("no query took the fast path")
	}
}

// equivalenceTypes are the types TestFastPathSameAsSlowPath asks for: the
// usual ones, the meta-types and some nobody has.
var equivalenceTypes = []uint16{
	dns.TypeA, dns.TypeNS, dns.TypeCNAME, dns.TypeSOA, dns.TypePTR, dns.TypeMX, dns.TypeTXT,
	dns.TypeAAAA, dns.TypeSRV, dns.TypeNAPTR, dns.TypeHTTPS, dns.TypeANY, dns.TypeDS,
	dns.TypeCAA, dns.TypeNULL, 0, 65280, dns.TypeIXFR, dns.TypeAXFR, dns.TypeOPT,
}

func compareResponses(t *testing.T, q query, fast, slow *dns.Msg) {
	t.Helper()
	if fast == nil || slow == nil {
		t.Fatalf("%+v: fast %v, slow %v", q, fast, slow)
	}
	if fast.MsgHdr != slow.MsgHdr {
		t.Errorf("%+v: header fast %+v, slow %+v", q, fast.MsgHdr, slow.MsgHdr)
	}
	fo, so := fast.IsEdns0(), slow.IsEdns0()
	if (fo == nil) != (so == nil) || fo != nil && (fo.Do() != so.Do() || fo.UDPSize() != so.UDPSize()) {
		t.Errorf("%+v: OPT fast %v, slow %v", q, fo, so)
	}
	for _, sec := range []struct {
		name       string
		fast, slow []dns.RR
	}{{"answer", fast.Answer, slow.Answer}, {"authority", fast.Ns, slow.Ns}, {"additional", fast.Extra, slow.Extra}} {
		if f, s := section(sec.fast), section(sec.slow); f != s {
			t.Errorf("%+v: %s fast:\n%s\nslow:\n%s", q, sec.name, f, s)
		}
	}
	if fast.Question[0] != slow.Question[0] {
		t.Errorf("%+v: question fast %v, slow %v", q, fast.Question, slow.Question)
	}
}

func TestFastPathCopiesHeaderBits(t *testing.T) {
	s := newTestServer(t)
	m := query{name: "SiP1.example.COM.", qtype: dns.TypeA, edns: 1232, do: true}.msg()
	m.Id, m.RecursionDesired, m.CheckingDisabled = 0xbeef, true, true
	raw := pack(t, m)
	out, _, _, ok := s.snap.Load().serveFast(raw, make([]byte, 0, 512), nil, nil)
	if !ok {
		t.Fatal("query did not take the fast path")
	}
	r := unpack(t, out)
	if r.Id != 0xbeef || !r.RecursionDesired || !r.CheckingDisabled || r.RecursionAvailable || !r.IsEdns0().Do() {
		t.Errorf("header %+v, DO %v: want id 0xbeef, RD, CD, no RA, DO", r.MsgHdr, r.IsEdns0().Do())
	}
	if r.Question[0].Name != "SiP1.example.COM." {
		t.Errorf("question name %q, want the client's spelling", r.Question[0].Name)
	}
}
