package register

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/google/uuid"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// session keeps one account registered. Its state is touched only by its
// own goroutine (run).
type session struct {
	agent  *Agent
	acct   Account
	log    *slog.Logger
	policy *failover.Policy
	dlg    dialogue  // REGISTER: one Call-ID, growing CSeq (RFC 3261 §10.2)
	probes *dialogue // OPTIONS probes: a Call-ID of their own; nil without Probe

	expires  time.Duration // asked for; raised by a 423
	failures int           // rounds in a row without a registration

	registered     bool
	everRegistered bool
	current        locate.Target // the target holding our binding
	contact        sip.Uri       // the Contact bound there
}

// newSession validates acct and prepares its session.
func newSession(a *Agent, acct Account) (*session, error) {
	if err := acct.Validate(); err != nil {
		return nil, err
	}
	aor, _ := acct.aor()
	reqURI := sip.Uri{Scheme: aor.Scheme, Host: acct.Server}
	if h, p, err := net.SplitHostPort(acct.Server); err == nil {
		reqURI.Host, reqURI.Port = h, atoiPort(p)
	}
	reqURI.Host = strings.TrimSuffix(strings.TrimPrefix(reqURI.Host, "["), "]")
	s := &session{
		agent:   a,
		acct:    acct,
		log:     a.log.With("account", acct.name()),
		policy:  failover.New(failover.Config{Mode: acct.failoverMode(), MaxTries: acct.MaxTries}),
		dlg:     newDialogue(aor, reqURI),
		expires: acct.expires(),
	}
	if acct.Probe > 0 {
		d := newDialogue(aor, reqURI)
		s.probes = &d
	}
	return s, nil
}

func newDialogue(aor, reqURI sip.Uri) dialogue {
	return dialogue{aor: aor, reqURI: reqURI, callID: uuid.NewString(), fromTag: sip.GenerateTagN(16), cseq: 0}
}

// atoiPort returns the port p; Validate has checked it.
func atoiPort(p string) int {
	n, _ := strconv.Atoi(p)
	return n
}

// run is the account's life: rounds of registration when they are due,
// probes when asked, and an unregister at the end.
func (s *session) run(ctx context.Context) {
	var tick <-chan time.Time
	if s.acct.Probe > 0 {
		t := time.NewTicker(s.acct.Probe)
		defer t.Stop()
		tick = t.C
	}
	next, failback := time.Now(), false
	for ctx.Err() == nil {
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
		case <-timer.C:
			fb := failback
			next = time.Now().Add(onFreshStack(func() time.Duration { return s.boundedRound(ctx, fb) }))
			failback = false
		case <-tick:
			timer.Stop()
			if again, fb := onFreshStack2(func() (bool, bool) { return s.probe(ctx) }); again {
				next, failback = time.Now(), fb
			}
		}
	}
	s.unregister()
}

// onFreshStack runs f on a goroutine of its own and waits for it. The deep
// SIP work of a round grows that goroutine's stack and goes with it; the
// session's own goroutine, which waits for hours between refreshes, keeps
// the smallest stack (10,000 idle accounts hold 10,000 of them).
func onFreshStack[T any](f func() T) T {
	ch := make(chan T, 1)
	go func() { ch <- f() }()
	return <-ch
}

// onFreshStack2 is onFreshStack for a function with two results.
func onFreshStack2[A, B any](f func() (A, B)) (A, B) {
	type pair struct {
		a A
		b B
	}
	p := onFreshStack(func() pair { a, b := f(); return pair{a, b} })
	return p.a, p.b
}

// boundedRound runs a round; until the account first registers, only once
// one of the agent's start-up slots is free. Later rounds are spread by
// their own refresh times and must not wait behind rounds stuck on a
// silent server.
func (s *session) boundedRound(ctx context.Context, failback bool) time.Duration {
	if s.everRegistered {
		return s.round(ctx, failback)
	}
	select {
	case s.agent.rounds <- struct{}{}:
	case <-ctx.Done():
		return 0
	}
	defer func() { <-s.agent.rounds }()
	return s.round(ctx, failback)
}
