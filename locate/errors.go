package locate

import (
	"errors"
	"strings"
)

// Sentinel errors, reachable with errors.Is through an *Error.
var (
	// ErrBadURI means the input is not a SIP or SIPS URI, nor a host,
	// host:port or [IPv6]:port.
	ErrBadURI = errors.New("bad SIP URI")
	// ErrNXDOMAIN means the name does not exist (RCODE 3).
	ErrNXDOMAIN = errors.New("no such domain (NXDOMAIN)")
	// ErrNoRecords means the name exists but has no records of the type
	// asked for (NODATA).
	ErrNoRecords = errors.New("no records")
	// ErrNotAvailable means the only SRV record's target is ".": RFC 2782
	// says the service is "decidedly not available at this domain".
	ErrNotAvailable = errors.New(`service not available: all SRV targets are "."`)
	// ErrLoop means NAPTR records with empty flags led back to a name
	// already visited, or further than the locator follows them.
	ErrLoop = errors.New("NAPTR chain loops or is too long")
	// ErrNoDNSAnswer means no configured DNS server answered a question in
	// time (the Resolver tried them all); the resolution then asks nothing
	// more. Callers tell it apart from a name without targets: siplocate
	// exits with status 3 for it, as dig does with 9.
	ErrNoDNSAnswer = errors.New("DNS servers did not answer")
	// ErrNoResolver means the Locator has no Resolver and DNS was needed.
	ErrNoResolver = errors.New("no resolver configured")
)

// Error reports a failed step of an RFC 3263 resolution, in the shape of
// the standard library's net.DNSError.
type Error struct {
	Name   string // the name looked up, or the input for a bad URI
	Step   string // "URI", "NAPTR", "SRV", "A", "AAAA" or "static"
	Server string // the name server that answered, host:port; "" if none did
	// NotFound is set for NXDOMAIN and NODATA (and for SRV targets of
	// "."): the caller may fall through to the next step.
	NotFound bool
	Err      error
}

// Error returns "locate <step> <name>: <cause> (server <s>)"; the server
// is left out when the cause already names it, and the step and name when
// the cause names them ("locate: all 2 SRV targets of <name> ...").
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("locate")
	if _, named := e.Err.(*targetsError); !named { // that cause names the RRset: "locate: all 2 SRV targets of ..."
		b.WriteByte(' ')
		b.WriteString(e.Step)
		b.WriteByte(' ')
		b.WriteString(e.Name)
	}
	b.WriteString(": ")
	cause := "failed"
	if e.Err != nil {
		cause = e.Err.Error()
	}
	b.WriteString(cause)
	if e.Server != "" && !strings.Contains(cause, e.Server) {
		b.WriteString(" (server ")
		b.WriteString(e.Server)
		b.WriteByte(')')
	}
	return b.String()
}

// Unwrap returns the cause: a sentinel of this package, a context error or
// the resolver's error.
func (e *Error) Unwrap() error { return e.Err }

// badURI returns an *Error for input s that wraps ErrBadURI with why.
func badURI(s, why string) error {
	return &Error{Name: s, Step: "URI", Err: &uriError{why: why}}
}

// uriError says what was wrong with a URI; it unwraps to ErrBadURI.
type uriError struct{ why string }

func (e *uriError) Error() string { return "bad SIP URI: " + e.why }
func (e *uriError) Unwrap() error { return ErrBadURI }
