package sipsend_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/internal/dnstest"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatedns"
	"github.com/siplocate/siplocate/sipsend"
)

// cpuTime returns the CPU time the process has used (user + system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkOptions compares one OPTIONS to an in-process registrar on
// loopback when nothing fails: plain sipgo (client.Do to the address)
// against sipsend.Do, with no DNS (static mode) and through an SRV record
// (locatedns over a dnsclient whose server is in memory: after the first
// request, locate's cache answers, as in production). "cpu-ns/op" is the
// process's CPU per request, the registrar's included.
func BenchmarkOptions(b *testing.B) {
	_, addr := startRegistrar(b, "udp", ip(95))
	mem := srvMemServer(addr)
	zone := cachedSRV(b, mem)
	uri := sip.Uri{Scheme: "sip", Host: "example.com"}
	run := func(b *testing.B, send func(context.Context, *sip.Request) (*sip.Response, error)) {
		ctx := context.Background()
		b.ReportAllocs()
		start := cpuTime()
		b.ResetTimer()
		for range b.N {
			res, err := send(ctx, sip.NewRequest(sip.OPTIONS, uri))
			if err != nil || res.StatusCode != 200 {
				b.Fatal(res, err)
			}
		}
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
	b.Run("sipgo", func(b *testing.B) {
		client := newClient(b)
		run(b, func(ctx context.Context, req *sip.Request) (*sip.Response, error) {
			req.SetDestination(addr.String())
			return client.Do(ctx, req)
		})
	})
	b.Run("sipgo-srv", func(b *testing.B) {
		client := newSipgoSRVClient(b, mem)
		run(b, func(ctx context.Context, req *sip.Request) (*sip.Response, error) {
			return client.Do(ctx, req)
		})
	})
	for _, tc := range []struct {
		name string
		opts locate.Options
	}{
		{name: "sipsend-static", opts: locate.Options{Mode: locate.ModeStatic, PrimaryIP: addr.String(), NoTrace: true}},
		{name: "sipsend-srv", opts: locate.Options{Mode: locate.ModeSRV, Transports: []locate.Transport{locate.UDP}, NoTrace: true}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			f := newFixture(b, nil, locate.UDP)
			f.opts.Locator = &locate.Locator{Resolver: zone}
			f.opts.Locate, f.opts.AttemptTimeout = tc.opts, 0
			run(b, func(ctx context.Context, req *sip.Request) (*sip.Response, error) {
				res, _, err := sipsend.Do(ctx, f.client, req, f.opts)
				return res, err
			})
		})
	}
}

// srvMemServer returns an in-memory DNS server with one SRV record for
// addr.
func srvMemServer(addr netip.AddrPort) *dnstest.Server {
	return dnstest.NewMemServer(dnstest.NewZone(
		"example.com. 300 IN SOA ns.example.com. h.example.com. 1 3600 600 86400 60",
		fmt.Sprintf("_sip._udp.example.com. 300 IN SRV 10 0 %d sip1.example.com.", addr.Port()),
		"sip1.example.com. 300 IN A "+addr.Addr().String(),
	))
}

// newSipgoSRVClient returns a plain sipgo client that resolves names
// itself, SRV first, through a net.Resolver asking mem (sipgo has no
// cache: every request asks).
func newSipgoSRVClient(b testing.TB, mem *dnstest.Server) *sipgo.Client {
	b.Helper()
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		// A pipe is not a net.PacketConn, so Go frames its queries as over
		// TCP: the server must read them so.
		return mem.Dial(ctx, "tcp", "192.0.2.53:53")
	}}
	quiet := slog.New(slog.DiscardHandler)
	ua, err := sipgo.NewUA(sipgo.WithUserAgentDNSResolver(r),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet), sip.WithTransportLayerDNSLookupSRV(true)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ua.Close() })
	c, err := sipgo.NewClient(ua, sipgo.WithClientLogger(quiet))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// cachedSRV returns a production resolver (locatedns over dnsclient, with
// its cache) asking mem.
func cachedSRV(b testing.TB, mem *dnstest.Server) locate.Resolver {
	b.Helper()
	c, err := dnsclient.New(dnsclient.Config{
		Servers: []string{"192.0.2.53:53"},
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return mem.Dial(ctx, network, "192.0.2.53:53")
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	return locatedns.New(c)
}
