package dnsclient

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/internal/dnstest"
)

// TestAbandonedLookupIsCancelled: when the only caller gives up, its query
// stops, and the next lookup sends a new one instead of waiting for it.
func TestAbandonedLookupIsCancelled(t *testing.T) {
	var n atomic.Int32
	zone := dnstest.NewZone(testZone...)
	srv := dnstest.NewServer(t, dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		if n.Add(1) > 1 { // the first query is never answered
			zone.ServeDNS(w, r)
		}
	}))
	c := testClient(t, []string{srv.Addr}, newClock(), func(cfg *Config) { cfg.Timeout = time.Minute })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Lookup(ctx, "sip1.example.com.", dns.TypeA); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("first lookup: err = %v, want DeadlineExceeded", err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	a, err := c.Lookup(ctx2, "sip1.example.com.", dns.TypeA)
	if err != nil || len(a.Records) != 1 {
		t.Fatalf("second lookup = %v, %v; want a new query answered", a, err)
	}
}

// TestOneCallerGivingUpDoesNotFailOthers: a shared query goes on while
// someone still waits for it.
func TestOneCallerGivingUpDoesNotFailOthers(t *testing.T) {
	release := make(chan struct{})
	zone := dnstest.NewZone(testZone...)
	srv := dnstest.NewServer(t, dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		<-release
		zone.ServeDNS(w, r)
	}))
	c := testClient(t, []string{srv.Addr}, newClock(), func(cfg *Config) { cfg.Timeout = 10 * time.Second })
	patient := make(chan error, 1)
	go func() {
		_, err := c.Lookup(context.Background(), "sip1.example.com.", dns.TypeA)
		patient <- err
	}()
	waitFor(t, func() bool { return c.Stats().InFlight == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Lookup(ctx, "sip1.example.com.", dns.TypeA); !errors.Is(err, context.Canceled) {
		t.Errorf("impatient lookup: err = %v, want Canceled", err)
	}
	close(release)
	if err := <-patient; err != nil {
		t.Errorf("patient lookup: %v", err)
	}
	if srv.Count() != 1 {
		t.Errorf("%d queries on the wire, want 1", srv.Count())
	}
}
