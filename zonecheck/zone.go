package zonecheck

import (
	"strings"

	"github.com/miekg/dns"
)

// zone indexes a zone's records by owner name and type.
type zone struct {
	apex    string // lower case, fully qualified
	records []record
	names   map[string]map[uint16][]*record
	cuts    map[string]bool // owners of NS records below the apex
	exists  map[string]bool // owners and their ancestors (empty non-terminals)
}

// newZone indexes recs. The apex is origin when given, else the owner of
// the first SOA record, else the file's first absolute $ORIGIN (dirOrigin),
// else the longest suffix all owners share.
func newZone(recs []record, origin, dirOrigin string) *zone {
	z := &zone{records: recs, names: map[string]map[uint16][]*record{}, cuts: map[string]bool{}, exists: map[string]bool{}}
	for i := range recs {
		r := &recs[i]
		h := r.rr.Header()
		name := strings.ToLower(h.Name)
		if z.names[name] == nil {
			z.names[name] = map[uint16][]*record{}
		}
		z.names[name][h.Rrtype] = append(z.names[name][h.Rrtype], r)
	}
	z.apex = findApex(recs, origin, dirOrigin)
	for name, types := range z.names {
		if len(types[dns.TypeNS]) > 0 && name != z.apex {
			z.cuts[name] = true
		}
		for _, n := range append([]string{name}, ancestors(name)...) {
			if !dns.IsSubDomain(z.apex, n) || z.exists[n] {
				break
			}
			z.exists[n] = true
		}
	}
	return z
}

// findApex returns the zone's apex: see newZone.
func findApex(recs []record, origin, dirOrigin string) string {
	if origin != "" {
		return strings.ToLower(dns.Fqdn(origin))
	}
	for _, r := range recs {
		if r.rr.Header().Rrtype == dns.TypeSOA {
			return strings.ToLower(r.rr.Header().Name)
		}
	}
	if dirOrigin != "" {
		return strings.ToLower(dirOrigin)
	}
	apex := ""
	for i, r := range recs {
		name := strings.ToLower(r.rr.Header().Name)
		if i == 0 {
			apex = name
			continue
		}
		for _, a := range ancestors(apex) {
			if dns.IsSubDomain(apex, name) {
				break
			}
			apex = a
		}
	}
	if apex == "" {
		return "."
	}
	return apex
}

// ancestors returns name's ancestors, nearest first, ending with ".".
func ancestors(name string) []string {
	var out []string
	if idx := dns.Split(name); len(idx) > 1 {
		for _, i := range idx[1:] {
			out = append(out, name[i:])
		}
	}
	if name == "." {
		return out
	}
	return append(out, ".")
}

// rrs returns the records of type t owned by name.
func (z *zone) rrs(name string, t uint16) []*record {
	return z.names[strings.ToLower(name)][t]
}

// has reports whether name owns records of any of the types.
func (z *zone) has(name string, types ...uint16) bool {
	for _, t := range types {
		if len(z.rrs(name, t)) > 0 {
			return true
		}
	}
	return false
}

// where tells where a name stands relative to the zone.
type where int

const (
	inZone    where = iota // at or below the apex, above any cut
	outOfZone              // not below the apex
	delegated              // at or below a zone cut: another zone's data
)

// locate returns where name stands.
func (z *zone) locate(name string) where {
	name = strings.ToLower(name)
	if !dns.IsSubDomain(z.apex, name) {
		return outOfZone
	}
	for _, n := range append([]string{name}, ancestors(name)...) {
		if n == z.apex {
			break
		}
		if z.cuts[n] {
			return delegated
		}
	}
	return inZone
}

// hasAddress reports whether name has an A or AAAA record, its own or
// from a wildcard (RFC 4592 §3.3.1: a name that does not exist matches the
// wildcard at its closest encloser, the longest ancestor that exists,
// empty non-terminals included).
func (z *zone) hasAddress(name string) bool {
	if z.has(name, dns.TypeA, dns.TypeAAAA) {
		return true
	}
	name = strings.ToLower(name)
	if z.exists[name] {
		return false
	}
	for _, n := range ancestors(name) {
		if z.exists[n] {
			return z.has("*."+n, dns.TypeA, dns.TypeAAAA)
		}
	}
	return false
}
