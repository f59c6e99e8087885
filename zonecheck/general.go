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

// checkSOA reports a zone without an SOA record: a server needs one to be
// authoritative (RFC 1035 §5.2) and to give negative answers (RFC 2308 §3).
func checkSOA(z *zone, fs *findings) {
	if len(z.records) == 0 || z.has(z.apex, dns.TypeSOA) {
		return
	}
	fs.add(&z.records[0], Warning, "no-soa",
		"no SOA record at the apex %s: a server cannot load this as a zone or give negative answers (RFC 1035 §5.2, RFC 2308 §3)", z.apex)
}

// checkOwners reports records whose owner is outside the zone: servers
// ignore them (RFC 1035 §5.2 "data outside the zone").
func checkOwners(z *zone, fs *findings) {
	for i := range z.records {
		r := &z.records[i]
		if z.locate(r.rr.Header().Name) == outOfZone {
			fs.add(r, Warning, "owner-out-of-zone", "owner %s is outside the zone %s and will not be served", r.rr.Header().Name, z.apex)
		}
	}
}

// checkCNAME reports a CNAME that shares its name with other data (RFC
// 1034 §3.6.2, RFC 2181 §10.1): a resolver then sees either the alias or
// the data, never both.
func checkCNAME(z *zone, fs *findings) {
	for _, types := range z.names {
		cnames := types[dns.TypeCNAME]
		if len(cnames) == 0 {
			continue
		}
		for t, rrs := range types {
			if t == dns.TypeCNAME || t == dns.TypeRRSIG || t == dns.TypeNSEC || len(rrs) == 0 {
				continue
			}
			fs.add(rrs[0], Error, "cname-and-other-data", "%s has a CNAME and %s records: a CNAME must be the only data at its name (RFC 1034 §3.6.2, RFC 2181 §10.1)",
				rrs[0].rr.Header().Name, dns.TypeToString[t])
		}
		if len(cnames) > 1 {
			fs.add(cnames[1], Error, "cname-and-other-data", "%s has %d CNAME records: an alias has one target (RFC 2181 §10.1)", cnames[0].rr.Header().Name, len(cnames))
		}
	}
}

// checkTTL reports SIP records (NAPTR, SRV, and the address and alias
// records they lead to) whose TTL is below minTTL or above maxTTL, and any
// RRset whose records' TTLs differ (RFC 2181 §5.2).
func checkTTL(z *zone, fs *findings) {
	sip := sipNames(z)
	for i := range z.records {
		r := &z.records[i]
		h := r.rr.Header()
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
	for _, types := range z.names {
		for _, rrs := range types {
			for _, r := range rrs[1:] {
				if r.rr.Header().Ttl != rrs[0].rr.Header().Ttl {
					fs.add(r, Warning, "ttl-rrset", "TTL %d s differs from %d s of the other %s records at this name: the TTLs of an RRset must be equal (RFC 2181 §5.2)",
						r.rr.Header().Ttl, rrs[0].rr.Header().Ttl, dns.TypeToString[r.rr.Header().Rrtype])
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
		switch rr := z.records[i].rr.(type) {
		case *dns.SRV:
			names[strings.ToLower(rr.Target)] = true
		case *dns.NAPTR:
			names[strings.ToLower(rr.Replacement)] = true
		}
	}
	return names
}
