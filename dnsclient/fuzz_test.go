package dnsclient

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// FuzzProcessAnswer feeds arbitrary bytes as the response to a query made
// from the bytes' own ID and question, through the same path as the wire:
// parseAnswer then processAnswer. It must never panic, and what it returns
// must respect the limits.
func FuzzProcessAnswer(f *testing.F) {
	f.Add([]byte{0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		q := new(dns.Msg)
		q.SetQuestion("sip1.example.com.", dns.TypeA)
		if len(b) >= 2 {
			q.Id = binary.BigEndian.Uint16(b)
		}
		if m := new(dns.Msg); m.Unpack(b) == nil && len(m.Question) == 1 {
			q.Question[0] = m.Question[0]
		}
		r, err := parseAnswer(b, q)
		if err != nil {
			return
		}
		qname, qtype := q.Question[0].Name, q.Question[0].Qtype
		res, err := processAnswer(r, qname, qtype, nil)
		if err != nil {
			return
		}
		checkResult(t, res, qname, qtype)
	})
}

// checkResult checks the invariants of a processed answer to (qname,
// qtype).
func checkResult(t *testing.T, res *result, qname string, qtype uint16) {
	t.Helper()
	if len(res.cnames) > maxCNAMELinks {
		t.Fatalf("%d CNAME links, limit %d", len(res.cnames), maxCNAMELinks)
	}
	for _, rr := range res.records {
		if rr.Header().Rrtype != qtype {
			t.Fatalf("record %v is not of the type asked for", rr)
		}
	}
	if len(res.records) > 0 && res.next != "" {
		t.Fatalf("records and a next name %q", res.next)
	}
	for _, rr := range res.extra {
		if typ := rr.Header().Rrtype; typ != dns.TypeA && typ != dns.TypeAAAA && typ != dns.TypeSRV {
			t.Fatalf("extra record %v is of a type that is never used", rr)
		}
		if !dns.IsSubDomain(serviceDomain(qname), rr.Header().Name) {
			t.Fatalf("extra record %v lies outside %s, the question's domain (issue 8)", rr, serviceDomain(qname))
		}
	}
}

// FuzzResolvConf checks that any resolv.conf text parses without panic
// into valid server addresses and capped options.
func FuzzResolvConf(f *testing.F) {
	f.Add("nameserver 192.0.2.53\noptions timeout:2\n")
	f.Fuzz(func(t *testing.T, text string) {
		rc, err := parseResolvConf(strings.NewReader(text))
		if err != nil {
			return // a line longer than bufio's limit
		}
		for _, s := range rc.servers {
			if _, err := serverAddr(s); err != nil {
				t.Fatalf("server %q from resolv.conf is not an address: %v", s, err)
			}
		}
		if rc.timeout > 30e9 || rc.attempts > 5 || rc.timeout < 0 || rc.attempts < 0 {
			t.Fatalf("options out of range: %v %d", rc.timeout, rc.attempts)
		}
	})
}
