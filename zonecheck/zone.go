package zonecheck

import (
	"strings"

	"github.com/miekg/dns"

	"github.com/siplocate/siplocate/internal/zonefile"
)

// record is a resource record and where it was written.
type record = zonefile.Record

// zone indexes a zone's records by owner name and type.
type zone struct {
	apex    string // lower case, fully qualified
	records []record
	names   map[string]map[uint16][]*record
	cuts    map[string]bool // owners of NS records below the apex
	exists  map[string]bool // owners and their ancestors (empty non-terminals)
}

// newZone indexes f's records under f's apex.
func newZone(f *zonefile.File) *zone {
	recs := f.Records
	z := &zone{apex: f.Apex, records: recs, names: map[string]map[uint16][]*record{}, cuts: map[string]bool{}, exists: map[string]bool{}}
	for i := range recs {
		r := &recs[i]
		h := r.RR.Header()
		name := strings.ToLower(h.Name)
		if z.names[name] == nil {
			z.names[name] = map[uint16][]*record{}
		}
		z.names[name][h.Rrtype] = append(z.names[name][h.Rrtype], r)
	}
	for name, types := range z.names {
		if len(types[dns.TypeNS]) > 0 && name != z.apex {
			z.cuts[name] = true
		}
		for _, n := range append([]string{name}, zonefile.Ancestors(name)...) {
			if !dns.IsSubDomain(z.apex, n) || z.exists[n] {
				break
			}
			z.exists[n] = true
		}
	}
	return z
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
	for _, n := range append([]string{name}, zonefile.Ancestors(name)...) {
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
	for _, n := range zonefile.Ancestors(name) {
		if z.exists[n] {
			return z.has("*."+n, dns.TypeA, dns.TypeAAAA)
		}
	}
	return false
}
