package register

import (
	"sync"
	"time"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// State is an account's registration state, as Agent.Status reports it.
type State string

// The states of an account.
const (
	// StateRegistering: no binding yet (the first round, or a round after
	// the connection holding the binding closed).
	StateRegistering State = "registering"
	// StateRegistered: a target holds the binding.
	StateRegistered State = "registered"
	// StateFailing: the last round ended without a registration; the
	// next one comes after the retry back-off.
	StateFailing State = "failing"
	// StateUnregistered: the binding was removed (Expires: 0).
	StateUnregistered State = "unregistered"
)

// AccountStatus is one account's state while the agent runs, as
// `kamcmd uac.reg_dump` or Asterisk's `pjsip show registrations` show
// it. New fields may be added (a per-binding list once an account can
// hold several); callers should use field names.
type AccountStatus struct {
	Name  string // Account.Name, or the AOR
	AOR   string
	State State
	// Target is the target that holds the binding when registered, else
	// the one tried last (zero before the first attempt).
	Target locate.Target
	// RegisteredSince is when Target took the binding (refreshes keep
	// it); zero when not registered.
	RegisteredSince time.Time
	// ExpiresIn is how long the binding at Target lasts without a
	// refresh: the expiry granted last less the time since; 0 when not
	// registered.
	ExpiresIn time.Duration
	// LastStatus and LastReason are the last final response to a
	// REGISTER (0 and "" before the first).
	LastStatus int
	LastReason string
	// ConsecutiveFailures counts the failed attempts and locates since
	// the last registration.
	ConsecutiveFailures  int
	Failovers, Failbacks uint64
	// LastError is the last attempt's, locate's or round's error, kept
	// after a registration that follows it; nil before the first.
	LastError error
}

// statusTracker is a session's AccountStatus, kept from its events.
type statusTracker struct {
	mu        sync.Mutex
	state     State
	target    locate.Target
	since     time.Time
	granted   time.Time // when the last registration was granted
	expires   time.Duration
	status    int
	reason    string
	failures  int
	lastError error
}

// observe updates the status for e, which happened at now.
func (t *statusTracker) observe(e Event, now time.Time) {
	if e.Time.IsZero() {
		e.Time = now
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch e.Kind {
	case Registering:
		if t.state != StateRegistered {
			t.target = e.Target
		}
	case Registered, FailedOver, FailedBack:
		if t.state != StateRegistered || failover.Key(t.target) != failover.Key(e.Target) {
			t.since = e.Time
		}
		t.state, t.target, t.granted, t.expires, t.failures = StateRegistered, e.Target, e.Time, e.Expires, 0
		t.response(e)
	case AttemptFailed, Rejected, LocateFailed:
		t.failures++
		t.response(e)
	case RoundFailed:
		t.state, t.since = StateFailing, time.Time{}
		t.lastError = cmpErr(e.Err, t.lastError)
	case ConnectionLost:
		t.state, t.since = StateRegistering, time.Time{}
	case Unregistered:
		if failover.Key(e.Target) == failover.Key(t.target) { // not a binding left behind at failback
			t.state, t.since = StateUnregistered, time.Time{}
			t.status, t.reason = e.Status, e.Reason
		}
	}
}

// response records e's final response and error, when it has them.
func (t *statusTracker) response(e Event) {
	if e.Status != 0 {
		t.status, t.reason = e.Status, e.Reason
	}
	t.lastError = cmpErr(e.Err, t.lastError)
}

// cmpErr returns err, or prev when err is nil.
func cmpErr(err, prev error) error {
	if err != nil {
		return err
	}
	return prev
}

// snapshot returns the status at now, without the name, AOR and counters.
func (t *statusTracker) snapshot(now time.Time) AccountStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := AccountStatus{
		State: t.state, Target: t.target, RegisteredSince: t.since,
		LastStatus: t.status, LastReason: t.reason, ConsecutiveFailures: t.failures, LastError: t.lastError,
	}
	if st.State == "" {
		st.State = StateRegistering
	}
	if st.State == StateRegistered {
		st.ExpiresIn = max(t.expires-now.Sub(t.granted), 0)
	}
	return st
}

// status returns the session's AccountStatus at now.
func (s *session) status(now time.Time) AccountStatus {
	st := s.tracker.snapshot(now)
	st.Name, st.AOR = s.acct.name(), s.acct.AOR
	counters := s.stats.snapshot()
	st.Failovers, st.Failbacks = counters.Failovers, counters.Failbacks
	return st
}

// Status returns every running account's status, in the order of
// Config.Accounts, then those added by Add (refused accounts have none);
// nil before Run.
func (a *Agent) Status() []AccountStatus {
	sessions := a.sessions.Load()
	if sessions == nil {
		return nil
	}
	now := a.now()
	out := make([]AccountStatus, len(*sessions))
	for i, s := range *sessions {
		out[i] = s.status(now)
	}
	return out
}
