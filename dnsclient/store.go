package dnsclient

import (
	"time"

	"github.com/miekg/dns"
)

// store turns res into the Answer returned to the caller (one that may
// not be cached expires at once) and, when it may be cached, puts a copy marked Cached (RTT 0, same Expires) in the cache,
// so that cache hits return that copy without allocating.
func (c *Client) store(key cacheKey, res *result, server string, rtt time.Duration) *Answer {
	now := c.cfg.now()
	a := &Answer{
		Name: key.name, Type: key.qtype, Rcode: res.rcode,
		Records: res.records, CNAMEs: res.cnames, Extra: res.extra,
		Expires: now, Server: server, RTT: rtt,
	}
	if res.cache {
		a.Expires = now.Add(c.cfg.clampTTL(res.ttl))
		cached := *a
		cached.Cached, cached.RTT = true, 0
		c.cache.put(key, &cached, now, false)
	}
	return a
}

// storeExtra caches the in-bailiwick additional records of res, one entry
// per (name, type) RRset, without replacing a valid entry (RFC 2181
// §5.4.1 ranks additional data below answers).
func (c *Client) storeExtra(res *result, server string) {
	c.stats.extraIgnore.Add(uint64(res.ignored))
	c.stats.extraUsed.Add(uint64(len(res.extra)))
	if len(res.extra) == 0 {
		return
	}
	now := c.cfg.now()
	for key, rrs := range groupRRsets(res.extra) {
		c.cache.put(key, &Answer{
			Name: key.name, Type: key.qtype, Rcode: dns.RcodeSuccess, Records: rrs,
			Expires: now.Add(c.cfg.clampTTL(minTTL(rrs))), Server: server, Cached: true,
		}, now, true)
	}
}

// groupRRsets groups records by (lower-case owner, type), dropping
// duplicates: a server that adds the same record twice (one SRV target
// named by two NAPTRs, say) still makes one RRset, whose records are
// distinct (RFC 2181 §5).
func groupRRsets(rrs []dns.RR) map[cacheKey][]dns.RR {
	sets := make(map[cacheKey][]dns.RR)
	for _, rr := range rrs {
		k := cacheKey{name: canonical(rr.Header().Name), qtype: rr.Header().Rrtype}
		if !containsRR(sets[k], rr) {
			sets[k] = append(sets[k], rr)
		}
	}
	return sets
}

// containsRR reports whether set holds a record with rr's data
// (TTLs aside, as dns.IsDuplicate compares them).
func containsRR(set []dns.RR, rr dns.RR) bool {
	for _, x := range set {
		if dns.IsDuplicate(x, rr) {
			return true
		}
	}
	return false
}
