package zonecheck

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/miekg/dns"

	"github.com/siplocate/siplocate/internal/zonefile"
)

// Severity says how bad a finding is.
type Severity int

const (
	// Warning is legal but probably not what was meant, or not checkable.
	Warning Severity = iota + 1
	// Error breaks an RFC rule or a SIP client's lookup.
	Error
)

// String returns "warning" or "error".
func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// Finding is one problem found in a zone, tied to the record it is about.
type Finding struct {
	File     string
	Line     int
	Severity Severity
	Check    string // a stable identifier of the rule, such as "srv-target-cname"
	Name     string // the record's owner name
	Type     string // the record's type, such as "SRV"
	Message  string
}

// String returns the finding as "FILE:LINE: error: message".
func (f Finding) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", f.File, f.Line, f.Severity, f.Message)
}

// Report is the result of checking one zone.
type Report struct {
	Apex     string // the zone's apex, fully qualified
	Records  int    // records read, $INCLUDEd files included
	Findings []Finding
}

// Count returns how many findings have severity s.
func (r *Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// findings collects findings as the rules run.
type findings struct{ list []Finding }

// add records a finding about rec.
func (fs *findings) add(rec *record, sev Severity, check, format string, a ...any) {
	h := rec.RR.Header()
	fs.list = append(fs.list, Finding{
		File:     rec.File,
		Line:     rec.Line,
		Severity: sev,
		Check:    check,
		Name:     h.Name,
		Type:     dns.TypeToString[h.Rrtype],
		Message:  fmt.Sprintf(format, a...),
	})
}

// addFault records a rule of zones that the records break: an error, in
// the words dnsserver refuses the file with.
func (fs *findings) addFault(e *zonefile.Error) {
	f := Finding{File: e.File, Line: e.Line, Severity: Error, Check: e.Rule, Name: e.Name, Message: e.Err.Error()}
	if e.RR != nil {
		f.Type = dns.TypeToString[e.RR.Header().Rrtype]
	}
	fs.list = append(fs.list, f)
}

// sorted returns the findings in file order, then line, then rule.
func (fs *findings) sorted(mainFile string) []Finding {
	slices.SortStableFunc(fs.list, func(a, b Finding) int {
		if a.File != b.File {
			if a.File == mainFile {
				return -1
			}
			if b.File == mainFile {
				return 1
			}
			return cmp.Compare(a.File, b.File)
		}
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Check, b.Check), cmp.Compare(a.Message, b.Message))
	})
	return fs.list
}
