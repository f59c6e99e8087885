package dnsserver

import (
	"slices"

	"github.com/miekg/dns"
)

// Result is what a lookup in a zone found. Negative answers are results,
// not errors: the server maps each to a response code.
type Result int

// The results of a lookup.
const (
	Success    Result = iota // the answer section holds the answer
	NameError                // NXDOMAIN: the name does not exist (RFC 1035 §4.1.1)
	NoData                   // NOERROR, empty answer: the name exists, the type does not (RFC 2308 §2.2)
	Delegation               // a referral: the name is below a zone cut
)

// maxChain bounds how many CNAMEs a lookup follows (RFC 1034 §3.6.2 asks
// servers to stop on loops; a bound catches those and absurd chains).
const maxChain = 8

// lookup is the answer to one question from one zone, before additional
// section processing.
type lookup struct {
	result Result
	answer []dns.RR
	ns     []dns.RR
}

// Lookup answers qname/qtype from the zone: RFC 1034 §4.3.2 for one zone,
// with wildcards per RFC 4592 and CNAMEs followed inside the zone. qname
// must be in the zone; the server picks the zone by longest match first.
// It returns the result, the answer section and the authority section.
func (z *Zone) Lookup(qname string, qtype uint16) (Result, []dns.RR, []dns.RR) {
	l := z.lookup(dns.CanonicalName(qname), qtype)
	return l.result, l.answer, l.ns
}

func (z *Zone) lookup(qname string, qtype uint16) lookup {
	var l lookup
	var chain [maxChain]string // the names asked so far; no map per lookup
	for i := range maxChain {
		chain[i] = qname
		target := z.step(qname, qtype, &l)
		if target == "" || slices.Contains(chain[:i+1], target) || !dns.IsSubDomain(z.Origin, target) {
			return l
		}
		qname = target
	}
	return l
}

// step looks qname up and appends to l. It returns the CNAME target to
// follow next, or "" when the lookup is done.
func (z *Zone) step(qname string, qtype uint16, l *lookup) string {
	ce, cut := z.descend(qname)
	switch {
	case cut == qname && qtype == dns.TypeDS:
		// RFC 4035 §3.1.4.1: DS lives on the parent side of the cut.
		return z.answerAt(z.nodes[qname], qname, qtype, l)
	case cut != "":
		l.result, l.ns = Delegation, z.nodes[cut].set(dns.TypeNS)
		return ""
	case ce == qname:
		return z.answerAt(z.nodes[qname], qname, qtype, l)
	}
	// RFC 4592 §3.3.1: the source of synthesis is the wildcard child of
	// the closest encloser; an existing name in between (even an empty
	// non-terminal) was the closest encloser instead, so it blocks.
	if w := z.nodes["*."+ce]; w != nil {
		return z.answerAt(w, qname, qtype, l)
	}
	l.result, l.ns = NameError, z.negativeSOA()
	return ""
}

// descend walks from the apex towards qname. It returns the closest
// encloser (the deepest existing name that is qname or an ancestor of it,
// RFC 4592 §3.3.1) and the zone cut qname is at or below, if any.
func (z *Zone) descend(qname string) (ce, cut string) {
	offs := dns.Split(qname)
	apex := len(offs) - dns.CountLabel(z.Origin)
	ce = z.Origin
	for i := apex - 1; i >= 0; i-- {
		name := qname[offs[i]:]
		n := z.nodes[name]
		if n == nil {
			return ce, ""
		}
		ce = name
		if len(n.set(dns.TypeNS)) > 0 {
			return ce, name
		}
	}
	return ce, ""
}

// answerAt answers from node n, which owns qname or is the wildcard that
// matches it; records copied from a wildcard get qname as owner
// (RFC 4592 §4.1).
func (z *Zone) answerAt(n *node, qname string, qtype uint16, l *lookup) string {
	if qtype == dns.TypeANY {
		return z.answerANY(n, qname, l)
	}
	if set := n.set(qtype); len(set) > 0 {
		l.result, l.answer = Success, append(l.answer, withOwner(set, qname)...)
		return ""
	}
	if cname := n.set(dns.TypeCNAME); len(cname) > 0 {
		l.result, l.answer = Success, append(l.answer, withOwner(cname, qname)...)
		return dns.CanonicalName(cname[0].(*dns.CNAME).Target)
	}
	l.result, l.ns = NoData, z.negativeSOA()
	return ""
}

// answerANY gives one RRset for a query of type ANY, as RFC 8482 §4.1
// allows: the one with the lowest type number, so the choice is stable.
// Returning less keeps ANY from being an amplifier; SIP clients never ask
// for ANY, and a full copy of the zone is an AXFR away.
func (z *Zone) answerANY(n *node, qname string, l *lookup) string {
	best := uint16(0)
	if len(n.rrs) > 0 {
		best = n.rrs[0].Header().Rrtype // the node's records are sorted by type
	}
	if best == 0 {
		l.result, l.ns = NoData, z.negativeSOA()
		return ""
	}
	l.result, l.answer = Success, append(l.answer, withOwner(n.set(best), qname)...)
	return ""
}

// negativeSOA returns the SOA for the authority section of a negative
// answer, its TTL the lesser of the SOA's TTL and MINIMUM (RFC 2308 §3).
func (z *Zone) negativeSOA() []dns.RR {
	soa := *z.SOA
	soa.Hdr.Ttl = min(soa.Hdr.Ttl, soa.Minttl)
	return []dns.RR{&soa}
}

// withOwner returns set, copied with owner name if a wildcard synthesised it.
func withOwner(set []dns.RR, name string) []dns.RR {
	if set[0].Header().Name == name {
		return set
	}
	out := make([]dns.RR, len(set))
	for i, rr := range set {
		out[i] = dns.Copy(rr)
		out[i].Header().Name = name
	}
	return out
}
