package dnsserver

import (
	"fmt"
	"testing"

	"github.com/miekg/dns"
)

// referral returns a referral to sub.example.com. with n in-domain name
// servers and their glue.
func referral(t *testing.T, n int) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion("www.sub.example.com.", dns.TypeA)
	m.Response = true
	for i := range n {
		ns := fmt.Sprintf("ns%d-with-a-longer-name.sub.example.com.", i)
		m.Ns = append(m.Ns, rrs(t, "sub.example.com. 3600 IN NS "+ns)...)
		m.Extra = append(m.Extra, rrs(t, fmt.Sprintf("%s 3600 IN A 192.0.2.%d", ns, i+1))...)
	}
	m.Compress = true
	return m
}

func TestFitReferralNeedsGlue(t *testing.T) {
	tests := []struct {
		name   string
		ns     int
		wantTC bool
	}{
		{name: "all glue fits", ns: 4},
		{name: "glue for an in-domain server does not fit: TC (RFC 9471 §3)", ns: 12, wantTC: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := referral(t, tc.ns)
			fit(m, 512)
			if m.Truncated != tc.wantTC || m.Len() > 512 {
				t.Fatalf("TC %v, %d bytes; want TC %v within 512", m.Truncated, m.Len(), tc.wantTC)
			}
			if !tc.wantTC && len(m.Extra) != tc.ns {
				t.Errorf("%d glue records, want %d", len(m.Extra), tc.ns)
			}
		})
	}
}

func TestFitKeepsOPTLast(t *testing.T) {
	m := referral(t, 4)
	m.Authoritative = true // an answer, not a referral: glue is optional
	m.Extra = append(m.Extra, rrs(t, "big.example.com. 60 IN TXT \""+string(make([]byte, 200))+"\"")...)
	m.SetEdns0(512, false)
	fit(m, 512)
	if m.Truncated || m.Len() > 512 {
		t.Fatalf("TC %v, %d bytes; want the additional TXT dropped without TC", m.Truncated, m.Len())
	}
	if last := m.Extra[len(m.Extra)-1]; last.Header().Rrtype != dns.TypeOPT {
		t.Errorf("last additional record %v, want the OPT", last)
	}
}

// TestResponsesCompressed checks that responses go out name-compressed
// (RFC 1035 §4.1.4) on both paths, also when fit dropped additional
// records to meet the client's size: miekg's Msg.Truncate would have
// turned compression off.
func TestResponsesCompressed(t *testing.T) {
	s := newTestServer(t)
	for _, q := range []query{
		{name: "example.com.", qtype: dns.TypeNAPTR, edns: 1232},
		{name: "_sip._tcp.pool.example.com.", qtype: dns.TypeSRV},            // additional cut to 512
		{name: "_sip._tcp.pool.example.com.", qtype: dns.TypeSRV, edns: 600}, // and to 600
	} {
		raw := pack(t, q.msg())
		for path, resp := range map[string][]byte{
			"fast": (&udpSocket{srv: s}).handle(raw, make([]byte, 0, dns.MaxMsgSize), make([]byte, 0, 260)),
			"slow": s.slowPath(s.snap.Load(), raw, make([]byte, 0, dns.MaxMsgSize), &stats{}, 0),
		} {
			m := unpack(t, resp)
			m.Compress = false
			if plain := m.Len(); len(resp) >= plain || len(resp) > udpLimit(q.msg()) {
				t.Errorf("%s %+v: %d bytes on the wire, %d uncompressed; want compressed within %d", path, q, len(resp), plain, udpLimit(q.msg()))
			}
			if len(m.Extra) == 0 || m.Truncated {
				t.Errorf("%s %+v: %d additional records, TC %v; want some additional records and no TC", path, q, len(m.Extra), m.Truncated)
			}
		}
	}
}
