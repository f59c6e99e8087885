package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/dnsserver"
	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/sipsend"
)

// healthProber probes the targets of `dns serve --health-check` with SIP
// OPTIONS through sipsend (issue 12): any final response is alive; ICMP
// unreachable, a reset, a failed TLS handshake and silence are down. TLS
// is left to sipgo's dialer, which checks the certificate against the
// address rather than the SIP domain (RFC 5922 §4 wants the domain). The
// shared prober of the doctor issue (package probe) did not exist when
// this was written; this is the small one it is to replace.
type healthProber struct {
	client *sipgo.Client
	udp    *sipsend.UDP
	close  func()
}

// newHealthProber returns a prober with a SIP user agent of its own.
func newHealthProber(log *slog.Logger) (*healthProber, error) {
	client, closeUA, err := newOptionsClient(log)
	if err != nil {
		return nil, fmt.Errorf("health check: %w", err)
	}
	p := &healthProber{client: client, udp: sipsend.NewUDP(client.TransportLayer())}
	p.close = func() { p.udp.Close(); closeUA() }
	return p, nil
}

// probe sends one OPTIONS to t, trying its addresses in turn until one
// gives a final response; ctx bounds the whole probe.
func (p *healthProber) probe(ctx context.Context, t dnsserver.HealthTarget) (string, error) {
	addrs, err := targetAddrs(ctx, t)
	if err != nil {
		return "no address", err
	}
	domain := strings.TrimSuffix(t.Domain, ".")
	uri := sip.Uri{Scheme: "sip", Host: domain, UriParams: sip.NewParams()}
	uri.UriParams.Add("transport", t.Transport)
	loc := fixedLocator{}
	for _, a := range addrs {
		loc = append(loc, locate.Target{Transport: locate.Transport(t.Transport), Addr: a, Port: t.Port, Host: t.Host})
	}
	res, tr, err := sipsend.Do(ctx, p.client, sip.NewRequest(sip.OPTIONS, uri), sipsend.Options{
		Locator: loc, UDP: p.udp, Health: &failover.Health{}, MaxAttempts: len(addrs)})
	if res != nil {
		return fmt.Sprintf("%d %s", res.StatusCode, res.Reason), nil // any final response is alive
	}
	return probeOutcome(tr), err
}

// probeOutcome names what the last attempt saw: "no answer" for silence.
func probeOutcome(tr sipsend.Trace) string {
	if len(tr.Attempts) == 0 {
		return "no attempt"
	}
	a := tr.Attempts[len(tr.Attempts)-1]
	if a.Outcome == failover.TimedOut {
		return "no answer"
	}
	return attemptResult(a)
}

// targetAddrs returns the addresses the zone gives t's host, or else the
// system resolver's.
func targetAddrs(ctx context.Context, t dnsserver.HealthTarget) ([]netip.Addr, error) {
	if len(t.Addrs) > 0 {
		return t.Addrs, nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", t.Host)
	if err == nil && len(addrs) == 0 {
		err = errors.New("no addresses")
	}
	if err != nil {
		return nil, fmt.Errorf("health check %s: resolve: %w", t, err)
	}
	return addrs, nil
}

// fixedLocator locates every URI at the same targets.
type fixedLocator []locate.Target

func (l fixedLocator) Locate(context.Context, string, locate.Options) (*locate.Result, error) {
	return &locate.Result{Targets: l}, nil
}
