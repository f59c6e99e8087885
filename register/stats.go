package register

import (
	"sync"
	"time"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// AccountStats is one account's state and counters, as Agent.Stats reads
// them. The counters start at 0 when Run makes the account's session and
// only grow; they are plain values, so that any metrics system can export
// them (the metrics package does so for Prometheus).
type AccountStats struct {
	Account    string
	Registered bool
	Target     locate.Target // the target holding the registration; zero when none
	Expires    time.Duration // the expiry the registrar granted last

	// Attempts by outcome: registered, rejected (a final failure),
	// timed out, transport error, unavailable (503).
	Registrations, Rejections, Timeouts, TransportErrors, Unavailable uint64
	Failovers, Failbacks                                              uint64
	RoundsFailed, ConnectionsLost                                     uint64
	// Probe results that changed a target's state.
	ProbesFailed, ProbesAnswered uint64
}

// accountStats is a session's AccountStats, updated from its events.
type accountStats struct {
	mu sync.Mutex
	s  AccountStats
}

// count updates the counters for e.
func (a *accountStats) count(e Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := &a.s
	switch e.Kind {
	case Registered:
		s.Registered, s.Target, s.Expires = true, e.Target, e.Expires
		s.Registrations++
	case RoundFailed:
		s.Registered, s.Target = false, locate.Target{}
		s.RoundsFailed++
	case Unregistered:
		if failover.Key(e.Target) == failover.Key(s.Target) { // not a binding left behind at failback
			s.Registered, s.Target = false, locate.Target{}
		}
	case AttemptFailed:
		switch e.Outcome {
		case "timeout":
			s.Timeouts++
		case "transport-error":
			s.TransportErrors++
		case "unavailable":
			s.Unavailable++
		}
	case Rejected:
		s.Rejections++
	case FailedOver:
		s.Failovers++
	case FailedBack:
		s.Failbacks++
	case ConnectionLost:
		s.ConnectionsLost++
	case ProbeFailed:
		s.ProbesFailed++
	case ProbeAnswered:
		s.ProbesAnswered++
	}
}

func (a *accountStats) snapshot() AccountStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.s
}

// Stats returns every running account's state and counters, in the order
// of Config.Accounts (refused accounts have none); nil before Run.
func (a *Agent) Stats() []AccountStats {
	sessions := a.sessions.Load()
	if sessions == nil {
		return nil
	}
	out := make([]AccountStats, len(*sessions))
	for i, s := range *sessions {
		out[i] = s.stats.snapshot()
	}
	return out
}
