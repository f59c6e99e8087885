package sipsend

import (
	"fmt"
	"strings"
	"time"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/internal/logsafe"
	"github.com/siplocate/siplocate/locate"
)

// Trace is what Do did for one request.
type Trace struct {
	NextHop  string // the URI located (or, in dialog, the destination)
	InDialog bool   // sent once in its dialog, not located
	Attempts []Attempt
}

// Attempt is one client transaction to one target.
type Attempt struct {
	Target   locate.Target // zero in dialog
	Start    time.Time
	Duration time.Duration
	Outcome  failover.Outcome // Answered; TimedOut, TransportFailed, Unavailable: moved on
	Status   int              // the final status, 0 when none came
	Reason   string           // its reason phrase, as received
	// HeldUntil is set when the target was tried though the health store
	// held it (every live target had failed).
	HeldUntil time.Time
	Err       error
}

// String returns the attempt in one line: "udp 192.0.2.13:5060 timeout
// after 2s: ...", "udp 192.0.2.12:5060 200 OK in 1ms". Text from the
// network is made printable.
func (a Attempt) String() string {
	var b strings.Builder
	if a.Target.Addr.IsValid() {
		fmt.Fprintf(&b, "%s %s ", a.Target.Transport, a.Target.AddrPort())
	} else {
		b.WriteString("in dialog ")
	}
	if a.Status != 0 {
		fmt.Fprintf(&b, "%d %s", a.Status, logsafe.Quote(a.Reason))
	} else {
		b.WriteString(a.Outcome.String())
	}
	fmt.Fprintf(&b, " in %s", a.Duration.Round(time.Millisecond))
	if !a.HeldUntil.IsZero() {
		b.WriteString(" (held, tried as a last resort)")
	}
	return b.String()
}

// Kind names a step of Do.
type Kind string

// The kinds of events, in the order they happen.
const (
	Located      Kind = "located"       // URI located; Targets in the order they will be tried
	LocateFailed Kind = "locate-failed" // URI could not be located; Err
	Sending      Kind = "sending"       // an attempt to Target begins
	Attempted    Kind = "attempted"     // the attempt ended; Attempt, Err
	Held         Kind = "held"          // the health store holds Target until Until
)

// Event is one step of Do, given to Options.OnEvent.
type Event struct {
	Kind    Kind
	Method  string
	URI     string
	Target  locate.Target
	Targets []locate.Target
	Attempt Attempt
	Until   time.Time
	Err     error
}

// String returns the event in one line for logs; network text is made
// printable.
func (e Event) String() string {
	var s string
	switch e.Kind {
	case Located:
		s = fmt.Sprintf("%s %s located: %d targets", e.Method, logsafe.Quote(e.URI), len(e.Targets))
	case LocateFailed:
		s = fmt.Sprintf("%s %s not located", e.Method, logsafe.Quote(e.URI))
	case Sending:
		s = fmt.Sprintf("%s to %s %s", e.Method, e.Target.Transport, e.Target.AddrPort())
	case Attempted:
		s = fmt.Sprintf("%s %s", e.Method, e.Attempt)
	case Held:
		s = fmt.Sprintf("%s %s held until %s", e.Target.Transport, e.Target.AddrPort(), e.Until.UTC().Format(time.RFC3339))
	default:
		s = string(e.Kind)
	}
	if e.Err != nil {
		s += ": " + logsafe.Quote(e.Err.Error())
	}
	return s
}
