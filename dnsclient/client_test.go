package dnsclient

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/internal/dnstest"
)

// chain returns records for a CNAME chain c0 -> c1 -> ... -> cN with an A
// record at cN, one name per query.
func chain(n int) map[string][]string {
	m := map[string][]string{}
	for i := range n {
		m[fmt.Sprintf("c%d.example.com.", i)] = []string{fmt.Sprintf("c%d.example.com. 300 IN CNAME c%d.example.com.", i, i+1)}
	}
	m[fmt.Sprintf("c%d.example.com.", n)] = []string{fmt.Sprintf("c%d.example.com. 300 IN A 192.0.2.9", n)}
	return m
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name       string
		handler    dns.Handler
		qname      string
		qtype      uint16
		wantErr    error
		wantRcode  int
		wantN      int // records
		wantCNAMEs int
		wantTTL    time.Duration
		wantWire   int // queries on the wire
	}{
		{name: "A", handler: dnstest.NewZone(testZone...), qname: "sip1.example.com", qtype: dns.TypeA,
			wantN: 1, wantTTL: 120 * time.Second, wantWire: 1},
		{name: "mixed case", handler: dnstest.NewZone(testZone...), qname: "SIP2.Example.Com.", qtype: dns.TypeAAAA,
			wantN: 1, wantTTL: 300 * time.Second, wantWire: 1},
		{name: "SRV", handler: dnstest.NewZone(testZone...), qname: "_sip._udp.example.com.", qtype: dns.TypeSRV,
			wantN: 2, wantTTL: 300 * time.Second, wantWire: 1},
		{name: "CNAME chain in one answer, smallest TTL", handler: dnstest.NewZone(testZone...), qname: "www.example.com.",
			qtype: dns.TypeA, wantN: 1, wantCNAMEs: 1, wantTTL: 100 * time.Second, wantWire: 1},
		{name: "CNAME chain across queries", handler: table(chain(3)), qname: "c0.example.com.", qtype: dns.TypeA,
			wantN: 1, wantCNAMEs: 3, wantTTL: 300 * time.Second, wantWire: 4},
		{name: "CNAME chain of 8 links", handler: table(chain(8)), qname: "c0.example.com.", qtype: dns.TypeA,
			wantN: 1, wantCNAMEs: 8, wantTTL: 300 * time.Second, wantWire: 9},
		{name: "CNAME chain of 9 links", handler: table(chain(9)), qname: "c0.example.com.", qtype: dns.TypeA,
			wantErr: ErrCNAMEChain, wantWire: 9},
		{name: "CNAME loop in one answer", handler: dnstest.NewZone(testZone...), qname: "loop1.example.com.",
			qtype: dns.TypeA, wantErr: ErrCNAMELoop, wantWire: 1},
		{name: "CNAME loop across queries", handler: table(map[string][]string{
			"a.example.com.": {"a.example.com. 300 IN CNAME b.example.com."},
			"b.example.com.": {"b.example.com. 300 IN CNAME A.example.com."},
		}), qname: "a.example.com.", qtype: dns.TypeA, wantErr: ErrCNAMELoop, wantWire: 2},
		{name: "CNAME to itself", handler: table(map[string][]string{
			"a.example.com.": {"a.example.com. 300 IN CNAME a.example.com."},
		}), qname: "a.example.com.", qtype: dns.TypeA, wantErr: ErrCNAMELoop, wantWire: 1},
		{name: "CNAME asked for", handler: dnstest.NewZone(testZone...), qname: "www.example.com.", qtype: dns.TypeCNAME,
			wantN: 1, wantTTL: 100 * time.Second, wantWire: 1},
		{name: "NXDOMAIN", handler: dnstest.NewZone(testZone...), qname: "nope.example.com.", qtype: dns.TypeA,
			wantRcode: dns.RcodeNameError, wantTTL: 60 * time.Second, wantWire: 1},
		{name: "NODATA", handler: dnstest.NewZone(testZone...), qname: "sip1.example.com.", qtype: dns.TypeAAAA,
			wantTTL: 60 * time.Second, wantWire: 1},
		{name: "NXDOMAIN at the end of a CNAME", handler: dnstest.NewZone(testZone...), qname: "gone.example.com.",
			qtype: dns.TypeA, wantRcode: dns.RcodeNameError, wantCNAMEs: 1, wantTTL: 60 * time.Second, wantWire: 1},
		{name: "bad name", handler: dnstest.NewZone(testZone...), qname: "a..example.com.", qtype: dns.TypeA,
			wantErr: ErrBadName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := dnstest.NewServer(t, tt.handler)
			clk := newClock()
			c := testClient(t, []string{srv.Addr}, clk, nil)
			a, err := c.Lookup(context.Background(), tt.qname, tt.qtype)
			if got := srv.Count(); got != tt.wantWire {
				t.Errorf("queries on the wire = %d, want %d", got, tt.wantWire)
			}
			if tt.wantErr != nil {
				var e *Error
				if !errors.Is(err, tt.wantErr) || !errors.As(err, &e) || e.Name != tt.qname {
					t.Fatalf("err = %v, want *Error for %s wrapping %v", err, tt.qname, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			if a.Rcode != tt.wantRcode || len(a.Records) != tt.wantN || len(a.CNAMEs) != tt.wantCNAMEs {
				t.Errorf("got rcode %d, %d records, %d CNAMEs; want %d, %d, %d\n%v",
					a.Rcode, len(a.Records), len(a.CNAMEs), tt.wantRcode, tt.wantN, tt.wantCNAMEs, rrStrings(a.Records))
			}
			if got := a.TTL(clk.Now()); got != tt.wantTTL {
				t.Errorf("TTL = %v, want %v", got, tt.wantTTL)
			}
			if a.Cached || a.Server != srv.Addr || a.RTT <= 0 {
				t.Errorf("Cached=%v Server=%q RTT=%v, want a fresh answer from %s", a.Cached, a.Server, a.RTT, srv.Addr)
			}
		})
	}
}

func TestLookupCached(t *testing.T) {
	srv := dnstest.NewServer(t, dnstest.NewZone(testZone...))
	clk := newClock()
	c := testClient(t, []string{srv.Addr}, clk, nil)
	first, err := c.Lookup(context.Background(), "www.example.com.", dns.TypeA)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(40 * time.Second)
	second, err := c.Lookup(context.Background(), "WWW.example.com", dns.TypeA)
	if err != nil {
		t.Fatal(err)
	}
	if !second.Cached || second.RTT != 0 || !second.Expires.Equal(first.Expires) || second.TTL(clk.Now()) != 60*time.Second {
		t.Errorf("second lookup: Cached=%v RTT=%v Expires=%v TTL=%v; want cached, 0, %v, 60s",
			second.Cached, second.RTT, second.Expires, second.TTL(clk.Now()), first.Expires)
	}
	clk.Advance(60 * time.Second) // the CNAME's 100 s are over
	third, err := c.Lookup(context.Background(), "www.example.com.", dns.TypeA)
	if err != nil {
		t.Fatal(err)
	}
	if third.Cached || srv.Count() != 2 {
		t.Errorf("after expiry: Cached=%v, %d queries on the wire; want a new query (2)", third.Cached, srv.Count())
	}
	if s := c.Stats(); s.CacheHits != 1 || s.CacheMisses != 2 || s.Lookups != 3 {
		t.Errorf("Stats = %+v, want 1 hit, 2 misses, 3 lookups", s)
	}
}

func TestLookupContextDeadline(t *testing.T) {
	srv := dnstest.NewServer(t, dnstest.Silent())
	c := testClient(t, []string{srv.Addr}, newClock(), func(cfg *Config) { cfg.Timeout = time.Minute })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := c.Lookup(ctx, "a.example.com.", dns.TypeA)
	var e *Error
	if !errors.As(err, &e) || !e.Timeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a timeout *Error wrapping context.DeadlineExceeded", err)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr error
	}{
		{name: "no servers", cfg: Config{Servers: []string{}}, wantErr: ErrNoServers},
		{name: "bad server", cfg: Config{Servers: []string{"[::1"}}},
		{name: "missing resolv.conf", cfg: Config{ResolvConf: "testdata/does-not-exist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("New: err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
