package locate

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/internal/dnstest"
)

// epoch is the fixed clock of the unit tests.
var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

type qkey struct {
	name  string
	qtype Type
}

// fakeResolver answers from zone records without sockets: NXDOMAIN when
// no name at or under the name owns anything, NODATA otherwise (an empty
// non-terminal exists, RFC 8020). Errors can be
// injected per question.
type fakeResolver struct {
	zone  map[qkey]*Answer // the records of each RRset, in an Answer
	names map[string]bool
	errs  map[qkey]error
	// answers, when set for a question, is returned instead of the zone's.
	answers map[qkey]*Answer

	mu    sync.Mutex
	asked []string // "TYPE name" of every Lookup, in the order they came
}

func newFake(lines ...string) *fakeResolver {
	f := &fakeResolver{zone: map[qkey]*Answer{}, names: map[string]bool{}, errs: map[qkey]error{},
		answers: map[qkey]*Answer{}}
	for _, rr := range dnstest.RRs(lines...) {
		h := rr.Header()
		k := qkey{strings.ToLower(h.Name), Type(h.Rrtype)}
		if f.zone[k] == nil {
			f.zone[k] = &Answer{Name: k.name}
		}
		addRR(f.zone[k], rr)
		for off, end := 0, false; !end; off, end = dns.NextLabel(k.name, off) {
			f.names[k.name[off:]] = true // the owner and its ancestors exist (RFC 8020)
		}
	}
	return f
}

// addRR appends rr, parsed from zone text by miekg/dns, to a in locate's
// types (as package locatedns does for dnsclient's answers).
func addRR(a *Answer, rr dns.RR) {
	h := rr.Header()
	switch rr := rr.(type) {
	case *dns.SRV:
		a.SRV = append(a.SRV, SRV{Name: h.Name, TTL: h.Ttl, Priority: rr.Priority, Weight: rr.Weight, Port: rr.Port, Target: rr.Target})
	case *dns.NAPTR:
		a.NAPTR = append(a.NAPTR, NAPTR{Name: h.Name, TTL: h.Ttl, Order: rr.Order, Preference: rr.Preference,
			Flags: unescape(rr.Flags), Service: unescape(rr.Service), Regexp: unescape(rr.Regexp), Replacement: rr.Replacement})
	case *dns.A:
		a.Addrs = append(a.Addrs, Addr{Name: h.Name, TTL: h.Ttl, IP: netip.MustParseAddr(rr.A.String())})
	case *dns.AAAA:
		a.Addrs = append(a.Addrs, Addr{Name: h.Name, TTL: h.Ttl, IP: netip.MustParseAddr(rr.AAAA.String())})
	case *dns.CNAME:
		a.CNAMEs = append(a.CNAMEs, CNAME{Name: h.Name, TTL: h.Ttl, Target: rr.Target})
	}
}

// unescape returns the octets of a character-string in miekg/dns's
// presentation form: a backslash escapes the next octet, or three digits
// give one.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] != '\\' || i+1 == len(s):
			b.WriteByte(s[i])
		case i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]):
			b.WriteByte(byte(int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')))
			i += 3
		default:
			i++
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// minTTL returns the smallest TTL of the records in a.
func minTTL(a *Answer) uint32 {
	m := ^uint32(0)
	for i := range a.NAPTR {
		m = min(m, a.NAPTR[i].TTL)
	}
	for i := range a.SRV {
		m = min(m, a.SRV[i].TTL)
	}
	for i := range a.Addrs {
		m = min(m, a.Addrs[i].TTL)
	}
	return m
}

func (f *fakeResolver) Lookup(ctx context.Context, name string, qtype Type) (*Answer, error) {
	f.mu.Lock()
	f.asked = append(f.asked, qtype.String()+" "+name)
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

func (f *fakeResolver) answer(name string, qtype Type) (*Answer, error) {
	k := qkey{strings.ToLower(name), qtype}
	if err := f.errs[k]; err != nil {
		return nil, err
	}
	a := &Answer{Name: name, Server: "192.0.2.53:53", RTT: time.Millisecond, Expires: epoch.Add(60 * time.Second)}
	switch z := f.zone[k]; {
	case z != nil:
		a.NAPTR, a.SRV, a.Addrs, a.CNAMEs = z.NAPTR, z.SRV, z.Addrs, z.CNAMEs
		a.Expires = epoch.Add(time.Duration(minTTL(z)) * time.Second)
	case !f.names[k.name]:
		a.NXDOMAIN = true
	}
	return a, nil
}

// cachingFake is a fakeResolver whose answers are all "cached": it
// implements CacheResolver and allocates nothing per lookup, like a warm
// cache at best.
type cachingFake struct {
	*fakeResolver
	cache map[qkey]*Answer
}

func newCachingFake(lines ...string) *cachingFake {
	f := newFake(lines...)
	c := &cachingFake{fakeResolver: f, cache: map[qkey]*Answer{}}
	for k := range f.zone {
		a, _ := f.answer(k.name, k.qtype)
		a.Cached, a.RTT = true, 0
		c.cache[k] = a
	}
	return c
}

func (c *cachingFake) LookupCached(name string, qtype Type) (*Answer, bool) {
	a, ok := c.cache[qkey{name, qtype}]
	return a, ok
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
