package registrar

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FaultKind names a failure the registrar can play on demand.
type FaultKind int

const (
	// FaultNone answers normally.
	FaultNone FaultKind = iota
	// FaultSilent receives every message and answers none, like a server
	// that hangs: clients time out (RFC 3261 Timer F).
	FaultSilent
	// Fault503 answers every request with 503 Service Unavailable and a
	// Retry-After header (RFC 3261 §21.5.4, §20.33).
	Fault503
	// FaultRefuseTCP closes the TCP listeners and connections, so connects
	// are refused; UDP keeps answering. Clearing the fault listens again on
	// the same addresses.
	FaultRefuseTCP
)

// Fault is a failure to play, with its parameter.
type Fault struct {
	Kind FaultKind
	// RetryAfter is the Retry-After of Fault503, rounded to seconds;
	// zero means DefaultRetryAfter.
	RetryAfter time.Duration
}

func (f Fault) retryAfter() time.Duration { return orDur(f.RetryAfter, DefaultRetryAfter) }

// String returns the fault in the form ParseFault reads.
func (f Fault) String() string {
	switch f.Kind {
	case FaultSilent:
		return "silent"
	case Fault503:
		return fmt.Sprintf("503:%d", int(f.retryAfter().Seconds()))
	case FaultRefuseTCP:
		return "refuse-tcp"
	default:
		return "none"
	}
}

// ParseFault reads "none", "silent", "503", "503:SECONDS" or "refuse-tcp".
func ParseFault(s string) (Fault, error) {
	name, arg, hasArg := strings.Cut(strings.ToLower(strings.TrimSpace(s)), ":")
	kinds := map[string]FaultKind{"none": FaultNone, "silent": FaultSilent, "503": Fault503, "refuse-tcp": FaultRefuseTCP}
	kind, ok := kinds[name]
	if !ok {
		return Fault{}, fmt.Errorf("parse fault %q: want none, silent, 503[:SECONDS] or refuse-tcp", s)
	}
	if !hasArg {
		return Fault{Kind: kind}, nil
	}
	secs, err := strconv.ParseUint(arg, 10, 31)
	if kind != Fault503 || err != nil || secs == 0 {
		return Fault{}, fmt.Errorf("parse fault %q: only 503 takes an argument, a positive number of seconds", s)
	}
	return Fault{Kind: kind, RetryAfter: time.Duration(secs) * time.Second}, nil
}
