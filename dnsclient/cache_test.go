package dnsclient

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/internal/dnstest"
)

func TestCacheLifetime(t *testing.T) {
	noSOA := &dnstest.Zone{Records: dnstest.RRs("sip1.example.com. 120 IN A 192.0.2.1")}
	tests := []struct {
		name           string
		handler        dns.Handler
		qname          string
		qtype          uint16
		minTTL, maxTTL time.Duration
		wantTTL        time.Duration // 0: not cached
	}{
		{name: "positive", handler: dnstest.NewZone(testZone...), qname: "sip1.example.com.", qtype: dns.TypeA,
			wantTTL: 120 * time.Second},
		{name: "NXDOMAIN: SOA minimum below SOA TTL", handler: dnstest.NewZone(testZone...), qname: "x.example.com.",
			qtype: dns.TypeA, wantTTL: 60 * time.Second},
		{name: "NODATA: SOA TTL below minimum", handler: dnstest.NewZone(
			"example.com. 30 IN SOA ns.example.com. host.example.com. 1 3600 600 86400 600",
			"sip1.example.com. 120 IN A 192.0.2.1"), qname: "sip1.example.com.", qtype: dns.TypeAAAA, wantTTL: 30 * time.Second},
		{name: "NXDOMAIN without SOA is not cached", handler: noSOA, qname: "x.example.com.", qtype: dns.TypeA},
		{name: "NODATA without SOA is not cached", handler: noSOA, qname: "sip1.example.com.", qtype: dns.TypeAAAA},
		{name: "MaxTTL clamps", handler: dnstest.NewZone(testZone...), qname: "sip1.example.com.", qtype: dns.TypeA,
			maxTTL: 10 * time.Second, wantTTL: 10 * time.Second},
		{name: "MinTTL clamps", handler: dnstest.NewZone(testZone...), qname: "sip1.example.com.", qtype: dns.TypeA,
			minTTL: 600 * time.Second, wantTTL: 600 * time.Second},
		{name: "MinTTL clamps negative", handler: dnstest.NewZone(testZone...), qname: "x.example.com.", qtype: dns.TypeA,
			minTTL: 90 * time.Second, wantTTL: 90 * time.Second},
		{name: "RRset with differing TTLs: the smallest", handler: dnstest.NewZone(
			"two.example.com. 300 IN A 192.0.2.1", "two.example.com. 90 IN A 192.0.2.2"),
			qname: "two.example.com.", qtype: dns.TypeA, wantTTL: 90 * time.Second},
		{name: "TTL 0 is not cached", handler: dnstest.NewZone("zero.example.com. 0 IN A 192.0.2.1"),
			qname: "zero.example.com.", qtype: dns.TypeA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := dnstest.NewServer(t, tt.handler)
			clk := newClock()
			c := testClient(t, []string{srv.Addr}, clk, func(cfg *Config) { cfg.MinTTL, cfg.MaxTTL = tt.minTTL, tt.maxTTL })
			a, err := c.Lookup(context.Background(), tt.qname, tt.qtype)
			if err != nil {
				t.Fatal(err)
			}
			if got := a.TTL(clk.Now()); got != tt.wantTTL {
				t.Errorf("TTL = %v, want %v", got, tt.wantTTL)
			}
			wantWire := 1
			if tt.wantTTL == 0 {
				wantWire = 2
			}
			clk.Advance(tt.wantTTL - time.Second)
			c.Lookup(context.Background(), tt.qname, tt.qtype) //nolint:errcheck
			if srv.Count() != wantWire {
				t.Errorf("just before expiry: %d queries on the wire, want %d", srv.Count(), wantWire)
			}
			clk.Advance(time.Second)
			c.Lookup(context.Background(), tt.qname, tt.qtype) //nolint:errcheck
			if srv.Count() != wantWire+1 {
				t.Errorf("at expiry: %d queries on the wire, want %d", srv.Count(), wantWire+1)
			}
		})
	}
}

func TestSingleflight(t *testing.T) {
	release := make(chan struct{})
	zone := dnstest.NewZone(testZone...)
	srv := dnstest.NewServer(t, dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		<-release
		zone.ServeDNS(w, r)
	}))
	c := testClient(t, []string{srv.Addr}, newClock(), func(cfg *Config) { cfg.Timeout = 10 * time.Second })
	const n = 20
	answers := make([]*Answer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i], errs[i] = c.Lookup(context.Background(), "sip1.example.com.", dns.TypeA) })
	}
	waitFor(t, func() bool { return c.Stats().InFlight == n })
	close(release)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || answers[i] != answers[0] {
			t.Fatalf("lookup %d: %v, %p; want the shared answer %p", i, errs[i], answers[i], answers[0])
		}
	}
	if got := srv.Count(); got != 1 {
		t.Errorf("%d queries on the wire, want 1", got)
	}
	if s := c.Stats(); s.Shared != n-1 {
		t.Errorf("Stats.Shared = %d, want %d", s.Shared, n-1)
	}
}

