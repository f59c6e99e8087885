package failover

import (
	"fmt"
	"time"

	"github.com/siplocate/siplocate/locate"
)

// Mode is the phone's "DNS SRV Fail-over Mode", plus Static for its "Use
// Configured IP" DNS mode, which has fail-over rules of its own.
type Mode string

// The fail-over modes.
const (
	Default              Mode = "default"
	SavedUntilTTL        Mode = "saved-until-ttl"
	SavedUntilNoResponse Mode = "saved-until-no-response"
	Static               Mode = "static"
)

// ParseMode returns the Mode named s; "" is Default.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case "":
		return Default, nil
	case Default, SavedUntilTTL, SavedUntilNoResponse, Static:
		return m, nil
	}
	return "", fmt.Errorf("unknown fail-over mode %q (want default, saved-until-ttl, saved-until-no-response or static)", s)
}

// Outcome is what came of one attempt (one REGISTER transaction) to a target.
type Outcome int

// The outcomes an attempt can have.
const (
	// Answered: the target sent a final response other than 503. The server
	// is alive, whatever it said.
	Answered Outcome = iota
	// TimedOut: no final response within the attempt's time.
	TimedOut
	// TransportFailed: ICMP unreachable, TCP refused or reset, TLS failure.
	TransportFailed
	// Unavailable: 503 Service Unavailable.
	Unavailable
)

// String returns the outcome's name as used in logs, events and metrics.
func (o Outcome) String() string {
	switch o {
	case Answered:
		return "answered"
	case TimedOut:
		return "timeout"
	case TransportFailed:
		return "transport-error"
	case Unavailable:
		return "unavailable"
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// Config says how a Policy behaves. The zero value is the phone's default.
type Config struct {
	Mode Mode
	// MaxTries is how many unanswered attempts a target gets before the
	// next one is tried (RFC 3263 §4.3; the phone's "3 tries"). Default 3.
	MaxTries int
	// ReturnAfter is, in Static mode, how many registrations with a backup
	// IP are made before the primary is tried first again. Default 3.
	ReturnAfter int
	// Health, when set, is the store of target health shared with other
	// accounts and requests (package sipsend): every Report feeds it, and
	// each round tries the targets it holds last, as it does suspended
	// ones. nil: the policy knows only what its own attempts taught it.
	Health *Health
}

func (c Config) maxTries() int {
	if c.MaxTries > 0 {
		return c.MaxTries
	}
	return 3
}

func (c Config) returnAfter() int {
	if c.ReturnAfter > 0 {
		return c.ReturnAfter
	}
	return 3
}

// Key identifies a target across locations: transport and address.
func Key(t locate.Target) string {
	return string(t.Transport) + "/" + t.AddrPort().String()
}

// Policy is the fail-over state of one account. It is not safe for
// concurrent use; the caller serialises calls.
type Policy struct {
	cfg     Config
	targets []locate.Target

	saved       string    // key of the target that last took the registration
	savedUntil  time.Time // SavedUntilTTL: when the saved target's records expire
	savedRounds int       // registrations in a row with the saved target

	hold      map[string]time.Time // 503 Retry-After: not before this time
	suspended map[string]bool      // a probe went unanswered

	order []int // this round's targets, as indexes into targets
	pos   int
	tries int
	done  bool
}

// New returns a Policy with no targets.
func New(cfg Config) *Policy {
	return &Policy{cfg: cfg}
}

// SetTargets replaces the located targets, best first. What the policy
// knows about targets (saved, held, suspended) is kept by Key. The current
// round is ended; call Begin.
func (p *Policy) SetTargets(ts []locate.Target) {
	p.targets = append([]locate.Target(nil), ts...)
	p.order, p.pos, p.tries, p.done = nil, 0, 0, false
}

// Targets returns the located targets, best first.
func (p *Policy) Targets() []locate.Target { return p.targets }

// index returns the position of the target with key k, or -1.
func (p *Policy) index(k string) int {
	for i, t := range p.targets {
		if Key(t) == k {
			return i
		}
	}
	return -1
}

// Rank returns t's position in the located list (0 is best), or -1 when t
// is not in it.
func (p *Policy) Rank(t locate.Target) int { return p.index(Key(t)) }

// Current returns the target that last took the registration, if it is
// still among the located targets.
func (p *Policy) Current() (locate.Target, bool) {
	if i := p.index(p.saved); i >= 0 {
		return p.targets[i], true
	}
	return locate.Target{}, false
}

// Better returns the targets ranked above the current one (all of them
// when there is no current one): the ones a probe checks for failback.
func (p *Policy) Better() []locate.Target {
	i := p.index(p.saved)
	if i < 0 {
		i = len(p.targets)
	}
	return p.targets[:i]
}
