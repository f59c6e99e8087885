// Package zonefile reads RFC 1035 master files for dnsserver and
// zonecheck, so that `dns serve` and `dns check` read a file the same way
// and refuse it for the same reasons, in the same words.
//
// It parses with miekg/dns's ZoneParser ($ORIGIN, $TTL, $INCLUDE relative
// to the including file, $GENERATE) and gives each record the file and
// line it starts on. Everything that stops a file from being served is an
// *Error with file, line and reason: a file that cannot be read, a syntax
// error, and the rules of zones that File.Faults applies (one SOA at the
// apex, NS at the apex, class IN, no data outside the zone, a CNAME alone
// at its name). SIP-level rules are zonecheck's.
//
//	f, err := zonefile.ReadFile("example.com.zone", "")
//	if err != nil { ... }                  // *Error: file:line: reason
//	if faults := f.Faults(); len(faults) > 0 { ... }
package zonefile

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// Record is a resource record and where it was written.
type Record struct {
	RR   dns.RR
	File string // the file's name as Read, ReadFS or Parse name it
	Line int    // the line the record starts on
}

// File is a zone file as read: its records in file order, $INCLUDEd ones
// in place.
type File struct {
	Records []Record
	Files   []string // the file, then each $INCLUDEd file in the order opened
	// Apex is the zone's name, lower case: the origin when given, else the
	// owner of the first SOA record, else the file's first absolute
	// $ORIGIN, else the longest suffix all owners share.
	Apex string
}

// Rules that an Error can name, as `dns check` names them.
const (
	RuleSyntax        = "syntax"
	RuleNoSOA         = "no-soa"
	RuleManySOA       = "many-soa"
	RuleSOANotAtApex  = "soa-not-at-apex"
	RuleNoApexNS      = "no-apex-ns"
	RuleClass         = "class-not-in"
	RuleOutOfZone     = "owner-out-of-zone"
	RuleCNAMEAndOther = "cname-and-other-data"
)

// Error is a zone file that cannot be served: it could not be read, it
// does not parse, or its records break a rule of zones.
type Error struct {
	File string
	Line int    // 0 when the file could not be read
	Name string // owner of the record at fault; "" when there is none
	Rule string // one of the Rule constants; "" when the file could not be read
	RR   dns.RR // the record at fault; nil when there is none
	// Err is the reason. errors.Is finds ErrNoSOA and the other reasons
	// below; errors.As finds miekg's *dns.ParseError for syntax errors.
	Err error
}

// Error returns "FILE:LINE: reason", or "FILE: reason" without a line.
func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// findApex returns the zone's apex: see File.Apex.
func findApex(recs []Record, origin, dirOrigin string) string {
	if origin != "" {
		return strings.ToLower(dns.Fqdn(origin))
	}
	for _, r := range recs {
		if r.RR.Header().Rrtype == dns.TypeSOA {
			return strings.ToLower(r.RR.Header().Name)
		}
	}
	if dirOrigin != "" {
		return strings.ToLower(dirOrigin)
	}
	apex := ""
	for i, r := range recs {
		name := strings.ToLower(r.RR.Header().Name)
		if i == 0 {
			apex = name
			continue
		}
		for _, a := range Ancestors(apex) {
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

// Ancestors returns name's ancestors, nearest first, ending with ".".
func Ancestors(name string) []string {
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