// waitFor polls cond until it holds, for at most 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestEviction(t *testing.T) {
	var lines []string
	for i := range 10 {
		lines = append(lines, fmt.Sprintf("h%d.example.com. 300 IN A 192.0.2.%d", i, i))
	}
	srv := dnstest.NewServer(t, dnstest.NewZone(lines...))
	clk := newClock()
	c := testClient(t, []string{srv.Addr}, clk, func(cfg *Config) { cfg.CacheSize = 3 })
	for i := range 10 {
		if _, err := c.Lookup(context.Background(), fmt.Sprintf("h%d.example.com.", i), dns.TypeA); err != nil {
			t.Fatal(err)
		}
	}
	if s := c.Stats(); s.CacheSize != 3 || s.Evictions != 7 {
		t.Errorf("CacheSize %d, Evictions %d; want 3, 7", s.CacheSize, s.Evictions)
	}
	if _, err := c.Lookup(context.Background(), "h9.example.com.", dns.TypeA); err != nil || srv.Count() != 10 {
		t.Errorf("the newest entry was evicted (%d queries, %v)", srv.Count(), err)
	}
}

func TestEvictionPrefersExpired(t *testing.T) {
	clk := newClock()
	c := newCache(3)
	now := clk.Now()
	for i, ttl := range []time.Duration{time.Hour, time.Second, time.Hour} {
		c.put(cacheKey{name: fmt.Sprint(i), qtype: 1}, &Answer{Expires: now.Add(ttl)}, now, false)
	}
	later := now.Add(time.Minute)
	c.put(cacheKey{name: "new", qtype: 1}, &Answer{Expires: later.Add(time.Hour)}, later, false)
	for _, name := range []string{"0", "2", "new"} {
		if c.get(cacheKey{name: name, qtype: 1}, later) == nil {
			t.Errorf("entry %q evicted; want the expired entry evicted instead", name)
		}
	}
}

// TestCacheConcurrent reads and writes one small cache from many
// goroutines (run with -race): the size bound holds and every entry read
// is one that was stored for its key.
func TestCacheConcurrent(t *testing.T) {
	c := newCache(16)
	now := newClock().Now()
	answers := make([]*Answer, 64)
	for i := range answers {
		answers[i] = &Answer{Name: fmt.Sprint(i), Expires: now.Add(time.Hour)}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for n := range 2000 {
				i := (n*7 + g) % len(answers)
				k := cacheKey{name: answers[i].Name, qtype: 1}
				if n%3 == 0 {
					c.put(k, answers[i], now, n%2 == 0)
				} else if a := c.get(k, now); a != nil && a != answers[i] {
					t.Errorf("get(%s) = answer %s", k.name, a.Name)
				}
			}
		})
	}
	wg.Wait()
	if n := c.len(); n > 16 || n == 0 {
		t.Errorf("cache holds %d entries, want 1 to 16", n)
	}
	if c.evicted.Load() == 0 {
		t.Error("no evictions with 64 keys in 16 places")
	}
}

func TestNoCache(t *testing.T) {
	srv := dnstest.NewServer(t, dnstest.NewZone(testZone...))
	c := testClient(t, []string{srv.Addr}, newClock(), func(cfg *Config) { cfg.CacheSize = -1 })
	for range 2 {
		if _, err := c.Lookup(context.Background(), "sip1.example.com.", dns.TypeA); err != nil {
			t.Fatal(err)
		}
	}
	if srv.Count() != 2 {
		t.Errorf("%d queries on the wire with the cache off, want 2", srv.Count())
	}
}

func TestCachedLookupDoesNotAllocate(t *testing.T) {
	srv := dnstest.NewServer(t, dnstest.NewZone(testZone...))
	c := testClient(t, []string{srv.Addr}, newClock(), nil)
	ctx := context.Background()
	if _, err := c.Lookup(ctx, "_sip._udp.example.com.", dns.TypeSRV); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() { c.Lookup(ctx, "_sip._udp.example.com.", dns.TypeSRV) }) //nolint:errcheck
	if allocs != 0 {
		t.Errorf("cached Lookup allocates %v times, want 0", allocs)
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: "example.com.", want: "example.com."},
		{in: "Example.COM", want: "example.com."},
		{in: "", want: "."},
		{in: ".", want: "."},
		{in: `a\.`, want: `a\..`},
		{in: `a\\.`, want: `a\\.`},
	}
	for _, tt := range tests {
		if got := canonical(tt.in); got != tt.want {
			t.Errorf("canonical(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLookupCachedOnly(t *testing.T) {
	srv := dnstest.NewServer(t, dnstest.NewZone(testZone...))
	clk := newClock()
	c := testClient(t, []string{srv.Addr}, clk, nil)
	if a, ok := c.LookupCached("sip1.example.com.", dns.TypeA, clk.Now()); ok || a != nil {
		t.Fatalf("LookupCached before any lookup = %v, %v; want nil, false", a, ok)
	}
	if _, err := c.Lookup(context.Background(), "sip1.example.com.", dns.TypeA); err != nil {
		t.Fatal(err)
	}
	if a, ok := c.LookupCached("SIP1.example.com", dns.TypeA, c.Now()); !ok || !a.Cached {
		t.Errorf("LookupCached after Lookup = %v, %v; want the cached answer", a, ok)
	}
	if _, ok := c.LookupCached("sip1.example.com.", dns.TypeA, clk.Now().Add(120*time.Second)); ok {
		t.Error("LookupCached returned an answer expired at the time given")
	}
	clk.Advance(120 * time.Second)
	if _, ok := c.LookupCached("sip1.example.com.", dns.TypeA, c.Now()); ok {
		t.Error("LookupCached returned an expired answer")
	}
	if srv.Count() != 1 {
		t.Errorf("%d queries on the wire, want 1 (LookupCached never queries)", srv.Count())
	}
	allocs := testing.AllocsPerRun(100, func() { c.LookupCached("sip1.example.com.", dns.TypeA, c.Now()) })
	if allocs != 0 {
		t.Errorf("LookupCached allocates %v times, want 0", allocs)
	}
}
