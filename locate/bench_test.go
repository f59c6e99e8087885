package locate_test

import (
	"context"
	"testing"
	"time"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/internal/dnstest"
	"github.com/siplocate/siplocate/locate"
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
	l := &locate.Locator{Resolver: c}
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
	b.Run("LocateInto/NoTrace", func(b *testing.B) {
		l := warmLocator(b)
		var res locate.Result
		opts := locate.Options{NoTrace: true}
		b.ReportAllocs()
		for b.Loop() {
			if err := l.LocateInto(ctx, "sip:alice@example.com", opts, &res); err != nil || len(res.Targets) != 6 {
				b.Fatal(err, len(res.Targets))
			}
		}
	})
	b.Run("Locate/NoTrace", func(b *testing.B) {
		l := warmLocator(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := l.Locate(ctx, "sip:alice@example.com", locate.Options{NoTrace: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Locate/Trace", func(b *testing.B) {
		l := warmLocator(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := l.Locate(ctx, "sip:alice@example.com", locate.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
