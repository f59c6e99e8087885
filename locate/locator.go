package locate

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

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
	scratch sync.Pool // of *scratch, the working space of one Locate
}

// now returns the current time from the configured clock.
func (l *Locator) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// orderSRV orders rrs per RFC 2782 with the Locator's random source.
func (l *Locator) orderSRV(rrs []*SRV) {
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
// (errors.Is: ErrNXDOMAIN, ErrNoRecords, ErrNotAvailable, ErrNoDNSAnswer,
// ErrBadURI, ...).
func (l *Locator) Locate(ctx context.Context, uri string, opts Options) (*Result, error) {
	s, _ := l.scratch.Get().(*scratch)
	if s == nil {
		s = new(scratch)
	}
	u, err := s.parse(uri)
	if err != nil {
		l.scratch.Put(s)
		return &Result{}, err
	}
	work := &s.res
	s.r = resolution{l: l, ctx: ctx, opts: opts, uri: u, res: work, s: s}
	s.r.cr, _ = l.Resolver.(CacheResolver)
	err = s.r.run()
	// The caller's Result holds exactly what was found, in two allocations
	// sized to it; the scratch space keeps its storage for the next call.
	res := &Result{Targets: slices.Clone(work.Targets), Queries: slices.Clone(work.Queries)}
	s.reset()
	l.scratch.Put(s)
	return res, err
}
