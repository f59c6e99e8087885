package register

import (
	"fmt"
	"strings"
	"time"

	"github.com/siplocate/siplocate/internal/logsafe"
	"github.com/siplocate/siplocate/locate"
)

// Kind names a change of an account's state.
type Kind string

// The kinds of events, in the order they usually happen.
const (
	Refused        Kind = "refused"         // the account's configuration is bad; it never runs
	Located        Kind = "located"         // the server was located; Targets lists the result
	LocateFailed   Kind = "locate-failed"   // locating failed; Err says why
	Registering    Kind = "registering"     // an attempt (one REGISTER transaction) to Target begins
	AttemptFailed  Kind = "attempt-failed"  // the attempt to Target failed; Outcome, Status, Err
	Registered     Kind = "registered"      // Target took the registration for Expires
	FailedOver     Kind = "failed-over"     // registered with Target, a worse one than From
	FailedBack     Kind = "failed-back"     // registered with Target, a better one than From
	Rejected       Kind = "rejected"        // Target answered with a final failure (403, 404, ...)
	RoundFailed    Kind = "round-failed"    // no target took the registration; retry after Retry
	ProbeFailed    Kind = "probe-failed"    // a probe to Target went unanswered
	ProbeAnswered  Kind = "probe-answered"  // a probe to a better Target was answered
	ConnectionLost Kind = "connection-lost" // the TCP/TLS connection to Target holding the binding closed; a round follows after Retry
	Unregistered   Kind = "unregistered"    // the binding at Target was removed (Expires: 0)
)

// Event is one change of an account's state, delivered to Config.OnEvent.
type Event struct {
	Time    time.Time
	Account string
	Kind    Kind
	Target  locate.Target // the target concerned (zero when none)
	From    locate.Target // FailedOver, FailedBack: the previous target
	Outcome string        // AttemptFailed: timeout, transport-error, unavailable
	// Attempt and Attempts number a Registering or AttemptFailed event's
	// attempt at Target, "attempt 2/3": the unanswered attempts it gets
	// before the next target (MaxTries); 0 when not known.
	Attempt, Attempts int
	Status            int           // the SIP status that caused the event, when there was one
	Reason            string        // Status's reason phrase, as received
	Expires           time.Duration // Registered: the expiry the registrar granted
	Retry             time.Duration // RoundFailed, ConnectionLost: how long until the next round
	Targets           []locate.Target
	// Queries and CachedQueries count the DNS questions of a Located event
	// and how many of them the cache answered.
	Queries, CachedQueries int
	Err                    error
}

// String returns what happened, without the time and the account: "registered
// with udp 192.0.2.13:5060 (sip1.example.com) for 1h0m0s", "attempt to udp
// 192.0.2.13:5060 failed: timeout: ...". What came from the network (a
// reason phrase, a DNS name) is made printable (internal/logsafe). The
// CLI's timeline, the demo and the logs show events with it.
func (e Event) String() string {
	s := e.describe()
	if e.Err != nil {
		s += ": " + logsafe.Quote(e.Err.Error())
	}
	return s
}

// describe returns the text of e's kind.
func (e Event) describe() string {
	t := targetName(e.Target)
	switch e.Kind {
	case Located:
		names := make([]string, len(e.Targets))
		for i, t := range e.Targets {
			names[i] = targetName(t)
		}
		return fmt.Sprintf("located %d targets (%d DNS queries, %d from cache): %s", len(e.Targets), e.Queries, e.CachedQueries, strings.Join(names, ", "))
	case Registering:
		if e.Attempt > 0 {
			return fmt.Sprintf("registering with %s, attempt %d/%d", t, e.Attempt, e.Attempts)
		}
		return "registering with " + t
	case Registered:
		return fmt.Sprintf("registered with %s for %s", t, e.Expires)
	case AttemptFailed:
		if e.Attempt > 0 {
			return fmt.Sprintf("attempt %d/%d to %s failed: %s", e.Attempt, e.Attempts, t, e.Outcome)
		}
		return fmt.Sprintf("attempt to %s failed: %s", t, e.Outcome)
	case Rejected:
		return fmt.Sprintf("%s rejected the registration: %d", t, e.Status)
	case FailedOver:
		return fmt.Sprintf("failed over from %s to %s", targetName(e.From), t)
	case FailedBack:
		return fmt.Sprintf("failed back from %s to %s", targetName(e.From), t)
	case RoundFailed:
		return fmt.Sprintf("no server took the registration; next try in %s", e.Retry.Round(time.Millisecond))
	case ProbeFailed:
		return "probe unanswered by " + t
	case ProbeAnswered:
		return "probe answered by " + t
	case Unregistered:
		return "unregistered from " + t
	case ConnectionLost:
		if e.Retry > 0 {
			return "connection to " + t + " closed; registering again in " + e.Retry.Round(time.Millisecond).String()
		}
		return "connection to " + t + " closed; registering again now"
	}
	return string(e.Kind)
}

// emit delivers e to the configured callback (Agent.emit stamps its time).
func (s *session) emit(e Event) {
	e.Account = s.acct.name()
	s.stats.count(e)
	s.tracker.observe(e, s.agent.now())
	s.agent.emit(e)
}
