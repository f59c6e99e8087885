package locate_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/internal/dnstest"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatedns"
)

// benchZone is the guide's setup: NAPTR for UDP and TCP, SRV with two
// priorities, A and AAAA.
var benchZone = []string{
	`example.com. 3600 IN SOA ns.example.com. admin.example.com. 1 3600 600 86400 3600`,
	`example.com. 3600 IN NAPTR 10 10 "S" "SIP+D2U" "" _sip._udp.example.com.`,
	`example.com. 3600 IN NAPTR 10 20 "S" "SIP+D2T" "" _sip._tcp.example.com.`,
	`_sip._udp.example.com. 3600 IN SRV 10 60 5060 sip1.example.com.`,
	`_sip._udp.example.com. 3600 IN SRV 10 40 5060 sip2.example.com.`,
	`_sip._tcp.example.com. 3600 IN SRV 10 0 5060 sip1.example.com.`,
	`sip1.example.com. 3600 IN A 192.0.2.13`,
	`sip1.example.com. 3600 IN AAAA 2001:db8::13`,
	`sip2.example.com. 3600 IN A 192.0.2.12`,
	`sip2.example.com. 3600 IN AAAA 2001:db8::12`,
}

// warmLocator returns a Locator on a real dnsclient whose cache holds
// every answer of benchZone's resolution.
func warmLocator(b *testing.B) *locate.Locator {
	srv := dnstest.NewServer(b, &dnstest.Zone{Records: dnstest.RRs(benchZone...)})
	c, err := dnsclient.New(dnsclient.Config{Servers: []string{srv.Addr}, Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	l := &locate.Locator{Resolver: locatedns.New(c)}
	res, err := l.Locate(context.Background(), "sip:alice@example.com", locate.Options{})
	if err != nil || len(res.Targets) != 6 {
		b.Fatalf("warm-up: %v, %d targets", err, len(res.Targets))
	}
	return l
}

// BenchmarkLocateCached locates with every answer in dnsclient's cache:
// 1 NAPTR, 2 SRV and 4 address lookups, 6 targets.
func BenchmarkLocateCached(b *testing.B) {
	ctx := context.Background()
	for _, bb := range []struct {
		name string
		opts locate.Options
	}{
		{name: "NoTrace", opts: locate.Options{NoTrace: true}},
		{name: "Trace"},
	} {
		b.Run(bb.name, func(b *testing.B) {
			l := warmLocator(b)
			b.ReportAllocs()
			cpu := locate.CPUTime()
			for b.Loop() {
				if _, err := l.Locate(ctx, "sip:alice@example.com", bb.opts); err != nil {
					b.Fatal(err)
				}
			}
			locate.ReportCPU(b, cpu)
		})
	}
}

// coldDelay is the delay the cold benchmarks' server adds to every answer,
// standing for a round trip to a distant name server.
const coldDelay = 20 * time.Millisecond

// coldServer starts a dnstest server on benchZone that answers after
// coldDelay, with or without additional-section records.
func coldServer(b *testing.B, additional bool) string {
	zone := &dnstest.Zone{Records: dnstest.RRs(benchZone...), Additional: additional}
	return dnstest.NewServer(b, dnstest.Delay(coldDelay, zone)).Addr
}

// BenchmarkLocateCold locates with a fresh dnsclient cache per iteration
// against a server that delays each answer by 20 ms. "chain" is the
// dependency chain in round trips (NAPTR, SRV, address: 3; SRV mode: 2;
// with the additional section answering SRV and addresses: 1), and
// "x-chain" the wall time over chain × 20 ms.
func BenchmarkLocateCold(b *testing.B) {
	tests := []struct {
		name       string
		mode       locate.Mode
		additional bool
		chain      int
	}{
		{name: "naptr", mode: locate.ModeNAPTR, chain: 3},
		{name: "srv", mode: locate.ModeSRV, chain: 2},
		{name: "naptr-additional", mode: locate.ModeNAPTR, additional: true, chain: 1},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			addr := coldServer(b, tt.additional)
			ctx := context.Background()
			opts := locate.Options{Mode: tt.mode, NoTrace: true}
			// The additional section carries no AAAA for NODATA, so ask
			// IPv4 only there to keep the chain at one round trip.
			if tt.additional {
				opts.Family = locate.IPv4Only
			}
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				c, err := dnsclient.New(dnsclient.Config{Servers: []string{addr}, Timeout: time.Second})
				if err != nil {
					b.Fatal(err)
				}
				res, err := (&locate.Locator{Resolver: locatedns.New(c)}).Locate(ctx, "sip:alice@example.com", opts)
				if err != nil || len(res.Targets) == 0 {
					b.Fatal(err)
				}
			}
			per := time.Since(start) / time.Duration(b.N)
			b.ReportMetric(float64(per)/float64(time.Duration(tt.chain)*coldDelay), "x-chain")
		})
	}
}

// BenchmarkGoNetSRVCold is the standard library's way against the same
// server, in the same run: net.Resolver (PreferGo, dialling the server)
// LookupSRV for _sip._udp, then LookupIPAddr for each target in turn, as
// Go SIP stacks do. It has no NAPTR step and no cache.
func BenchmarkGoNetSRVCold(b *testing.B) {
	addr := coldServer(b, false)
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	ctx := context.Background()
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		_, srvs, err := r.LookupSRV(ctx, "sip", "udp", "example.com.")
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range srvs {
			if _, err := r.LookupIPAddr(ctx, s.Target); err != nil {
				b.Fatal(err)
			}
		}
	}
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(per)/float64(2*coldDelay), "x-chain")
}
