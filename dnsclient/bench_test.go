package dnsclient

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/internal/dnstest"
)

// BenchmarkLookupCached measures a Lookup answered from the cache.
func BenchmarkLookupCached(b *testing.B) {
	srv := dnstest.NewServer(b, dnstest.NewZone(testZone...))
	c, err := New(Config{Servers: []string{srv.Addr}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Lookup(ctx, "_sip._udp.example.com.", dns.TypeSRV); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Lookup(ctx, "_sip._udp.example.com.", dns.TypeSRV); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookupCachedAt measures a cache read as the locator makes it:
// LookupCached with a clock reading taken once for many reads.
func BenchmarkLookupCachedAt(b *testing.B) {
	srv := dnstest.NewServer(b, dnstest.NewZone(testZone...))
	c, err := New(Config{Servers: []string{srv.Addr}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Lookup(context.Background(), "_sip._udp.example.com.", dns.TypeSRV); err != nil {
		b.Fatal(err)
	}
	now := c.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := c.LookupCached("_sip._udp.example.com.", dns.TypeSRV, now); !ok {
			b.Fatal("not cached")
		}
	}
}

// BenchmarkLookupCold measures a Lookup that goes to the wire: UDP on
// loopback to a dnstest zone, cache off.
func BenchmarkLookupCold(b *testing.B) {
	srv := dnstest.NewServer(b, dnstest.NewZone(testZone...))
	c, err := New(Config{Servers: []string{srv.Addr}, CacheSize: -1, Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Lookup(ctx, "_sip._udp.example.com.", dns.TypeSRV); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookupCachedParallel measures cache hits from all cores at once
// (the read lock is shared).
func BenchmarkLookupCachedParallel(b *testing.B) {
	srv := dnstest.NewServer(b, dnstest.NewZone(testZone...))
	c, err := New(Config{Servers: []string{srv.Addr}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Lookup(ctx, "_sip._udp.example.com.", dns.TypeSRV); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Lookup(ctx, "_sip._udp.example.com.", dns.TypeSRV) //nolint:errcheck
		}
	})
}
