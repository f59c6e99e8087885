package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/siplocate/siplocate/dnsserver"
	"github.com/siplocate/siplocate/probe"
)

// healthProber probes the targets of `dns serve --health-check` with the
// shared prober (package probe, issue 12): one SIP OPTIONS per address
// until one gets a final response, which is alive whatever its status;
// ICMP unreachable, a refused or reset connection, silence, garbage and a
// TLS certificate that does not name the SIP domain (RFC 5922 §7) are
// down.
type healthProber struct {
	opts probe.Options
}

// newHealthProber returns the prober of `dns serve --health-check`.
func newHealthProber() *healthProber {
	return &healthProber{}
}

// probe probes t's addresses in turn, each with what is left of ctx,
// until one answers.
func (p *healthProber) probe(ctx context.Context, t dnsserver.HealthTarget) (string, error) {
	addrs, err := targetAddrs(ctx, t)
	if err != nil {
		return "no address", err
	}
	domain := strings.TrimSuffix(t.Domain, ".")
	var last probe.Result
	for _, a := range addrs {
		last = probe.Probe(ctx, probe.Target{Transport: t.Transport, Address: a, Port: t.Port, Host: strings.TrimSuffix(t.Host, ".")}, domain, p.opts)
		if last.Up() {
			return last.String(), nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return last.String(), fmt.Errorf("probe %s: %s", t, last.Outcome)
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
