package dnsserver

import (
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// additional returns the additional section for an answer: the records a
// client will ask for next (RFC 1034 §4.3.2 step 6). Names are looked up
// in every zone served; nothing is fetched from elsewhere. RRsets already
// in the answer are not repeated.
func (s *snapshot) additional(answer, ns []dns.RR) []dns.RR {
	if !slices.ContainsFunc(answer, pointsAtNames) && !slices.ContainsFunc(ns, pointsAtNames) {
		return nil // no map to make: most answers are A, AAAA or a negative SOA
	}
	a := addBuilder{s: s, seen: map[setKey]bool{}}
	for _, rr := range answer {
		a.seen[setKey{rr.Header().Name, rr.Header().Rrtype}] = true
	}
	for _, rr := range append(answer, ns...) {
		a.forRecord(rr)
	}
	return a.out
}

// setKey names one RRset.
type setKey struct {
	name  string
	rtype uint16
}

type addBuilder struct {
	s    *snapshot
	seen map[setKey]bool
	out  []dns.RR
}

// pointsAtNames reports whether forRecord adds anything for rr's type.
func pointsAtNames(rr dns.RR) bool {
	switch rr.(type) {
	case *dns.SRV, *dns.NAPTR, *dns.NS, *dns.MX:
		return true
	}
	return false
}

// forRecord adds what rr points at.
func (a *addBuilder) forRecord(rr dns.RR) {
	switch rr := rr.(type) {
	case *dns.SRV:
		// RFC 2782, "Usage rules": the additional section carries
		// the targets' address records.
		a.addresses(rr.Target)
	case *dns.NAPTR:
		a.forNAPTR(rr)
	case *dns.NS:
		a.addresses(rr.Ns) // glue and NS addresses, RFC 1035 §3.3.11
	case *dns.MX:
		a.addresses(rr.Mx) // RFC 1035 §3.3.9
	}
}

// forNAPTR follows a NAPTR's replacement as RFC 3403 §4.2 suggests: flag
// "S" leads to SRV records and their targets' addresses (RFC 3404 §5,
// RFC 3263 §4.1), flag "A" to address records. Other flags ("U", "P",
// none) point at nothing a DNS server can add.
func (a *addBuilder) forNAPTR(rr *dns.NAPTR) {
	switch strings.ToUpper(rr.Flags) {
	case "S":
		for _, srv := range a.set(rr.Replacement, dns.TypeSRV) {
			a.addresses(srv.(*dns.SRV).Target)
		}
	case "A":
		a.addresses(rr.Replacement)
	}
}

// addresses adds the A and AAAA RRsets of name.
func (a *addBuilder) addresses(name string) {
	a.set(name, dns.TypeA)
	a.set(name, dns.TypeAAAA)
}

// set adds the RRset name/rtype if a served zone has it and it is not in the
// message yet, and returns it.
func (a *addBuilder) set(name string, rtype uint16) []dns.RR {
	name = dns.CanonicalName(name)
	z := a.s.zoneFor(name)
	if z == nil {
		return nil
	}
	n := z.node(name)
	if n == nil {
		return nil
	}
	rrs := a.s.health.shape(n.set(rtype)) // SRV RRsets as the health checks have them
	k := setKey{name, rtype}
	if len(rrs) > 0 && !a.seen[k] {
		a.seen[k] = true
		a.out = append(a.out, rrs...)
	}
	return rrs
}
