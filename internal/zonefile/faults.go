package zonefile

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// The reasons File.Faults gives, for errors.Is.
var (
	ErrNoSOA         = errors.New("no SOA record")
	ErrManySOA       = errors.New("more than one SOA record")
	ErrSOANotAtApex  = errors.New("SOA record not at the apex")
	ErrNoApexNS      = errors.New("no NS record at the apex")
	ErrClass         = errors.New("class is not IN")
	ErrOutOfZone     = errors.New("outside the zone")
	ErrCNAMEAndOther = errors.New("a CNAME must be the only data at its name (RFC 1034 §3.6.2, RFC 2181 §10.1)")
)

// Faults returns every reason the records do not make a zone a server can
// load, each at the record it is about: a missing SOA first (at the first
// record), then the faults of single records in the order they were read,
// then a missing NS (at the SOA). NSD and BIND refuse
// such files too, except BIND, which ignores data outside the zone, and
// NSD, which loads a zone without NS records.
func (f *File) Faults() []*Error {
	c := &faults{f: f, owners: make(map[string]*owner, len(f.Records))}
	for i := range f.Records {
		c.record(&f.Records[i])
	}
	return c.end()
}

// faults applies the rules record by record.
type faults struct {
	f      *File
	list   []*Error
	soa    *Record // the SOA at the apex
	apexNS bool
	owners map[string]*owner // lower-case owner name -> what it holds
}

// owner is what the CNAME rule needs to know about one name.
type owner struct {
	cnames []dns.RR
	other  uint16 // the first type other than CNAME there; 0: none
	fault  bool   // already reported
}

// add records a fault about r.
func (c *faults) add(r *Record, rule string, err error) {
	c.list = append(c.list, &Error{File: r.File, Line: r.Line, Name: r.RR.Header().Name, Rule: rule, RR: r.RR, Err: err})
}

// record applies the rules that one record can break: class IN and an
// owner inside the zone (RFC 1035 §5.2), the one SOA, and the CNAME rule.
func (c *faults) record(r *Record) {
	h := r.RR.Header()
	name := strings.ToLower(h.Name)
	switch {
	case h.Class != dns.ClassINET:
		c.add(r, RuleClass, fmt.Errorf("%w: %s; all records of a zone have one class, and zones here are IN (RFC 1035 §5.2)", ErrClass, dns.Class(h.Class)))
		return
	case !dns.IsSubDomain(c.f.Apex, name):
		c.add(r, RuleOutOfZone, fmt.Errorf("owner %s is %w %s: servers refuse or ignore data outside the zone (RFC 1035 §5.2)", h.Name, ErrOutOfZone, c.f.Apex))
		return
	}
	switch h.Rrtype {
	case dns.TypeSOA:
		c.soaRecord(r, name)
	case dns.TypeNS:
		c.apexNS = c.apexNS || name == c.f.Apex
	}
	c.cname(r, name)
}

// soaRecord checks an SOA: one per zone, at the apex (RFC 1035 §5.2).
func (c *faults) soaRecord(r *Record, name string) {
	switch {
	case name != c.f.Apex:
		c.add(r, RuleSOANotAtApex, fmt.Errorf("%w %s: a zone has its one SOA there, not at %s (RFC 1035 §5.2)", ErrSOANotAtApex, c.f.Apex, r.RR.Header().Name))
	case c.soa != nil:
		c.add(r, RuleManySOA, fmt.Errorf("%w at %s: a zone has exactly one (RFC 1035 §5.2)", ErrManySOA, c.f.Apex))
	default:
		c.soa = r
	}
}

// cname checks that a CNAME is alone at its name (RFC 1034 §3.6.2, RFC
// 2181 §10.1); RRSIG and NSEC may stand beside it (RFC 4035 §2.5). The
// fault is at the record that makes the conflict, once per name; a copy
// of a record already there is no conflict (an RRset is a set, RFC 2181 §5).
func (c *faults) cname(r *Record, name string) {
	t := r.RR.Header().Rrtype
	if t == dns.TypeRRSIG || t == dns.TypeNSEC {
		return
	}
	o := c.owners[name]
	if o == nil {
		o = &owner{}
		c.owners[name] = o
	}
	if o.fault {
		return // reported once; o.cnames stays at one or two records
	}
	var err error
	switch {
	case t != dns.TypeCNAME:
		if o.other == 0 {
			o.other = t
		}
		if len(o.cnames) > 0 {
			err = fmt.Errorf("%s has a CNAME and %s records: %w", r.RR.Header().Name, dns.Type(t), ErrCNAMEAndOther)
		}
	case slices.ContainsFunc(o.cnames, func(rr dns.RR) bool { return dns.IsDuplicate(rr, r.RR) }):
		return
	case len(o.cnames) > 0:
		err = fmt.Errorf("%s has two CNAME records: %w", r.RR.Header().Name, ErrCNAMEAndOther)
	case o.other != 0:
		err = fmt.Errorf("%s has a CNAME and %s records: %w", r.RR.Header().Name, dns.Type(o.other), ErrCNAMEAndOther)
	}
	if t == dns.TypeCNAME {
		o.cnames = append(o.cnames, r.RR)
	}
	if err != nil {
		o.fault = true
		c.add(r, RuleCNAMEAndOther, err)
	}
}

// end adds the rules about the zone as a whole: an SOA (RFC 1035 §5.2,
// RFC 2308 §3) and NS records at the apex (RFC 1035 §5.2).
func (c *faults) end() []*Error {
	switch {
	case c.soa == nil:
		e := &Error{File: c.f.Files[0], Line: 1, Name: c.f.Apex, Rule: RuleNoSOA}
		if len(c.f.Records) > 0 {
			r := c.f.Records[0]
			e.File, e.Line, e.RR = r.File, r.Line, r.RR
		}
		e.Err = fmt.Errorf("%w at the apex %s: a server cannot load this as a zone or give negative answers (RFC 1035 §5.2, RFC 2308 §3)", ErrNoSOA, c.f.Apex)
		return append([]*Error{e}, c.list...)
	case !c.apexNS:
		c.add(c.soa, RuleNoApexNS, fmt.Errorf("%w %s: a zone names its authoritative servers there (RFC 1035 §5.2)", ErrNoApexNS, c.f.Apex))
	}
	return c.list
}
