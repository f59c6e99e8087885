package dnsclient

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// result is what one response says about (qname, qtype).
type result struct {
	rcode   int
	records []dns.RR     // the RRset at the end of the chain
	cnames  []*dns.CNAME // every link so far, earlier queries' first
	next    string       // non-empty: the chain ends at this name without its RRset
	ttl     uint32       // smallest TTL of records and links, or the negative TTL
	cache   bool         // false: a negative answer without SOA
	extra   []dns.RR     // in-bailiwick additional records
	ignored int          // additional records ignored
}

// processAnswer reads the response r to a query for (qname, qtype), given
// the CNAME links already followed by earlier queries: it follows the
// chain inside the answer section (RFC 1034 §3.6.2, §5.3.3), takes the
// negative TTL from the authority section (RFC 2308 §5) and the usable
// additional records. Records that answer other questions are ignored.
// It never panics on any parsed message.
func processAnswer(r *dns.Msg, qname string, qtype uint16, links []*dns.CNAME) (*result, error) {
	res := &result{rcode: r.Rcode, cnames: links, ttl: chainTTL(links)}
	name, err := res.follow(r.Answer, qname, qtype)
	if err != nil {
		return nil, err
	}
	if len(res.records) > 0 {
		res.cache = true
		res.extra, res.ignored = inBailiwick(r, qname)
		return res, nil
	}
	if r.Rcode == dns.RcodeSuccess && !strings.EqualFold(name, qname) && soaFor(r.Ns, name) == nil {
		res.next = name // RFC 1034 §5.3.3: restart the query at the target
		return res, nil
	}
	res.negative(r.Ns, name)
	return res, nil
}

// follow walks the answer section from name along CNAMEs, appending links
// to res.cnames and the RRset found to res.records; it returns the name the
// chain ended at. At most maxCNAMELinks links over all queries; a name seen
// twice is a loop.
func (res *result) follow(answer []dns.RR, name string, qtype uint16) (string, error) {
	for {
		if rrs := rrset(answer, name, qtype); len(rrs) > 0 {
			res.records = rrs
			res.ttl = min(res.ttl, minTTL(rrs))
			return name, nil
		}
		cn := cnameAt(answer, name)
		if cn == nil || qtype == dns.TypeCNAME {
			return name, nil
		}
		if err := res.link(cn); err != nil {
			return "", err
		}
		name = cn.Target
	}
}

// link appends cn to the chain if that makes neither a loop nor a chain
// longer than maxCNAMELinks.
func (res *result) link(cn *dns.CNAME) error {
	if len(res.cnames) >= maxCNAMELinks {
		return fmt.Errorf("%w: more than %d links at %s", ErrCNAMEChain, maxCNAMELinks, cn.Hdr.Name)
	}
	for _, l := range res.cnames {
		if strings.EqualFold(l.Hdr.Name, cn.Target) {
			return fmt.Errorf("%w: %s -> %s", ErrCNAMELoop, cn.Hdr.Name, cn.Target)
		}
	}
	res.cnames = append(res.cnames[:len(res.cnames):len(res.cnames)], cn)
	res.ttl = min(res.ttl, cn.Hdr.Ttl)
	return nil
}

// negative fills in a NXDOMAIN or NODATA result: its TTL is the smaller of
// the SOA's TTL and its MINIMUM field (RFC 2308 §5); without an SOA it is
// not cached (RFC 2308 §5: "SHOULD NOT be cached").
func (res *result) negative(ns []dns.RR, name string) {
	soa := soaFor(ns, name)
	if soa == nil {
		return
	}
	res.cache = true
	res.ttl = min(res.ttl, soa.Hdr.Ttl, soa.Minttl)
}

// rrset returns the IN records of type t owned by name.
func rrset(rrs []dns.RR, name string, t uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		h := rr.Header()
		if h.Rrtype == t && h.Class == dns.ClassINET && strings.EqualFold(h.Name, name) {
			out = append(out, rr)
		}
	}
	return out
}

// cnameAt returns the IN CNAME owned by name, if any.
func cnameAt(rrs []dns.RR, name string) *dns.CNAME {
	for _, rr := range rrs {
		if cn, ok := rr.(*dns.CNAME); ok && cn.Hdr.Class == dns.ClassINET && strings.EqualFold(cn.Hdr.Name, name) {
			return cn
		}
	}
	return nil
}

// soaFor returns the SOA in ns whose owner is name or an ancestor of it.
func soaFor(ns []dns.RR, name string) *dns.SOA {
	for _, rr := range ns {
		if soa, ok := rr.(*dns.SOA); ok && dns.IsSubDomain(soa.Hdr.Name, name) {
			return soa
		}
	}
	return nil
}

// minTTL returns the smallest TTL of rrs (RFC 2181 §5.2 asks for one TTL
// per RRset; if they differ, the smallest is the safe choice).
func minTTL(rrs []dns.RR) uint32 {
	ttl := ^uint32(0)
	for _, rr := range rrs {
		ttl = min(ttl, rr.Header().Ttl)
	}
	return ttl
}

// chainTTL returns the smallest TTL of the links.
func chainTTL(links []*dns.CNAME) uint32 {
	ttl := ^uint32(0)
	for _, l := range links {
		ttl = min(ttl, l.Hdr.Ttl)
	}
	return ttl
}
