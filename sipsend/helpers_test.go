package sipsend_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/internal/fakeclock"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatetest"
	"github.com/siplocate/siplocate/registrar"
	"github.com/siplocate/siplocate/sipsend"
)

// Unit tests bind 127.0.12.1-127.0.12.99 (docs/loopback.md); ports are
// ephemeral and the zone's SRV records carry them.

var t0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// startRegistrar starts an in-process registrar on ip, on a free port for
// network ("udp" or "tcp"), answering OPTIONS with 200.
func startRegistrar(t testing.TB, network, ip string) (*registrar.Registrar, netip.AddrPort) {
	t.Helper()
	r, err := registrar.New(registrar.Config{
		Listen: []registrar.Listen{{Network: network, Addr: ip + ":0"}},
		NoAuth: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	return r, netip.MustParseAddrPort(r.Addrs()[0].Addr)
}

// closedUDPPort returns an address on ip where no UDP socket listens.
func closedUDPPort(t testing.TB, ip string) netip.AddrPort {
	t.Helper()
	c, err := net.ListenPacket("udp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort(c.LocalAddr().String())
	_ = c.Close()
	return ap
}

// srvZone returns a resolver for example.com with one SRV record per
// address, in priority order, for transport ("udp" or "tcp").
func srvZone(t testing.TB, transport string, addrs ...netip.AddrPort) *locatetest.Resolver {
	t.Helper()
	var b strings.Builder
	b.WriteString("$ORIGIN example.com.\n")
	for i, a := range addrs {
		fmt.Fprintf(&b, "_sip._%s 300 IN SRV %d 0 %d sip%d\nsip%d 300 IN A %s\n", transport, 10*(i+1), a.Port(), i+1, i+1, a.Addr())
	}
	r, err := locatetest.NewResolver(b.String())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newClient returns a sipgo client on a user agent of its own.
func newClient(t testing.TB) *sipgo.Client {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("sipsend-test"),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ua.Close() })
	c, err := sipgo.NewClient(ua, sipgo.WithClientLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fixture is a client, a health store on a fake clock and the options
// that tie them to a zone.
type fixture struct {
	client *sipgo.Client
	clock  *fakeclock.Clock
	health *failover.Health
	opts   sipsend.Options
}

func newFixture(t testing.TB, zone *locatetest.Resolver, transport locate.Transport) *fixture {
	t.Helper()
	f := &fixture{client: newClient(t), clock: fakeclock.New(t0)}
	f.health = &failover.Health{Now: f.clock.Now}
	udp := sipsend.NewUDP(f.client.TransportLayer())
	t.Cleanup(udp.Close)
	streams := sipsend.NewStreams(f.client.TransportLayer(), nil)
	t.Cleanup(streams.Close)
	f.opts = sipsend.Options{
		Locator:        &locate.Locator{Resolver: zone},
		Locate:         locate.Options{Mode: locate.ModeSRV, Transports: []locate.Transport{transport}},
		Health:         f.health,
		UDP:            udp,
		Streams:        streams,
		AttemptTimeout: 300 * time.Millisecond,
	}
	return f
}

// options sends one OPTIONS to uri.
func (f *fixture) options(t testing.TB, uri string) (*sip.Response, sipsend.Trace, error) {
	t.Helper()
	var u sip.Uri
	if err := sip.ParseUri(uri, &u); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return sipsend.Do(ctx, f.client, sip.NewRequest(sip.OPTIONS, u), f.opts)
}

// outcomes renders a trace's attempts as "addr outcome/status" words.
func outcomes(tr sipsend.Trace) []string {
	var out []string
	for _, a := range tr.Attempts {
		s := a.Outcome.String()
		if a.Status != 0 {
			s = fmt.Sprint(a.Status)
		}
		out = append(out, a.Target.AddrPort().String()+" "+s)
	}
	return out
}

// responder answers every request on a UDP socket with what reply says;
// a nil response from reply is silence. It stops with the test.
func responder(t testing.TB, ip string, reply func(*sip.Request) *sip.Response) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = pc.Close(); wg.Wait() })
	wg.Go(func() {
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFrom(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			msg, err := sip.ParseMessage(append([]byte(nil), buf[:n]...))
			req, ok := msg.(*sip.Request)
			if err != nil || !ok {
				continue
			}
			if res := reply(req); res != nil {
				_, _ = pc.WriteTo([]byte(res.String()), from)
			}
		}
	})
	return netip.MustParseAddrPort(pc.LocalAddr().String())
}
