package doctor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/dnsserver"
	"github.com/siplocate/siplocate/internal/dnstest"
	"github.com/siplocate/siplocate/locatedns"
)

// Hostile DNS tests bind 127.0.13.98 (the name server) and 127.0.13.99 (the
// targets, ports where nothing listens).

// checkAgainst runs Check for domain against the name server at server,
// failing t if it has not returned after hangGuard (a hang, not a timing).
func checkAgainst(t *testing.T, server, domain string) (*Report, error) {
	t.Helper()
	c, err := dnsclient.New(dnsclient.Config{Servers: []string{server}, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Resolver: locatedns.New(c), Servers: []string{server}, Timeout: 200 * time.Millisecond}
	type result struct {
		rep *Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := Check(context.Background(), domain, cfg)
		done <- result{rep, err}
	}()
	const hangGuard = 30 * time.Second
	select {
	case r := <-done:
		if r.rep == nil {
			t.Fatalf("Check = nil report, %v", r.err)
		}
		for _, f := range r.rep.Findings {
			if strings.ContainsFunc(f.Message+f.Subject, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Errorf("control characters in %q", f)
			}
		}
		return r.rep, r.err
	case <-time.After(hangGuard):
		t.Fatalf("Check has not returned after %v", hangGuard)
		return nil, nil
	}
}

// hasFinding reports whether rep has a finding of severity sev and id.
func hasFinding(rep *Report, sev Severity, id string) bool {
	for _, f := range rep.Findings {
		if f.Severity == sev && f.ID == id {
			return true
		}
	}
	return false
}

// serveZoneFile runs our DNS server (truncation and TCP as in production)
// with zone text on 127.0.13.98.
func serveZoneFile(t *testing.T, zone string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bad.zone")
	if err := os.WriteFile(p, []byte(zone), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := dnsserver.New(dnsserver.Config{Zones: []string{p}, Addr: "127.0.13.98:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s.Addr().String()
}

// TestHostileDNSLoops: an SRV target that is a CNAME loop, and a NAPTR
// that points back at the domain, give findings and end.
func TestHostileDNSLoops(t *testing.T) {
	server := dnstest.NewServerOn(t, "127.0.13.98", dnstest.NewZone(
		`loop.example. 300 IN SOA ns.loop.example. h.loop.example. 1 3600 600 86400 300`,
		`loop.example. 300 IN NAPTR 10 50 "S" "SIP+D2U" "" _sip._udp.loop.example.`,
		`loop.example. 300 IN NAPTR 20 50 "" "" "" loop.example.`,
		`_sip._udp.loop.example. 300 IN SRV 10 0 5060 a.loop.example.`,
		`a.loop.example. 300 IN CNAME b.loop.example.`,
		`b.loop.example. 300 IN CNAME a.loop.example.`,
	)).Addr
	rep, _ := checkAgainst(t, server, "loop.example")
	for _, f := range rep.Findings {
		t.Log(f)
	}
	if rep.Count(Error) == 0 {
		t.Error("no error for a domain whose only target is a CNAME loop")
	}
}

// TestHostileDNSGarbage: a name server that answers bytes that are not
// DNS, a name over 255 bytes, or the answer to another question, leaves
// no target: an error finding says why.
func TestHostileDNSGarbage(t *testing.T) {
	tests := []struct {
		name  string
		reply func(r *dns.Msg) []byte
	}{
		{name: "not DNS", reply: func(r *dns.Msg) []byte {
			return append([]byte{byte(r.Id >> 8), byte(r.Id)}, "\x81\x80\xff\xff\xff\xff\x1b[2Jgarbage"...)
		}},
		{name: "another question", reply: func(r *dns.Msg) []byte {
			m := new(dns.Msg).SetQuestion("other.example.", dns.TypeA)
			m.Id, m.Response = r.Id, true
			m.Answer = dnstest.RRs("other.example. 300 IN A 127.0.13.99")
			b, _ := m.Pack()
			return b
		}},
		{name: "huge label count", reply: func(r *dns.Msg) []byte {
			b := append([]byte{byte(r.Id >> 8), byte(r.Id)}, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0)
			for range 300 {
				b = append(b, 1, 'a') // a name over 255 bytes (RFC 1035 §3.1)
			}
			return append(b, 0, 0, 1, 0, 1)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			server := dnstest.NewServerOn(t, "127.0.13.98", dnstest.Raw(tc.reply)).Addr
			rep, err := checkAgainst(t, server, "garbage.example")
			for _, f := range rep.Findings {
				t.Log(f)
			}
			if len(rep.Targets) != 0 || !(hasFinding(rep, Error, "dns-no-answer") || hasFinding(rep, Error, "no-targets")) {
				t.Errorf("Check = %v, targets %v, findings %v; want dns-no-answer or no-targets", err, rep.Targets, rep.Findings)
			}
		})
	}
}

// TestHostileDNSHuge: an SRV RRset of 400 records (an answer of about
// 18 KB, over TCP) gives findings and is not probed whole: a client tries
// targets in order and never reaches most of them.
func TestHostileDNSHuge(t *testing.T) {
	var z strings.Builder
	z.WriteString("$ORIGIN huge.example.\n$TTL 300\n@ IN SOA ns h 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.13.98\n")
	for i := range 400 {
		fmt.Fprintf(&z, "_sip._udp IN SRV 10 0 %d t%d\nt%d IN A 127.0.13.99\n", 20000+i, i, i)
	}
	server := serveZoneFile(t, z.String())
	rep, _ := checkAgainst(t, server, "huge.example")
	if n := len(rep.Targets); n != 400 {
		t.Errorf("%d targets located, want 400", n)
	}
	if !hasFinding(rep, Warning, "too-many-targets") {
		t.Error("no too-many-targets warning")
	}
	if !hasFinding(rep, Warning, "dns-truncated") {
		t.Error("no dns-truncated warning for an 18 KB answer")
	}
	probed := 0
	for _, p := range rep.Probes {
		if p.Outcome != "" {
			probed++
		}
	}
	if probed != maxProbes {
		t.Errorf("%d targets probed, want the first %d", probed, maxProbes)
	}
}

// TestHostileDNSNameServers: a zone with 50 name servers, none of whose
// addresses are ever answered, costs at most maxNameServers address
// queries, asked at once, not 50 timeouts one after the other.
func TestHostileDNSNameServers(t *testing.T) {
	zone := dnstest.NewZone(
		`ns.example. 300 IN SOA ns0.ns.example. h.ns.example. 1 3600 600 86400 300`,
		`_sip._udp.ns.example. 300 IN SRV 10 0 20000 sip.ns.example.`,
		`sip.ns.example. 300 IN A 127.0.13.99`,
	)
	var nsRRs []dns.RR
	for i := range 50 {
		nsRRs = append(nsRRs, dnstest.RR(fmt.Sprintf("ns.example. 300 IN NS ns%d.ns.example.", i)))
	}
	srv := dnstest.NewServerOn(t, "127.0.13.98", dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		q := r.Question[0]
		switch {
		case q.Qtype == dns.TypeNS:
			_ = w.WriteMsg(dnstest.Reply(r, dns.RcodeSuccess, nsRRs, nil, nil))
		case strings.HasPrefix(q.Name, "ns") && q.Name != "ns.example.":
			// the name servers' addresses: never answered
		default:
			zone.ServeDNS(w, r)
		}
	}))
	rep, _ := checkAgainst(t, srv.Addr, "ns.example")
	asked := 0
	for _, q := range srv.Queries() {
		if strings.HasPrefix(q.Name, "ns") && q.Name != "ns.example." && q.Type == dns.TypeA {
			asked++
		}
	}
	if asked > maxNameServers {
		t.Errorf("%d address queries for name servers, want at most %d", asked, maxNameServers)
	}
	if len(rep.Targets) != 1 {
		t.Errorf("targets %v, want sip.ns.example", rep.Targets)
	}
}
