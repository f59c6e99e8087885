package dnsclient

import (
	"context"
	"errors"

	"github.com/miekg/dns"
)

// Sentinel errors, reachable with errors.Is through *Error.
var (
	ErrNoServers     = errors.New("no name servers configured")
	ErrBadName       = errors.New("bad domain name")
	ErrTimeout       = errors.New("no answer in time")
	ErrServerFailure = errors.New("server failure")   // SERVFAIL, NOTIMP, FORMERR or another error rcode
	ErrRefused       = errors.New("query refused")    // REFUSED
	ErrMalformed     = errors.New("malformed answer") // could not be parsed, or did not follow the protocol
	ErrCNAMELoop     = errors.New("CNAME loop")
	ErrCNAMEChain    = errors.New("CNAME chain too long")
)

// Error reports a failed lookup of (Name, Type). Negative answers
// (NXDOMAIN, NODATA) are not errors but Answers.
type Error struct {
	Name    string // the name the caller asked for
	Type    uint16 // the type the caller asked for
	Server  string // the last server tried, host:port; "" if none
	Err     error  // the cause: one of the Err... sentinels (wrapped), or a context error
	Timeout bool   // no server answered in time
}

// Error returns "lookup NAME TYPE on SERVER: cause".
func (e *Error) Error() string {
	s := "lookup " + e.Name + " " + dns.Type(e.Type).String()
	if e.Server != "" {
		s += " on " + e.Server
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// newError classifies err for a lookup of (name, qtype).
func newError(name string, qtype uint16, server string, err error) *Error {
	return &Error{
		Name:    name,
		Type:    qtype,
		Server:  server,
		Err:     err,
		Timeout: errors.Is(err, ErrTimeout) || errors.Is(err, context.DeadlineExceeded),
	}
}
