package locate

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/dnsclient"
)

// Resolver is the one DNS lookup locate needs: one (name, type) question,
// CNAMEs followed, negative answers returned as an Answer whose NotFound
// reports true. *dnsclient.Client satisfies it.
type Resolver interface {
	Lookup(ctx context.Context, name string, qtype uint16) (*dnsclient.Answer, error)
}

// CacheResolver is a Resolver that can also answer from its cache without
// blocking: LookupCached returns ok false when no answer valid at now is
// cached. Now reads the clock the cache's answers expire by; a resolution
// reads it once, and again only after a round of questions went to the
// wire (on a VM a clock read costs as much as a cache read, and a cached
// locate makes seven of those). When the Resolver implements it, Locate
// answers what it can from the cache first and starts goroutines only for
// the questions that must go on the wire, so a fully cached Locate spawns
// none. *dnsclient.Client implements it.
type CacheResolver interface {
	Resolver
	Now() time.Time
	LookupCached(name string, qtype uint16, now time.Time) (a *dnsclient.Answer, ok bool)
}

// Locator finds SIP servers. Its zero value is not usable: set Resolver
// (or use only ModeStatic with IPs and numeric hosts). A Locator is safe
// for concurrent use.
type Locator struct {
	Resolver Resolver
	// Rand orders SRV records of equal priority (RFC 2782). nil: a source
	// seeded randomly on first use. Locate serialises its use of Rand.
	Rand *rand.Rand
	// Now is the clock used for Query.TTL; nil: time.Now.
	Now func() time.Time

	mu      sync.Mutex // guards rnd
	rnd     *rand.Rand
	results sync.Pool // of *Result with scratch space, for Locate
}

// now returns the current time from the configured clock.
func (l *Locator) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// orderSRV orders rrs per RFC 2782 with the Locator's random source.
func (l *Locator) orderSRV(rrs []*dns.SRV) {
	if sortByPriority(rrs); !sharedPriority(rrs) {
		return // one record per priority: no draw, no lock
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rnd == nil {
		l.rnd = l.Rand
		if l.rnd == nil {
			l.rnd = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		}
	}
	orderSRV(rrs, l.rnd)
}

// Locate returns the targets for uri (a sip: or sips: URI, or a host,
// host:port or [IPv6]:port) in the order to try them, with a trace of
// every DNS query made.
//
// The Result is never nil. The error is nil when targets were found and
// every lookup either answered or said NXDOMAIN/NODATA. When some lookup
// failed (a timeout, SERVFAIL, ...) the error is an *Error for it, and
// Result.Targets may still hold the targets the other lookups led to: a
// partial result, to be used with care. With no targets the error says why
// (errors.Is: ErrNXDOMAIN, ErrNoRecords, ErrNotAvailable, ErrBadURI, ...).
//
// Locate allocates the Result and its targets (two allocations when every
// answer is cached and Options.NoTrace is set); LocateInto reuses a Result
// and then allocates nothing.
func (l *Locator) Locate(ctx context.Context, uri string, opts Options) (*Result, error) {
	work, _ := l.results.Get().(*Result)
	if work == nil {
		work = new(Result)
	}
	err := l.LocateInto(ctx, uri, opts, work)
	// The caller's Result holds exactly what was found, in two allocations
	// sized to it; work keeps its storage for the next call.
	res := &Result{Targets: slices.Clone(work.Targets), Queries: slices.Clone(work.Queries)}
	work.reset()
	l.results.Put(work)
	return res, err
}

// LocateInto is Locate writing into res, reusing its slices and scratch
// space from an earlier call; for callers that locate often. res must not
// be used by two calls at once.
func (l *Locator) LocateInto(ctx context.Context, uri string, opts Options, res *Result) error {
	res.reset()
	if res.s != nil && res.s.uri == uri && uri != "" {
		return res.s.run(l, ctx, opts, res) // the same URI as last time: parsed already
	}
	u, err := ParseURI(uri)
	if err != nil {
		return err
	}
	s := res.scratch()
	s.uri, s.parsed = uri, u
	return s.run(l, ctx, opts, res)
}

// run resolves s.parsed into res, and resets s afterwards so that the
// scratch space holds no answers between calls.
func (s *scratch) run(l *Locator, ctx context.Context, opts Options, res *Result) error {
	s.r = resolution{l: l, ctx: ctx, opts: opts, uri: s.parsed, res: res, s: s}
	s.r.cr, _ = l.Resolver.(CacheResolver)
	err := s.r.run()
	s.r = resolution{s: s} // drop references to the caller's values
	s.reset()
	return err
}
