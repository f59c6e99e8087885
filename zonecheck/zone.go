package zonecheck

import (
	"cmp"
	"iter"
	"slices"
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
	// names holds each lower-case owner's records sorted by type, in file
	// order within a type: an RRset is a run. A map of types per name
	// took a third of a large zone's load in dnsserver (issue 8 item 5).
	names  map[string][]*record
	cuts   map[string]bool // owners of NS records below the apex
	exists map[string]bool // owners and their ancestors (empty non-terminals)
}

// newZone indexes f's records under f's apex.
func newZone(f *zonefile.File) *zone {
	recs := f.Records
	z := &zone{apex: f.Apex, records: recs, names: make(map[string][]*record, len(recs)), cuts: map[string]bool{}, exists: make(map[string]bool, len(recs))}
	for i := range recs {
		r := &recs[i]
		h := r.RR.Header()
		name := strings.ToLower(h.Name)
		z.names[name] = append(z.names[name], r)
		if h.Rrtype == dns.TypeNS && name != z.apex {
			z.cuts[name] = true
		}
	}
	for name, rs := range z.names {
		if len(rs) > 1 {
			slices.SortStableFunc(rs, func(a, b *record) int { return cmp.Compare(a.RR.Header().Rrtype, b.RR.Header().Rrtype) })
		}
		z.markExists(name)
	}
	return z
}

// markExists notes that name and its ancestors up to the apex exist.
func (z *zone) markExists(name string) {
	for off, end := 0, false; ; off, end = dns.NextLabel(name, off) {
		n := name[off:]
		if end {
			n = "."
		}
		if z.exists[n] || !dns.IsSubDomain(z.apex, n) {
			return
		}
		z.exists[n] = true
		if end {
			return
		}
	}
}

// typeRun returns the records of type t in rs, which are sorted by type.
func typeRun(rs []*record, t uint16) []*record {
	i, _ := slices.BinarySearchFunc(rs, t, func(r *record, t uint16) int { return cmp.Compare(r.RR.Header().Rrtype, t) })
	j := i
	for j < len(rs) && rs[j].RR.Header().Rrtype == t {
		j++
	}
	return rs[i:j:j]
}

// rrsets returns the RRsets of rs, which are sorted by type.
func rrsets(rs []*record) iter.Seq[[]*record] {
	return func(yield func([]*record) bool) {
		for i := 0; i < len(rs); {
			j := i + 1
			for j < len(rs) && rs[j].RR.Header().Rrtype == rs[i].RR.Header().Rrtype {
				j++
			}
			if !yield(rs[i:j:j]) {
				return
			}
			i = j
		}
	}
}

// rrs returns the records of type t owned by name.
func (z *zone) rrs(name string, t uint16) []*record {
	return typeRun(z.names[strings.ToLower(name)], t)
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
