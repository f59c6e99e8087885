package sipsend_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/register"
	"github.com/siplocate/siplocate/registrar"
)

// registerOnce runs a register.Agent with one account for example.com
// (UDP, no authentication) that shares health, until the account is
// registered or fails a round; it returns the targets the account sent a
// REGISTER to, in order, and the one that took it.
func registerOnce(t *testing.T, f *fixture, health *failover.Health) (tried []netip.AddrPort, registered netip.AddrPort) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	agent, err := register.New(register.Config{
		Accounts: []register.Account{{
			AOR: "sip:alice@example.com", Server: "example.com", DNSMode: locate.ModeSRV,
			Transports: []locate.Transport{locate.UDP}, AttemptTimeout: 300 * time.Millisecond,
		}},
		Locator: f.opts.Locator,
		Health:  health,
		OnEvent: func(e register.Event) {
			switch e.Kind {
			case register.Registering:
				tried = append(tried, e.Target.AddrPort())
			case register.Registered:
				registered = e.Target.AddrPort()
				cancel()
			case register.RoundFailed:
				cancel()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = agent.Run(ctx) // ends with the context: unregisters
	return tried, registered
}

// TestHealthSharedWithRegister: sipsend and register keep one store of
// target health (issue 10, item 2). A primary a request found silent is
// skipped by an account registering afterwards; a primary an account
// found closed (ICMP port unreachable) is skipped by the next request.
func TestHealthSharedWithRegister(t *testing.T) {
	t.Run("request to account", func(t *testing.T) {
		silent, p := startRegistrar(t, "udp", ip(80))
		if err := silent.SetFault(registrar.Fault{Kind: registrar.FaultSilent}); err != nil {
			t.Fatal(err)
		}
		_, b := startRegistrar(t, "udp", ip(81))
		f := newFixture(t, srvZone(t, "udp", p, b), locate.UDP)
		health := &failover.Health{} // the agent's clock is the wall clock: so is the store's
		f.opts.Health = health
		if _, tr, err := f.options(t, "sip:example.com"); err != nil || !slices.Equal(outcomes(tr), []string{p.String() + " timeout", b.String() + " 200"}) {
			t.Fatalf("OPTIONS: %v, %q; want the primary silent, the backup 200", err, outcomes(tr))
		}
		tried, reg := registerOnce(t, f, health)
		if reg != b || !slices.Equal(tried, []netip.AddrPort{b}) {
			t.Errorf("account sent REGISTER to %v, registered with %v; want the backup %v only", tried, reg, b)
		}
	})
	t.Run("account to request", func(t *testing.T) {
		p := closedUDPPort(t, ip(82))
		_, b := startRegistrar(t, "udp", ip(83))
		f := newFixture(t, srvZone(t, "udp", p, b), locate.UDP)
		health := &failover.Health{}
		f.opts.Health = health
		tried, reg := registerOnce(t, f, health)
		if reg != b || !slices.Equal(tried, []netip.AddrPort{p, b}) {
			t.Fatalf("account sent REGISTER to %v, registered with %v; want the primary, then the backup %v", tried, reg, b)
		}
		if _, tr, err := f.options(t, "sip:example.com"); err != nil || !slices.Equal(outcomes(tr), []string{b.String() + " 200"}) {
			t.Errorf("OPTIONS after the account: %v, %q; want the backup only", err, outcomes(tr))
		}
	})
}
