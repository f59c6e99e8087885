package sipsend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// Locator finds the targets of a SIP URI; *locate.Locator is one.
type Locator interface {
	Locate(ctx context.Context, uri string, opts locate.Options) (*locate.Result, error)
}

// Options says where and how Do sends. Locator is required unless every
// request is in-dialog; the rest have useful zero values.
type Options struct {
	Locator Locator
	// Locate is passed to Locator: the DNS mode, the transports, the
	// family, the static IPs.
	Locate locate.Options
	// Health is the shared store of targets known to be down; nil means a
	// store for this call alone, forgotten when it returns.
	Health *failover.Health
	// UDP, when set, sends UDP through connected sockets, so that an ICMP
	// port unreachable ends an attempt at once. nil uses sipgo's own
	// socket, on which a closed port looks like a timeout.
	UDP *UDP
	// Streams, when set, makes the TCP and TLS connections: a TLS
	// certificate is checked for the SIP domain (RFC 5922 §4), and a
	// connection closed or reset under a transaction ends its attempt at
	// once. nil leaves them to sipgo's dialer, which checks a certificate
	// for the target's IP address, and a reset looks like a timeout.
	Streams *Streams
	// OutboundProxy is located instead of the Request-URI when the
	// request has no Route (RFC 3261 §8.1.2).
	OutboundProxy string
	// Registered, when set, is tried first: the server the account the
	// request is sent for is registered with (server affinity; register's
	// Registered event names it). The located targets follow, in order;
	// its health hold is ignored, as the registration says it answers.
	Registered *locate.Target
	// AttemptTimeout bounds each attempt; zero leaves it to sipgo's
	// Timer B/F (64*T1, 32 s).
	AttemptTimeout time.Duration
	// MaxAttempts bounds the attempts of one request; zero means 16.
	MaxAttempts int
	// NextOn reports whether a final status other than 503 moves on to
	// the next target; it is asked for 408 and 5xx. nil: never.
	NextOn func(status int) bool
	// OnEvent, when set, is told of each step as it happens.
	OnEvent func(Event)
	// Now returns the current time for the trace; nil means time.Now.
	Now func() time.Time
	// Logger gets the reasons responses were dropped; nil is silent.
	Logger *slog.Logger
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Options) maxAttempts() int {
	if o.MaxAttempts > 0 {
		return o.MaxAttempts
	}
	return 16
}

