package dnsclient

import (
	"strings"

	"github.com/miekg/dns"
)

// inBailiwick returns the additional records of r that may be trusted and
// cached, and how many it ignored. Only A, AAAA and SRV records are used
// (the address records of SRV targets and NAPTR "A" replacements, the SRV
// records of NAPTR "S" replacements: RFC 2782, RFC 3403 §4.2), and only
// when they lie at or below the question's zone (see zoneOf), so a server
// cannot plant records for names it is not responsible for (RFC 2181
// §5.4.1 ranks additional data lowest).
func inBailiwick(r *dns.Msg, qname string) (used []dns.RR, ignored int) {
	zone := zoneOf(r.Ns, qname)
	for _, rr := range r.Extra {
		h := rr.Header()
		switch {
		case h.Rrtype == dns.TypeOPT:
			continue
		case (h.Rrtype == dns.TypeA || h.Rrtype == dns.TypeAAAA || h.Rrtype == dns.TypeSRV) &&
			h.Class == dns.ClassINET && dns.IsSubDomain(zone, h.Name):
			used = append(used, rr)
		default:
			ignored++
		}
	}
	return used, ignored
}

// zoneOf returns the zone trusted for the additional records of an answer
// to qname: the question's own domain, qname without its leading
// underscore labels, so that an answer for _sip._udp.example.com may carry
// sip1.example.com but not sip1.example.net (a service name's records
// belong to the domain they are published in, RFC 2782, RFC 8552 §1.1).
// An SOA or NS record in the authority section may narrow it to a zone
// between that domain and qname, never widen it: a stub resolver follows
// no delegations, so an ancestor claimed by the same answer proves nothing
// (issue 8; RFC 2181 §5.4.1).
func zoneOf(ns []dns.RR, qname string) string {
	domain := serviceDomain(qname)
	for _, rr := range ns {
		h := rr.Header()
		if (h.Rrtype == dns.TypeSOA || h.Rrtype == dns.TypeNS) &&
			dns.IsSubDomain(domain, h.Name) && dns.IsSubDomain(h.Name, qname) {
			return h.Name
		}
	}
	return domain
}

// serviceDomain returns qname without its leading underscore labels, or
// qname itself when it has nothing else.
func serviceDomain(qname string) string {
	name := qname
	for strings.HasPrefix(name, "_") {
		off, end := dns.NextLabel(name, 0)
		if end || off >= len(name)-1 {
			return qname // nothing but underscore labels: no wider zone
		}
		name = name[off:]
	}
	return name
}
