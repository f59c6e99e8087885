package dnsserver

import (
	"sort"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// testZones are the zone files every answer test serves.
var testZones = []string{"testdata/example.com.zone", "testdata/child.example.com.zone", "testdata/example.net.zone"}

// newTestServer loads files into a server that is not listening; tests
// hand it packets directly.
func newTestServer(t testing.TB, files ...string) *Server {
	t.Helper()
	if len(files) == 0 {
		files = testZones
	}
	s, err := New(Config{Zones: files})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// query is a question with the transport details that change the answer.
type query struct {
	name  string
	qtype uint16
	edns  int // EDNS0 payload size; 0: no EDNS0
	do    bool
}

func (q query) msg() *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(q.name, q.qtype)
	m.Id = 0x1234
	if q.edns > 0 {
		m.SetEdns0(uint16(q.edns), q.do)
	}
	return m
}

func pack(t testing.TB, m *dns.Msg) []byte {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatalf("pack: %v", err)
	}
	return b
}

// exchangeUDP sends raw through the UDP socket code (fast path first) and
// returns the unpacked response, or nil when it was dropped.
func exchangeUDP(t testing.TB, s *Server, raw []byte) *dns.Msg {
	t.Helper()
	u := &udpSocket{srv: s}
	resp := u.handle(raw, make([]byte, 0, dns.MaxMsgSize), make([]byte, 0, 260))
	return unpack(t, resp)
}

// exchangeSlow sends raw through the slow path only.
func exchangeSlow(t testing.TB, s *Server, raw []byte) *dns.Msg {
	t.Helper()
	var st stats
	resp := s.slowPath(s.snap.Load(), raw, make([]byte, 0, dns.MaxMsgSize), &st, 0)
	return unpack(t, resp)
}

func unpack(t testing.TB, resp []byte) *dns.Msg {
	t.Helper()
	if resp == nil {
		return nil
	}
	m := new(dns.Msg)
	if err := m.Unpack(resp); err != nil {
		t.Fatalf("unpack response: %v", err)
	}
	return m
}

// rrs parses records written as zone text.
func rrs(t testing.TB, lines ...string) []dns.RR {
	t.Helper()
	var out []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatalf("bad test record %q: %v", l, err)
		}
		out = append(out, rr)
	}
	return out
}

// section renders records for comparison: sorted, lower case, OPT left out.
func section(rs []dns.RR) string {
	var lines []string
	for _, rr := range rs {
		if rr.Header().Rrtype == dns.TypeOPT {
			continue
		}
		lines = append(lines, strings.ToLower(strings.ReplaceAll(rr.String(), "\t", " ")))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// checkSection fails t when got does not hold exactly the records want.
func checkSection(t testing.TB, what string, got []dns.RR, want []string) {
	t.Helper()
	if g, w := section(got), section(rrs(t, want...)); g != w {
		t.Errorf("%s section:\n got:\n%s\nwant:\n%s", what, g, w)
	}
}