func (o *Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// nextOn reports whether status moves on to the next target.
func (o *Options) nextOn(status int) bool {
	switch {
	case status == sip.StatusServiceUnavailable:
		return true // RFC 3263 §4.3
	case status == sip.StatusRequestTimeout, status >= 500 && status < 600:
		return o.NextOn != nil && o.NextOn(status)
	}
	return false
}

// Errors Do wraps; errors.Is finds them.
var (
	// ErrNoTarget: every target was tried and none gave a final
	// response that ends the search.
	ErrNoTarget = errors.New("no target answered")
	// ErrLocate: the next hop could not be located; the wrapped error is
	// locate's (ErrNoDNSAnswer, ErrNXDOMAIN, ...).
	ErrLocate = errors.New("locate next hop")
)

// Do sends req as RFC 3263 says and returns the final response that ended
// the search, with the trace of every attempt. req is built first as
// sipgo's Client.Do would (missing To, From, Call-ID, CSeq, Max-Forwards
// are added); each attempt sends it with a Via of its own and its
// destination and transport set to the target's. Like client.Do, Do
// changes req: Clone it first to keep the original. When no target ends the search the error wraps ErrNoTarget
// and the response is the last one received (a 503, say), or nil.
func Do(ctx context.Context, client *sipgo.Client, req *sip.Request, opts Options) (*sip.Response, Trace, error) {
	req.RemoveHeader("Via")
	if err := sipgo.ClientRequestBuild(client, req); err != nil {
		return nil, Trace{}, fmt.Errorf("build %s: %w", req.Method, err)
	}
	req.RemoveHeader("Via") // each attempt adds its own, with a new branch
	if inDialog(req) {
		return sendInDialog(ctx, client, req, &opts)
	}
	s := &search{client: client, req: req, opts: &opts, health: opts.Health}
	if s.health == nil {
		s.health = &failover.Health{Now: opts.Now}
	}
	return s.run(ctx)
}

// search is the sending of one request.
type search struct {
	client *sipgo.Client
	req    *sip.Request
	opts   *Options
	health *failover.Health
	trace  Trace
}

// run locates the next hop and tries its targets, live ones first.
func (s *search) run(ctx context.Context) (*sip.Response, Trace, error) {
	hop, err := nextHop(s.req, s.opts.OutboundProxy)
	if err != nil {
		return nil, s.trace, err
	}
	s.trace.NextHop = hop
	res, err := s.opts.Locator.Locate(ctx, hop, s.opts.Locate)
	if err != nil && (res == nil || len(res.Targets) == 0) {
		s.emit(Event{Kind: LocateFailed, URI: hop, Err: err})
		return nil, s.trace, fmt.Errorf("%s %s: %w %s: %w", s.req.Method, s.req.Recipient.String(), ErrLocate, hop, err)
	}
	targets := s.withRegistered(s.health.Order(res.Targets))
	s.emit(Event{Kind: Located, URI: hop, Targets: targets})
	var last *sip.Response
	var lastErr error
	for i, t := range targets {
		if i >= s.opts.maxAttempts() {
			break
		}
		if ctx.Err() != nil {
			return last, s.trace, fmt.Errorf("%s %s: %w", s.req.Method, hop, ctx.Err())
		}
		a, r := s.attempt(ctx, t)
		if r != nil {
			last = r
		}
		if a.Outcome == failover.Answered {
			return r, s.trace, nil
		}
		lastErr = a.Err
	}
	return last, s.trace, fmt.Errorf("%s %s: %w (%d tried): %w", s.req.Method, hop, ErrNoTarget, len(s.trace.Attempts), lastErr)
}

// withRegistered puts Options.Registered first, once.
func (s *search) withRegistered(ts []locate.Target) []locate.Target {
	r := s.opts.Registered
	if r == nil || !r.Addr.IsValid() {
		return ts
	}
	out := append(make([]locate.Target, 0, len(ts)+1), *r)
	for _, t := range ts {
		if failover.Key(t) != failover.Key(*r) {
			out = append(out, t)
		}
	}
	return out
}

// attempt tries t, records the attempt and feeds the health store.
func (s *search) attempt(ctx context.Context, t locate.Target) (Attempt, *sip.Response) {
	a := Attempt{Target: t, Start: s.opts.now()}
	if hd, held := s.health.Down(t); held {
		a.HeldUntil = hd.Until
	}
	s.emit(Event{Kind: Sending, Target: t})
	res, out, err := s.transact(ctx, t)
	a.Duration, a.Outcome, a.Err = s.opts.now().Sub(a.Start), out, err
	var retry time.Duration
	if res != nil {
		a.Status, a.Reason = res.StatusCode, res.Reason
		if res.StatusCode == sip.StatusServiceUnavailable {
			retry = retryAfter(res) // the store reads it for a 503 only
		}
		if out == failover.Answered && s.opts.nextOn(res.StatusCode) {
			a.Outcome = failover.Unavailable
			a.Err = fmt.Errorf("%s to %s: %d %s", s.req.Method, t.AddrPort(), res.StatusCode, res.Reason)
		}
	}
	if ctx.Err() == nil { // the caller giving up says nothing of the target
		if hd, ok := s.health.Report(t, healthOutcome(a.Outcome, a.Status), retry); ok {
			s.emit(Event{Kind: Held, Target: t, Until: hd.Until})
		}
	}
	s.trace.Attempts = append(s.trace.Attempts, a)
	s.emit(Event{Kind: Attempted, Target: t, Attempt: a, Err: a.Err})
	return a, res
}

// healthOutcome is what the store learns: only a 503's Retry-After holds a
// target that answered; a 408 or 500 the caller moved on from does not.
func healthOutcome(o failover.Outcome, status int) failover.Outcome {
	if o == failover.Unavailable && status != sip.StatusServiceUnavailable {
		return failover.Answered
	}
	return o
}

func (s *search) emit(e Event) {
	if s.opts.OnEvent != nil {
		e.Method = string(s.req.Method)
		s.opts.OnEvent(e)
	}
}
