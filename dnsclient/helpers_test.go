package dnsclient

import (
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/internal/dnstest"
)

// clock is a fake clock stepped by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// testClient returns a client for servers with a fake clock, 50 ms per
// attempt and one attempt, then applies mod.
func testClient(t testing.TB, servers []string, clk *clock, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{Servers: servers, Timeout: 50 * time.Millisecond, Attempts: 1, Now: clk.Now}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// table returns a handler that answers each name with the records listed
// for it (no CNAME chasing, NOERROR with nothing for unknown names).
func table(records map[string][]string) dns.Handler {
	return dnstest.Answer(func(q dns.Question) []dns.RR {
		var out []dns.RR
		for _, rr := range dnstest.RRs(records[canonical(q.Name)]...) {
			if rr.Header().Rrtype == q.Qtype || rr.Header().Rrtype == dns.TypeCNAME {
				out = append(out, rr)
			}
		}
		return out
	})
}

// testZone is a small zone like the guide's.
var testZone = []string{
	"example.com. 3600 IN SOA ns.example.com. host.example.com. 1 3600 600 86400 60",
	"_sip._udp.example.com. 300 IN SRV 10 60 5060 sip1.example.com.",
	"_sip._udp.example.com. 300 IN SRV 20 0 5060 sip2.example.com.",
	"sip1.example.com. 120 IN A 192.0.2.1",
	"sip2.example.com. 300 IN A 192.0.2.2",
	"sip2.example.com. 300 IN AAAA 2001:db8::2",
	"www.example.com. 100 IN CNAME sip1.example.com.",
	"gone.example.com. 300 IN CNAME nope.example.com.",
	"loop1.example.com. 300 IN CNAME loop2.example.com.",
	"loop2.example.com. 300 IN CNAME loop1.example.com.",
}

func rrStrings(rrs []dns.RR) []string {
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, rr.String())
	}
	return out
}
