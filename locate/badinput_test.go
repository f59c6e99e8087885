package locate_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/internal/dnstest"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatedns"
)

// TestLocateBadServers runs Locate on a real dnsclient against servers
// that misbehave: each ends with a clear *locate.Error, no panic, and no
// wait past the client's timeouts (the test's own context is far longer).
func TestLocateBadServers(t *testing.T) {
	tests := []struct {
		name     string
		handler  dns.Handler
		wantStep string
		wantErr  error
	}{
		{name: "silent", handler: dnstest.Silent(), wantStep: "NAPTR", wantErr: locate.ErrNoDNSAnswer},
		{name: "SERVFAIL", handler: dnstest.Rcode(dns.RcodeServerFailure), wantStep: "NAPTR", wantErr: dnsclient.ErrServerFailure},
		{name: "REFUSED", handler: dnstest.Rcode(dns.RcodeRefused), wantStep: "NAPTR", wantErr: dnsclient.ErrRefused},
		{name: "garbage", handler: dnstest.Raw(func(*dns.Msg) []byte { return []byte("\x00\x01garbage") }), wantStep: "NAPTR"},
		{name: "CNAME loop", handler: dnstest.NewZone(
			`example.com. 60 IN CNAME a.example.com.`, `a.example.com. 60 IN CNAME example.com.`),
			wantStep: "NAPTR", wantErr: dnsclient.ErrCNAMELoop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := dnstest.NewServer(t, tt.handler)
			c, err := dnsclient.New(dnsclient.Config{Servers: []string{srv.Addr}, Timeout: 100 * time.Millisecond, Attempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := (&locate.Locator{Resolver: locatedns.New(c)}).Locate(ctx, "sip:example.com", locate.Options{Family: locate.IPv4Only})
			var le *locate.Error
			if !errors.As(err, &le) || le.Step != tt.wantStep || len(res.Targets) != 0 {
				t.Fatalf("Locate: %v with %d targets; want a %s *locate.Error and none", err, len(res.Targets), tt.wantStep)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want one wrapping %v", err, tt.wantErr)
			}
			if ctx.Err() != nil {
				t.Errorf("Locate waited until the test's own deadline")
			}
		})
	}
}

// TestLocateOversizedAnswer checks a SRV RRset too big for UDP (it comes
// over TCP) with a hundred targets, each with an address.
func TestLocateOversizedAnswer(t *testing.T) {
	var zone []string
	for i := range 100 {
		zone = append(zone, fmt.Sprintf(`_sip._udp.example.com. 60 IN SRV %d 0 5060 host%d.example.com.`, i, i),
			fmt.Sprintf(`host%d.example.com. 60 IN A 192.0.2.%d`, i, i+1))
	}
	srv := dnstest.NewServer(t, &dnstest.Zone{Records: dnstest.RRs(zone...)})
	c, err := dnsclient.New(dnsclient.Config{Servers: []string{srv.Addr}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&locate.Locator{Resolver: locatedns.New(c)}).Locate(context.Background(), "example.com",
		locate.Options{Mode: locate.ModeSRV, Family: locate.IPv4Only, Transports: []locate.Transport{locate.UDP}})
	if err != nil || len(res.Targets) != 100 {
		t.Fatalf("Locate: %v, %d targets; want 100", err, len(res.Targets))
	}
	for i, tg := range res.Targets {
		if int(tg.Priority) != i {
			t.Fatalf("target %d has priority %d: not in RFC 2782 order", i, tg.Priority)
		}
	}
}

// The cached fast path (no goroutines) needs the adapter to keep
// implementing CacheResolver.
var _ locate.CacheResolver = (*locatedns.Resolver)(nil)
