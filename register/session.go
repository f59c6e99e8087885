package register

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

	stats   accountStats  // read by Agent.Stats
	tracker statusTracker // read by Agent.Status

	expires  time.Duration // asked for; raised by a 423
	failures int           // rounds in a row without a registration

	registered     bool
	everRegistered bool
	current        locate.Target  // the target holding our binding
	contact        sip.Uri        // the Contact bound there
	bind           netip.AddrPort // Account.Bind

	mu        sync.Mutex
	timer     Timer // wakes the session; nil until the first round ends
	stopped   bool  // the agent is stopping: no more rounds or probes
	nextRound time.Time
	nextProbe time.Time // zero without Probe
	failback  bool      // the next round walks the list from the top

	// flow is the TCP or TLS connection holding the binding (nil on UDP
	// and when not registered). When it closes, flowLost is set to it and
	// the timer fired; wake then makes a round due (checkFlow).
	flow       atomic.Pointer[flow]
	flowLost   atomic.Pointer[flow]
	flowLosses int // connections lost in a row, each open less than minFlowLife
	// rejoin: the next round follows a lost connection. Every account
	// whose binding used that connection starts one at the same moment,
	// so it takes a start-up slot like a first registration.
	rejoin bool
}

// minFlowLife is how long a connection must have been open for its loss
// to start a round at once whatever came before. Losses of connections
// that closed sooner, in a row, are followed by the retry back-off from
// the second on: a server that takes the registration and then closes at
// once gets a REGISTER a back-off apart, not a loop; one that closes idle
// connections gets at most one round per minFlowLife.
const minFlowLife = 30 * time.Second

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
		policy:  failover.New(failover.Config{Mode: acct.failoverMode(), MaxTries: acct.MaxTries, Health: a.cfg.Health}),
		dlg:     newDialogue(aor, reqURI),
		expires: acct.expires(),
	}
	s.stats.s.Account = acct.name()
	s.bind, _ = parseBind(acct.Bind) // Validate checked it
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
	// The timer exists before the round: a connection lost as soon as the
	// round registered over it fires it (flowClosed).
	s.timer = s.agent.afterFunc(time.Hour, func() { s.wake(ctx) })
	s.timer.Stop()
	wait := s.round(ctx, false)
	release()
	now := s.agent.now()
	s.nextRound = now.Add(wait)
	if s.acct.Probe > 0 {
		s.nextProbe = now.Add(s.acct.Probe)
	}
	s.arm(now)
}

// schedule arms the timer for the first round, delay from now; wake runs
// it, in a start-up slot.
func (s *session) schedule(ctx context.Context, delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.timer = s.agent.afterFunc(time.Hour, func() { s.wake(ctx) })
	s.timer.Stop()
	now := s.agent.now()
	s.nextRound = now.Add(delay)
	if s.acct.Probe > 0 {
		s.nextProbe = s.nextRound.Add(s.acct.Probe)
	}
	s.arm(now)
}

// wake runs the round or the probe that is due, then re-arms the timer.
// A probe that finds the current target dead, or a better one alive
// again, makes a round due at once; so does the loss of the connection
// that holds the binding.
func (s *session) wake(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || ctx.Err() != nil {
		return
	}
	now := s.agent.now()
	s.checkFlow(now)
	switch {
	case !now.Before(s.nextRound):
		fb := s.failback
		s.failback = false
		// The wait counts from the round's end, when the 200 OK came
		// (RFC 3261 §10.2.4): a round that spent 12 s on a silent
		// target must not bring the refresh 12 s early.
		burst := s.rejoin
		s.rejoin = false
		wait := s.boundedRound(ctx, fb, burst)
		s.nextRound = s.agent.now().Add(wait)
	case s.acct.Probe > 0 && !now.Before(s.nextProbe):
		s.nextProbe = now.Add(s.acct.Probe)
		if again, fb := s.probe(ctx); again {
			s.nextRound, s.failback = s.agent.now(), fb
		}
	}
	if ctx.Err() == nil {
		s.arm(s.agent.now())
	}
}

// arm sets the timer for the next round or probe. When a connection was
// lost meanwhile it fires at once instead: flowClosed's own firing may
// have come before this Reset and been undone by it.
func (s *session) arm(now time.Time) {
	s.timer.Reset(s.untilWake(now))
	if s.flowLost.Load() != nil {
		s.timer.Reset(0)
	}
}

// flowClosed is called when the connection f closed. When it held the
// session's binding, the registration's flow is gone (RFC 5626 §4.4; the
// server can no longer reach us): it marks the loss and fires the timer,
// and wake makes a round due. It does not wait for a round in progress.
func (s *session) flowClosed(f *flow) {
	if s.flow.Load() != f {
		return
	}
	s.flowLost.Store(f)
	s.timer.Reset(0)
}

// checkFlow makes a round due when the connection holding the binding was
// lost: at once, or after the retry back-off when connections keep closing
// soon after they were made (see minFlowLife). One round per lost
// connection: the binding has no connection until a round makes one.
func (s *session) checkFlow(now time.Time) {
	f := s.flowLost.Swap(nil)
	if f == nil || f != s.flow.Load() || !s.registered {
		return
	}
	s.flow.Store(nil)
	if f.lifetime() >= minFlowLife {
		s.flowLosses = 0
	}
	s.flowLosses++
	var wait time.Duration
	if s.flowLosses > 1 {
		wait = s.agent.retryWait(s.flowLosses - 1)
	}
	if due := now.Add(wait); due.Before(s.nextRound) {
		s.nextRound = due
	}
	s.rejoin = true
	s.emit(Event{Kind: ConnectionLost, Target: s.current, Retry: wait})
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

// boundedRound runs a round; until the account first registers, and after
// a lost connection (burst), only once one of the agent's start-up slots is
// free: those rounds start for many accounts at once. Other rounds are
// spread by their own refresh times and must not wait behind rounds stuck
// on a silent server.
func (s *session) boundedRound(ctx context.Context, failback, burst bool) time.Duration {
	if s.everRegistered && !burst {
		return s.round(ctx, failback)
	}
	if !acquire(ctx, s.agent.rounds) {
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
