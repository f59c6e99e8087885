package register

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/internal/logsafe"
	"github.com/siplocate/siplocate/locate"
)

// round is one registration (the first, a refresh or a retry): locate,
// then try targets as the fail-over policy says until one takes the
// registration. It returns how long until the next round.
func (s *session) round(ctx context.Context, failback bool) time.Duration {
	if !s.locate(ctx) {
		return s.failed(ctx, nil)
	}
	if failback {
		s.policy.BeginFailback()
	} else {
		s.policy.Begin(s.agent.now())
	}
	var lastErr error
	for {
		t, ok := s.policy.Next(s.agent.now())
		if !ok || ctx.Err() != nil {
			break
		}
		n, of := s.policy.Try()
		r := s.attempt(ctx, t, n, of)
		if ctx.Err() != nil {
			return 0
		}
		s.policy.Report(t, r.outcome, r.retryAfter, s.agent.now())
		if r.outcome != failover.Answered && s.acct.Probe > 0 {
			s.policy.Suspend(t) // probes tell when it answers again
		}
		if r.granted > 0 {
			return s.registeredWith(ctx, t, r)
		}
		if r.err != nil {
			lastErr = r.err
		}
		if s.policy.Done() { // answered with a final failure: no use going on
			break
		}
	}
	return s.failed(ctx, lastErr)
}

// failed ends a round without a registration and returns the wait before
// the next one (RFC 5626 §4.5 backoff, or a 503's Retry-After if later).
func (s *session) failed(ctx context.Context, err error) time.Duration {
	if ctx.Err() != nil {
		return 0
	}
	s.failures++
	s.registered = false
	s.flow.Store(nil)
	wait := s.agent.retryWait(s.failures)
	if held := s.policy.HeldUntil(s.agent.now()); !held.IsZero() {
		wait = min(wait, held.Sub(s.agent.now()))
	}
	s.emit(Event{Kind: RoundFailed, Retry: wait, Err: err})
	return wait
}

// locate finds the targets and hands them to the policy.
func (s *session) locate(ctx context.Context) bool {
	host := s.acct.Server
	if s.acct.OutboundProxy != "" {
		host = s.acct.OutboundProxy
	}
	uri := s.dlg.aor.Scheme + ":" + host
	res, err := s.agent.cfg.Locator.Locate(ctx, uri, locate.Options{
		Mode:       s.acct.DNSMode,
		Transports: s.acct.Transports,
		Family:     s.acct.Family,
		PrimaryIP:  s.acct.PrimaryIP,
		BackupIPs:  s.acct.BackupIPs,
	})
	if err == nil && (res == nil || len(res.Targets) == 0) {
		err = errors.New("no targets")
	}
	if err != nil {
		s.emit(Event{Kind: LocateFailed, Err: fmt.Errorf("locate %s: %w", uri, err)})
		return false
	}
	e := Event{Kind: Located, Targets: res.Targets, Queries: len(res.Queries)}
	for _, q := range res.Queries {
		if q.Cached {
			e.CachedQueries++
		}
	}
	s.emit(e)
	s.policy.SetTargets(res.Targets)
	return true
}

// registeredWith records that t took the registration and returns the wait
// until the refresh. Moving to a better target (failback) also removes the
// binding left at the old one, which is still answering.
func (s *session) registeredWith(ctx context.Context, t locate.Target, r result) time.Duration {
	from, fromContact, was := s.current, s.contact, s.registered
	s.registered, s.everRegistered, s.failures = true, true, 0
	s.current, s.contact = t, r.contact
	s.holdFlow(r.flow)
	s.emit(Event{Kind: Registered, Target: t, Status: r.status, Reason: r.reason, Expires: r.granted})
	if from.Addr.IsValid() && failover.Key(from) != failover.Key(t) {
		if rf, rt := s.policy.Rank(from), s.policy.Rank(t); rf >= 0 && rt < rf {
			s.emit(Event{Kind: FailedBack, Target: t, From: from})
			if was {
				s.unbind(ctx, from, fromContact)
			}
		} else {
			s.emit(Event{Kind: FailedOver, Target: t, From: from})
		}
	}
	return s.agent.refreshAfter(s.acct, r.granted)
}

// holdFlow records f (nil on UDP) as the connection holding the binding.
// If it closed already, flowClosed may have looked before it was ours: the
// loss is marked here, and arm fires the timer when the round ends.
func (s *session) holdFlow(f *flow) {
	s.flow.Store(f)
	if f != nil && f.isClosed() {
		s.flowLost.Store(f)
	}
}

// targetName returns "udp 192.0.2.1:5060 (sip1.example.com)", "" for no
// target; the host, from DNS, made printable.
func targetName(t locate.Target) string {
	if !t.Addr.IsValid() {
		return ""
	}
	b := strings.Builder{}
	b.WriteString(string(t.Transport) + " " + netip.AddrPortFrom(t.Addr, t.Port).String())
	if t.Host != "" && t.Host != t.Addr.String() {
		b.WriteString(" (" + logsafe.Quote(t.Host) + ")")
	}
	return b.String()
}
