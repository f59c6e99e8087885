package sipsend_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/locate"
)

// TestInteropMeasureTimeToFinal measures, for docs/benchmarks.md, the time
// from sending to the final response with the Kamailio pair's primary
// killed and silent (SIGSTOP), for OPTIONS and INVITE, with sipgo's own
// resolution (client.Do, its resolver pointed at our DNS, SRV first) and
// with sipsend.Do (1 s per attempt). sipgo's wait is cut at 3 s; its own
// Timer F/B would end it at 32 s. Figures are logged, not asserted.
func TestInteropMeasureTimeToFinal(t *testing.T) {
	for _, transport := range []locate.Transport{locate.UDP, locate.TCP} {
		for _, failure := range []string{"killed", "silent"} {
			t.Run(fmt.Sprintf("%s/%s", transport, failure), func(t *testing.T) {
				l := startKamLab(t, transport)
				plain := newSipgoClient(t, l.dns)
				if failure == "killed" {
					l.primary.Kill()
				} else {
					l.primary.Pause()
					defer l.primary.Resume()
				}
				for _, method := range []sip.RequestMethod{sip.OPTIONS, sip.INVITE} {
					code, took := sipgoSend(plain, method, transport, 3*time.Second)
					t.Logf("%s %s %s sipgo:   %s after %.1f ms", transport, failure, method, code, ms(took))
					l.f.health = nil
					l.f.opts.Health = nil // a fresh store: the first request after the failure
					status, words, took := l.send(t, method)
					t.Logf("%s %s %s sipsend: %d after %.1f ms %q", transport, failure, method, status, ms(took), words)
				}
			})
		}
	}
}

// newSipgoClient returns a plain sipgo client whose resolver asks dns,
// SRV first (sipgo.s WithUserAgentDNSResolver, sip.WithTransportLayerDNSLookupSRV).
func newSipgoClient(t *testing.T, dns string) *sipgo.Client {
	t.Helper()
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, dns)
	}}
	quiet := slog.New(slog.DiscardHandler)
	ua, err := sipgo.NewUA(sipgo.WithUserAgentDNSResolver(r),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet), sip.WithTransportLayerDNSLookupSRV(true)),
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

// sipgoSend sends method to the lab's domain with client.Do, bounded by
// limit, and returns the status (or the error) and the time it took.
func sipgoSend(c *sipgo.Client, method sip.RequestMethod, transport locate.Transport, limit time.Duration) (string, time.Duration) {
	uri := sip.Uri{Scheme: "sip", User: "alice", Host: kamDomain, UriParams: sip.NewParams()}
	uri.UriParams.Add("transport", string(transport))
	req := sip.NewRequest(method, uri)
	if method == sip.INVITE {
		req.AppendHeader(sip.NewHeader("Contact", "<sip:bob@127.0.0.1>"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	start := time.Now()
	res, err := c.Do(ctx, req)
	took := time.Since(start)
	if err != nil {
		return "error: " + err.Error(), took
	}
	return fmt.Sprintf("%d from %s", res.StatusCode, res.Source()), took
}
