package dnsserver

import (
	"testing"

	"github.com/miekg/dns"
)

func TestProtocolErrors(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		name  string
		msg   func() *dns.Msg
		rcode int
	}{
		{
			name:  "no question: FORMERR",
			msg:   func() *dns.Msg { m := query{name: "example.com.", qtype: dns.TypeA}.msg(); m.Question = nil; return m },
			rcode: dns.RcodeFormatError,
		},
		{
			name: "two questions: FORMERR (RFC 9619)",
			msg: func() *dns.Msg {
				m := query{name: "example.com.", qtype: dns.TypeA}.msg()
				m.Question = append(m.Question, m.Question[0])
				return m
			},
			rcode: dns.RcodeFormatError,
		},
		{
			name: "UPDATE: NOTIMP",
			msg: func() *dns.Msg {
				m := query{name: "example.com.", qtype: dns.TypeSOA}.msg()
				m.Opcode = dns.OpcodeUpdate
				return m
			},
			rcode: dns.RcodeNotImplemented,
		},
		{
			name:  "NOTIFY to the primary: NOTIMP",
			msg:   func() *dns.Msg { m := new(dns.Msg); m.SetNotify("example.com."); return m },
			rcode: dns.RcodeNotImplemented,
		},
		{
			name: "EDNS version 1: BADVERS (RFC 6891 §6.1.3)",
			msg: func() *dns.Msg {
				m := query{name: "example.com.", qtype: dns.TypeA, edns: 1232}.msg()
				m.IsEdns0().SetVersion(1)
				return m
			},
			rcode: dns.RcodeBadVers,
		},
		{
			name: "two OPT records: FORMERR (RFC 6891 §6.1.1)",
			msg: func() *dns.Msg {
				m := query{name: "example.com.", qtype: dns.TypeA, edns: 1232}.msg()
				m.Extra = append(m.Extra, dns.Copy(m.IsEdns0()))
				return m
			},
			rcode: dns.RcodeFormatError,
		},
		{
			name:  "AXFR over UDP: FORMERR (RFC 5936 §4.2)",
			msg:   func() *dns.Msg { return query{name: "example.com.", qtype: dns.TypeAXFR}.msg() },
			rcode: dns.RcodeFormatError,
		},
		{
			name:  "meta-type OPT as question: FORMERR (RFC 6895 §3.1)",
			msg:   func() *dns.Msg { return query{name: "example.com.", qtype: dns.TypeOPT}.msg() },
			rcode: dns.RcodeFormatError,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.msg()
			r := exchangeUDP(t, s, pack(t, m))
			if r == nil || r.Rcode != tc.rcode || r.Id != m.Id || !r.Response || r.Authoritative {
				t.Fatalf("response %v, want rcode %s, same id, not authoritative", r, dns.RcodeToString[tc.rcode])
			}
		})
	}
}

func TestIXFROverUDPGetsSOA(t *testing.T) {
	s := newTestServer(t)
	r := exchangeUDP(t, s, pack(t, query{name: "example.com.", qtype: dns.TypeIXFR}.msg()))
	checkSection(t, "answer", r.Answer, []string{"example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2026112501 3600 900 604800 300"})
}

func TestMalformedPackets(t *testing.T) {
	s := newTestServer(t)
	ok := pack(t, query{name: "sip1.example.com.", qtype: dns.TypeA}.msg())
	response := append([]byte(nil), ok...)
	response[2] |= 0x80
	tests := []struct {
		name    string
		raw     []byte
		formErr bool // answered FORMERR; otherwise dropped
	}{
		{name: "empty", raw: nil},
		{name: "shorter than a header", raw: ok[:11]},
		{name: "a response", raw: response},
		{name: "header only, counts say one question", raw: ok[:12], formErr: true},
		{name: "question name cut short", raw: ok[:20], formErr: true},
		{name: "compression pointer loop", raw: append(append([]byte(nil), ok[:12]...), 0xc0, 12, 0, 1, 0, 1), formErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := &udpSocket{srv: s}
			resp := u.handle(tc.raw, make([]byte, 0, 512), nil)
			if !tc.formErr {
				if resp != nil {
					t.Fatalf("answered %x, want dropped", resp)
				}
				if u.st.malformed.Load() != 1 {
					t.Errorf("malformed count %d, want 1", u.st.malformed.Load())
				}
				return
			}
			r := unpack(t, resp)
			if r.Rcode != dns.RcodeFormatError || r.Id != 0x1234 || !r.Response {
				t.Fatalf("response %v, want FORMERR with the query's id", r)
			}
		})
	}
}
