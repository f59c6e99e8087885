package zonecheck

import (
	"strings"

	"github.com/miekg/dns"
)

// TTL bounds for SIP records. Below minTTL every phone re-queries all the
// time; above maxTTL a moved or failed server stays in caches for more
// than a day (and a phone in the guide's "Saved one until DNS TTL" mode
// keeps using it that long).
const (
	minTTL = 30
	maxTTL = 86400
)

// checkTTL reports SIP records (NAPTR, SRV, and the address and alias
// records they lead to) whose TTL is below minTTL or above maxTTL, and any
// RRset whose records' TTLs differ (RFC 2181 §5.2).
func checkTTL(z *zone, fs *findings) {
	sip := sipNames(z)
	for i := range z.records {
		r := &z.records[i]
		h := r.RR.Header()
		if !isSIPType(h.Rrtype) && !sip[strings.ToLower(h.Name)] {
			continue
		}
		switch {
		case h.Ttl < minTTL:
			fs.add(r, Warning, "ttl-low", "TTL %d s is below %d s: every client re-queries this %s record almost on every call", h.Ttl, minTTL, dns.TypeToString[h.Rrtype])
		case h.Ttl > maxTTL:
			fs.add(r, Warning, "ttl-high", "TTL %d s is above one day: clients keep a moved or failed server in their caches that long", h.Ttl)
		}
	}
	checkRRsetTTLs(z, fs)
}

// checkRRsetTTLs reports RRsets whose records have different TTLs; RFC
// 2181 §5.2 deprecates it and resolvers use the lowest.
func checkRRsetTTLs(z *zone, fs *findings) {
	for _, rs := range z.names {
		for rrs := range rrsets(rs) {
			for _, r := range rrs[1:] {
				if r.RR.Header().Ttl != rrs[0].RR.Header().Ttl {
					fs.add(r, Warning, "ttl-rrset", "TTL %d s differs from %d s of the other %s records at this name: the TTLs of an RRset must be equal (RFC 2181 §5.2)",
						r.RR.Header().Ttl, rrs[0].RR.Header().Ttl, dns.TypeToString[r.RR.Header().Rrtype])
					break
				}
			}
		}
	}
}

// isSIPType reports whether t is one of the records RFC 3263 resolution
// starts from.
func isSIPType(t uint16) bool { return t == dns.TypeNAPTR || t == dns.TypeSRV }

// sipNames returns the lower-case names that SRV targets and NAPTR
// replacements point at: their A, AAAA and CNAME records are SIP records
// too.
func sipNames(z *zone) map[string]bool {
	names := map[string]bool{}
	for i := range z.records {
		switch rr := z.records[i].RR.(type) {
		case *dns.SRV:
			names[strings.ToLower(rr.Target)] = true
		case *dns.NAPTR:
			names[strings.ToLower(rr.Replacement)] = true
		}
	}
	return names
}
