package dnsclient

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Client is a caching stub resolver. It is safe for concurrent use.
type Client struct {
	cfg     Config
	servers []string
	log     *slog.Logger
	cache   *cache
	flights flights
	stats   counters
	bufs    sync.Pool // *[]byte UDP read buffers, see getBuf
}

// New returns a Client for cfg. With cfg.Servers nil it reads the name
// servers (and the timeout and attempts options) from cfg.ResolvConf.
func New(cfg Config) (*Client, error) {
	c := &Client{cfg: cfg, log: cfg.logger(), cache: newCache(cfg.cacheSize())}
	if cfg.Servers == nil {
		if err := c.readResolvConf(); err != nil {
			return nil, err
		}
	}
	for _, s := range c.cfg.Servers {
		addr, err := serverAddr(s)
		if err != nil {
			return nil, fmt.Errorf("new dns client: %w", err)
		}
		c.servers = append(c.servers, addr)
	}
	if len(c.servers) == 0 {
		return nil, fmt.Errorf("new dns client: %w", ErrNoServers)
	}
	return c, nil
}

// readResolvConf fills c.cfg from the resolv.conf file.
func (c *Client) readResolvConf() error {
	path := c.cfg.ResolvConf
	if path == "" {
		path = defaultResolvConf
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("new dns client: %w", err)
	}
	defer f.Close()
	rc, err := parseResolvConf(f)
	if err != nil {
		return fmt.Errorf("new dns client: %s: %w", path, err)
	}
	c.cfg.Servers = rc.servers
	if c.cfg.Timeout == 0 {
		c.cfg.Timeout = rc.timeout
	}
	if c.cfg.Attempts == 0 {
		c.cfg.Attempts = rc.attempts
	}
	return nil
}

// Servers returns the name servers in the order they are tried.
func (c *Client) Servers() []string { return append([]string(nil), c.servers...) }

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	s := c.stats.snapshot()
	if c.cache != nil {
		s.Evictions = c.cache.evicted.Load()
	}
	s.CacheSize = c.cache.len()
	return s
}

// Lookup returns the answer for (name, qtype), from the cache when it
// holds a valid one (Cached set, RTT 0) and from the name servers
// otherwise. NXDOMAIN and NODATA are answers, not errors (see
// Answer.NotFound). Errors are *Error.
//
// The returned Answer and its record slices are shared with the cache
// and other callers: do not modify them. Concurrent lookups of the same
// (name, type) share one query on the wire; it runs detached from the
// callers' contexts, bounded by Timeout × Attempts × servers per query
// of the CNAME chain; each caller stops waiting when its own ctx is
// done, and the query is cancelled once no caller waits for it.
func (c *Client) Lookup(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	if a := c.cached(name, qtype, c.cfg.now()); a != nil {
		c.stats.hits.Add(1)
		return a, nil
	}
	c.stats.misses.Add(1)
	return c.lookupShared(ctx, cacheKey{name: canonical(name), qtype: qtype}, name)
}

// cached returns the answer for (name, qtype) cached and valid at now, or
// nil. It tries name as given first: every key is canonical, so a name
// that matches one is canonical already, and the locator's lower-case,
// fully qualified names skip canonical's scan.
func (c *Client) cached(name string, qtype uint16, now time.Time) *Answer {
	if a := c.cache.get(cacheKey{name: name, qtype: qtype}, now); a != nil {
		return a
	}
	if cn := canonical(name); cn != name {
		return c.cache.get(cacheKey{name: cn, qtype: qtype}, now)
	}
	return nil
}

// Now returns the time on the client's clock (Config.Now), the clock its
// cached answers expire by; for LookupCached.
func (c *Client) Now() time.Time { return c.cfg.now() }

// LookupCached returns the answer for (name, qtype) if the cache holds
// one still valid at now, a time from the client's clock (Now): a caller
// making several cache reads at once reads the clock once. It never
// blocks or allocates; ok is false when nothing valid is cached (a later
// Lookup then counts the miss). The Answer is read-only, as with Lookup.
func (c *Client) LookupCached(name string, qtype uint16, now time.Time) (a *Answer, ok bool) {
	a = c.cached(name, qtype, now)
	if a == nil {
		return nil, false
	}
	c.stats.hits.Add(1)
	return a, true
}

// lookupShared resolves key once for all concurrent callers.
func (c *Client) lookupShared(ctx context.Context, key cacheKey, asked string) (*Answer, error) {
	if _, ok := dns.IsDomainName(key.name); !ok {
		return nil, newError(asked, key.qtype, "", ErrBadName)
	}
	if err := ctx.Err(); err != nil {
		return nil, newError(asked, key.qtype, "", err)
	}
	cl, leader := c.flights.join(ctx, key, c.budget())
	if leader {
		go func() {
			ans, err := c.resolve(cl.ctx, key)
			c.flights.finish(key, cl, ans, err)
		}()
	} else {
		c.stats.shared.Add(1)
	}
	c.stats.inFlight.Add(1)
	defer c.stats.inFlight.Add(-1)
	select {
	case <-cl.done:
		return cl.ans, renamed(cl.err, asked)
	case <-ctx.Done():
		c.flights.leave(key, cl)
		return nil, newError(asked, key.qtype, "", ctx.Err())
	}
}

// renamed returns err with its Name set to the name the caller asked for
// (the shared resolution used the canonical name).
func renamed(err error, asked string) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	e2 := *e
	e2.Name = asked
	return &e2
}

// budget bounds one resolution: every attempt on every server, for each
// query of a CNAME chain.
func (c *Client) budget() time.Duration {
	return c.cfg.timeout() * time.Duration(c.cfg.attempts()*len(c.servers)*(maxCNAMELinks+1))
}

// resolve queries the name servers for key, following a CNAME chain
// across queries when an answer ends at a CNAME whose target's RRset it
// does not hold (RFC 1034 §5.3.3), and caches the result.
func (c *Client) resolve(ctx context.Context, key cacheKey) (*Answer, error) {
	name := key.name
	var links []*dns.CNAME
	var rtt time.Duration
	for {
		r, server, t, err := c.tryServers(ctx, name, key.qtype)
		rtt += t
		if err != nil {
			return nil, newError(key.name, key.qtype, server, err)
		}
		res, err := processAnswer(r, name, key.qtype, links)
		if err != nil {
			return nil, newError(key.name, key.qtype, server, err)
		}
		c.storeExtra(res, server)
		if res.next == "" {
			return c.store(key, res, server, rtt), nil
		}
		links, name = res.cnames, canonical(res.next)
	}
}
