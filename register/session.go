package register

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/google/uuid"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// session keeps one account registered. It has no goroutine of its own
// while idle: a timer wakes it for its next round or probe, and the
// callback runs on a short-lived goroutine, so 10,000 idle accounts hold
// 10,000 timers and no stacks. mu is held while the session works, so at
// most one callback touches its state at a time.
type session struct {
	agent  *Agent
	acct   *Account // in Config.Accounts
	log    accountLog
	policy *failover.Policy
	dlg    dialogue  // REGISTER: one Call-ID, growing CSeq (RFC 3261 §10.2)
	probes *dialogue // OPTIONS probes: a Call-ID of their own; nil without Probe

	expires  time.Duration // asked for; raised by a 423
	failures int           // rounds in a row without a registration

	registered     bool
	everRegistered bool
	current        locate.Target // the target holding our binding
	contact        sip.Uri       // the Contact bound there

	mu        sync.Mutex
	timer     *time.Timer // wakes the session; nil until the first round ends
	stopped   bool        // the agent is stopping: no more rounds or probes
	nextRound time.Time
	nextProbe time.Time // zero without Probe
	failback  bool      // the next round walks the list from the top
}

// newSession validates acct and prepares its session.
func newSession(a *Agent, acct *Account) (*session, error) {
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
		log:     accountLog{l: a.log, account: acct.name()},
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

// start runs the first round now, calls release when it ends, and arms
// the timer for what comes next. It does nothing once the session stopped.
func (s *session) start(ctx context.Context, release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		release()
		return
	}
	wait := s.round(ctx, false)
	release()
	now := time.Now()
	s.nextRound = now.Add(wait)
	if s.acct.Probe > 0 {
		s.nextProbe = now.Add(s.acct.Probe)
	}
	s.timer = time.AfterFunc(s.untilWake(now), func() { s.wake(ctx) })
}

// wake runs the round or the probe that is due, then re-arms the timer.
// A probe that finds the current target dead, or a better one alive
// again, makes a round due at once.
func (s *session) wake(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || ctx.Err() != nil {
		return
	}
	switch now := time.Now(); {
	case !now.Before(s.nextRound):
		fb := s.failback
		s.failback = false
		// The wait counts from the round's end, when the 200 OK came
		// (RFC 3261 §10.2.4): a round that spent 12 s on a silent
		// target must not bring the refresh 12 s early.
		wait := s.boundedRound(ctx, fb)
		s.nextRound = time.Now().Add(wait)
	case s.acct.Probe > 0 && !now.Before(s.nextProbe):
		s.nextProbe = now.Add(s.acct.Probe)
		if again, fb := s.probe(ctx); again {
			s.nextRound, s.failback = time.Now(), fb
		}
	}
	if ctx.Err() == nil {
		s.timer.Reset(s.untilWake(time.Now()))
	}
}

// untilWake returns how long after now the next round or probe is due.
func (s *session) untilWake(now time.Time) time.Duration {
	next := s.nextRound
	if s.acct.Probe > 0 && s.nextProbe.Before(next) {
		next = s.nextProbe
	}
	return max(next.Sub(now), 0)
}

// stop ends the session's rounds and probes. It waits for one in progress,
// which ends soon once the agent's context is done.
func (s *session) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	if s.timer != nil {
		s.timer.Stop()
	}
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

// accountLog logs with the account's name. It makes no logger until
// something is logged (slog's With would make one per account, held for
// as long as the account lives).
type accountLog struct {
	l       *slog.Logger
	account string
}

// Warn logs at warning level.
func (l accountLog) Warn(msg string, args ...any) {
	l.l.Warn(msg, append([]any{"account", l.account}, args...)...)
}

// Debug logs at debug level.
func (l accountLog) Debug(msg string, args ...any) {
	l.l.Debug(msg, append([]any{"account", l.account}, args...)...)
}
