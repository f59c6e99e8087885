package dnsserver

import (
	"sort"

	"github.com/miekg/dns"
)

// findSOA returns the zone's one SOA record. There must be exactly one
// (RFC 1035 §5.2), and when origin is given it must be at origin.
func findSOA(recs []located, file, origin string) (located, error) {
	var soa *located
	for i := range recs {
		if recs[i].rr.Header().Rrtype != dns.TypeSOA {
			continue
		}
		if soa != nil {
			return located{}, checkErr(recs[i], ErrManySOA)
		}
		soa = &recs[i]
	}
	if soa == nil {
		return located{}, &CheckError{File: file, Line: 1, Name: dns.Fqdn(origin), Err: ErrNoSOA}
	}
	if origin != "" && dns.CanonicalName(soa.rr.Header().Name) != dns.CanonicalName(origin) {
		return located{}, checkErr(*soa, ErrOutOfZone)
	}
	return *soa, nil
}

func checkErr(rec located, err error) *CheckError {
	return &CheckError{File: rec.pos.file, Line: rec.pos.line, Name: rec.rr.Header().Name, Err: err}
}

// checkRecord applies the rules that need only the record: class IN and an
// owner inside the zone (RFC 1035 §5.2).
func (z *Zone) checkRecord(rr dns.RR, pos position) error {
	rec := located{rr: rr, pos: pos}
	if rr.Header().Class != dns.ClassINET {
		return checkErr(rec, ErrClass)
	}
	if !dns.IsSubDomain(z.Origin, rr.Header().Name) {
		return checkErr(rec, ErrOutOfZone)
	}
	return nil
}

// check applies the rules about the zone as a whole: NS records at the apex
// (RFC 1035 §5.2), and a CNAME alone at its name (RFC 1034 §3.6.2,
// RFC 2181 §10.1).
func (z *Zone) check(soa located) error {
	if len(z.nodes[z.Origin].sets[dns.TypeNS]) == 0 {
		return &CheckError{File: soa.pos.file, Line: soa.pos.line, Name: z.Origin, Err: ErrNoApexNS}
	}
	for _, name := range z.sortedNames() {
		n := z.nodes[name]
		cname := n.sets[dns.TypeCNAME]
		if len(cname) > 1 || (len(cname) == 1 && len(n.sets) > 1) {
			return checkErr(z.lastOf(n), ErrCNAMEAndMore)
		}
	}
	return nil
}

// lastOf returns the record at n that comes last in the files, the one a
// reader will want pointed at.
func (z *Zone) lastOf(n *node) located {
	var last located
	for _, set := range n.sets {
		for _, rr := range set {
			p := z.pos[rr]
			if last.rr == nil || p.file == last.pos.file && p.line > last.pos.line {
				last = located{rr: rr, pos: p}
			}
		}
	}
	return last
}

// sortedNames returns the zone's owner names in a fixed order, so that a
// zone with several faults always reports the same one.
func (z *Zone) sortedNames() []string {
	names := make([]string, 0, len(z.nodes))
	for name := range z.nodes {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
