package locate

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/internal/dnstest"
)

// epoch is the fixed clock of the unit tests.
var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

type qkey struct {
	name  string
	qtype uint16
}

// fakeResolver answers from zone records without sockets: NXDOMAIN when
// no name at or under the name owns anything, NODATA otherwise (an empty
// non-terminal exists, RFC 8020). Errors can be
// injected per question.
type fakeResolver struct {
	zone  map[qkey][]dns.RR
	names map[string]bool
	errs  map[qkey]error
	// answers, when set for a question, is returned instead of the zone's.
	answers map[qkey]*dnsclient.Answer

	mu    sync.Mutex
	asked []string // "TYPE name" of every Lookup, in the order they came
}

func newFake(lines ...string) *fakeResolver {
	f := &fakeResolver{zone: map[qkey][]dns.RR{}, names: map[string]bool{}, errs: map[qkey]error{},
		answers: map[qkey]*dnsclient.Answer{}}
	for _, rr := range dnstest.RRs(lines...) {
		h := rr.Header()
		k := qkey{strings.ToLower(h.Name), h.Rrtype}
		f.zone[k] = append(f.zone[k], rr)
		for off, end := 0, false; !end; off, end = dns.NextLabel(k.name, off) {
			f.names[k.name[off:]] = true // the owner and its ancestors exist (RFC 8020)
		}
	}
	return f
}

func (f *fakeResolver) Lookup(ctx context.Context, name string, qtype uint16) (*dnsclient.Answer, error) {
	f.mu.Lock()
	f.asked = append(f.asked, dns.TypeToString[qtype]+" "+name)
	f.mu.Unlock()
	if a := f.answers[qkey{strings.ToLower(name), qtype}]; a != nil {
		return a, nil
	}
	return f.answer(name, qtype)
}

// askedSorted returns the questions asked so far, sorted (parallel
// lookups arrive in any order).
func (f *fakeResolver) askedSorted() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(slices.Values(f.asked))
}

func (f *fakeResolver) answer(name string, qtype uint16) (*dnsclient.Answer, error) {
	k := qkey{strings.ToLower(name), qtype}
	if err := f.errs[k]; err != nil {
		return nil, err
	}
	a := &dnsclient.Answer{Name: name, Type: qtype, Server: "192.0.2.53:53", RTT: time.Millisecond}
	rrs := f.zone[k]
	switch {
	case len(rrs) > 0:
		a.Records = rrs
		a.Expires = epoch.Add(time.Duration(minTTL(rrs)) * time.Second)
	case f.names[k.name]:
		a.Expires = epoch.Add(60 * time.Second)
	default:
		a.Rcode = dns.RcodeNameError
		a.Expires = epoch.Add(60 * time.Second)
	}
	return a, nil
}

func minTTL(rrs []dns.RR) uint32 {
	m := rrs[0].Header().Ttl
	for _, rr := range rrs {
		m = min(m, rr.Header().Ttl)
	}
	return m
}

// cachingFake is a fakeResolver whose answers are all "cached": it
// implements CacheResolver and allocates nothing per lookup, like a warm
// dnsclient cache at best.
type cachingFake struct {
	*fakeResolver
	cache map[qkey]*dnsclient.Answer
}

func newCachingFake(lines ...string) *cachingFake {
	f := newFake(lines...)
	c := &cachingFake{fakeResolver: f, cache: map[qkey]*dnsclient.Answer{}}
	for k := range f.zone {
		a, _ := f.answer(k.name, k.qtype)
		a.Cached, a.RTT = true, 0
		c.cache[k] = a
	}
	return c
}

func (c *cachingFake) Now() time.Time { return epoch }

func (c *cachingFake) LookupCached(name string, qtype uint16, now time.Time) (*dnsclient.Answer, bool) {
	a, ok := c.cache[qkey{name, qtype}]
	if !ok || !now.Before(a.Expires) {
		return nil, false
	}
	return a, true
}

// newTestLocator returns a Locator on r with a fixed clock and seed.
func newTestLocator(r Resolver) *Locator {
	return &Locator{Resolver: r, Rand: rand.New(rand.NewPCG(1, 2)), Now: func() time.Time { return epoch }}
}

// targetStrings formats targets compactly for comparisons.
func targetStrings(ts []Target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, fmt.Sprintf("%s %s %s p%d w%d", t.Transport, t.AddrPort(), t.Host, t.Priority, t.Weight))
	}
	return out
}

// queryStrings formats the trace as "TYPE name".
func queryStrings(qs []Query) []string {
	var out []string
	for _, q := range qs {
		out = append(out, q.Type+" "+q.Name)
	}
	return out
}
