package dnsclient

import "sync/atomic"

// Stats are the client's counters since New, for monitoring.
type Stats struct {
	Lookups     uint64 // calls to Lookup
	CacheHits   uint64 // lookups answered from the cache
	CacheMisses uint64 // lookups that needed the wire
	Shared      uint64 // lookups that waited for an identical lookup's query
	Queries     uint64 // queries sent, UDP and TCP
	Timeouts    uint64 // exchanges that got no answer in time
	Truncated   uint64 // UDP answers with TC set, retried over TCP
	Mismatched  uint64 // answers dropped: wrong ID, question or not a response
	Malformed   uint64 // answers that could not be parsed
	ServerErrs  uint64 // SERVFAIL, REFUSED and other error rcodes
	ExtraUsed   uint64 // additional records cached (in bailiwick)
	ExtraIgnore uint64 // additional records ignored (out of bailiwick or unused type)
	Evictions   uint64 // cache entries evicted to stay within CacheSize
	CacheSize   int    // entries in the cache now
	InFlight    int64  // lookups waiting for the wire now
}

// counters are the live counters behind Stats.
type counters struct {
	hits, misses, shared, queries, timeouts, truncated        atomic.Uint64
	mismatched, malformed, serverErrs, extraUsed, extraIgnore atomic.Uint64
	inFlight                                                  atomic.Int64
}

// snapshot returns the counters' current values.
func (c *counters) snapshot() Stats {
	return Stats{
		Lookups: c.hits.Load() + c.misses.Load(), CacheHits: c.hits.Load(), CacheMisses: c.misses.Load(),
		Shared: c.shared.Load(), Queries: c.queries.Load(), Timeouts: c.timeouts.Load(),
		Truncated: c.truncated.Load(), Mismatched: c.mismatched.Load(), Malformed: c.malformed.Load(),
		ServerErrs: c.serverErrs.Load(), ExtraUsed: c.extraUsed.Load(), ExtraIgnore: c.extraIgnore.Load(),
		InFlight: c.inFlight.Load(),
	}
}
