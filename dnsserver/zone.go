package dnsserver

import (
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/siplocate/siplocate/internal/zonefile"
	"github.com/siplocate/siplocate/zonecheck"
)

// Zone is one loaded zone: its records indexed by owner name, ready to be
// looked up, and in file order for zone transfers. A Zone is never changed
// after loading; a reload builds a new one.
type Zone struct {
	Origin string   // the apex, lower case, fully qualified
	File   string   // the file it was loaded from ("" when parsed from a reader)
	SOA    *dns.SOA // the one SOA, at the apex
	Files  []string // File and every file it $INCLUDEs

	// Findings are what `dns check` reports about the files that does not
	// stop them from loading: warnings, and SIP-level errors such as an
	// SRV target without addresses.
	Findings []zonecheck.Finding

	nodes map[string]*node // lower-case owner name -> node; empty non-terminals included
	rrs   []dns.RR         // every record but the SOA, in file order, for AXFR
}

// node holds the RRsets at one owner name: its records sorted by type,
// in file order within a type, so that an RRset is a run of rrs. A name
// has few types, and a slice costs 16 bytes a record where a map per name
// cost about 300 bytes a name (issue 8 item 5). An empty non-terminal
// (RFC 4592 §2.2.2) is a node with no records.
type node struct {
	rrs []dns.RR
}

// set returns the RRset of type t, capped so that appending to it cannot
// overwrite the node's next RRset.
func (n *node) set(t uint16) []dns.RR {
	i, _ := slices.BinarySearchFunc(n.rrs, t, func(rr dns.RR, t uint16) int { return cmp.Compare(rr.Header().Rrtype, t) })
	j := i
	for j < len(n.rrs) && n.rrs[j].Header().Rrtype == t {
		j++
	}
	return n.rrs[i:j:j]
}

// types calls yield with each type the node has records of, in order.
func (n *node) types(yield func(uint16) bool) {
	for i, rr := range n.rrs {
		t := rr.Header().Rrtype
		if (i == 0 || n.rrs[i-1].Header().Rrtype != t) && !yield(t) {
			return
		}
	}
}

// Records returns the zone's records in AXFR order: the SOA first, then
// every other record as the file gives them (RFC 5936 §2.2).
func (z *Zone) Records() []dns.RR {
	return append([]dns.RR{z.SOA}, z.rrs...)
}

// LoadZone reads, parses and checks the zone file at path. origin may be
// empty: then the file's $ORIGIN and the owner of its SOA define the apex.
// Errors are a *CheckError with the file, line and reason: the file could
// not be read, does not parse, or its records do not make a zone. They
// are the errors `dns check` reports for the file, in the same words.
func LoadZone(path, origin string) (*Zone, error) {
	z, _, err := loadZone(nil, path, origin)
	return z, err
}

// loadZone is LoadZone that also returns the files it read: path and the
// files it $INCLUDEs, as far as parsing got when it fails, so that a
// reload can watch the file at fault whichever it is. With fsys set, path
// and its $INCLUDEs are read from it instead of the disk.
func loadZone(fsys fs.FS, path, origin string) (*Zone, []string, error) {
	var f *zonefile.File
	var err error
	if fsys != nil {
		f, err = zonefile.ReadFS(fsys, path, origin)
	} else {
		f, err = zonefile.ReadFile(path, origin)
	}
	if err != nil {
		return nil, f.Files, fmt.Errorf("load zone: %w", err)
	}
	z, err := buildZone(f)
	if err != nil {
		return nil, f.Files, err
	}
	z.File = path
	return z, f.Files, nil
}

// ParseZone parses and checks zone text read from r; file names it in
// errors. $INCLUDE is refused: it is only for files loaded with LoadZone.
func ParseZone(r io.Reader, file, origin string) (*Zone, error) {
	f, err := zonefile.Parse(r, file, origin)
	if err != nil {
		return nil, fmt.Errorf("load zone: %w", err)
	}
	return buildZone(f)
}

// buildZone refuses f for the first rule of zones it breaks, or indexes
// its records into a Zone with what `dns check` says about it. The check
// runs beside the indexing, which only reads f: it was a third of a
// 1M-record zone's load.
func buildZone(f *zonefile.File) (*Zone, error) {
	if faults := f.Faults(); len(faults) > 0 {
		return nil, fmt.Errorf("load zone: %w", faults[0])
	}
	checked := make(chan []zonecheck.Finding, 1)
	go func() { checked <- zonecheck.CheckFile(f).Findings }()
	z := index(f)
	z.Findings = <-checked
	return z, nil
}

// index puts f's records into a Zone, by owner name and in file order.
func index(f *zonefile.File) *Zone {
	z := &Zone{Origin: f.Apex, Files: f.Files, nodes: make(map[string]*node, len(f.Records)), rrs: make([]dns.RR, 0, len(f.Records)-1)}
	seen := dups{}
	for _, rec := range f.Records {
		z.add(rec.RR, seen)
	}
	for _, n := range z.nodes {
		slices.SortStableFunc(n.rrs, func(a, b dns.RR) int { return cmp.Compare(a.Header().Rrtype, b.Header().Rrtype) })
	}
	z.SOA = z.nodes[z.Origin].set(dns.TypeSOA)[0].(*dns.SOA)
	return z
}

// add puts one record into the zone, with its owner in lower case; the
// zone keeps the parsed record itself, and copies it only to lower-case
// its owner, so that f's records are never changed. Duplicate records are
// dropped: an RRset is a set (RFC 2181 §5). The node's records are in
// file order until buildZone sorts them.
func (z *Zone) add(rr dns.RR, seen dups) {
	if name := dns.CanonicalName(rr.Header().Name); name != rr.Header().Name {
		rr = dns.Copy(rr)
		rr.Header().Name = name
	}
	h := rr.Header()
	n := z.ensure(h.Name)
	if seen.has(n.rrs, rr) {
		return
	}
	n.rrs = append(n.rrs, rr)
	seen.note(n.rrs)
	if h.Rrtype != dns.TypeSOA {
		z.rrs = append(z.rrs, rr)
	}
}

// dupScan is the size from which a node's records are looked up in dups
// instead of compared one by one, which is quadratic in the node's size.
const dupScan = 8

// dups indexes the records of large nodes by their text in lower case
// without the TTL; dns.IsDuplicate confirms a match.
type dups map[string][]dns.RR

// has reports whether set (a node's records) already holds a copy of rr.
func (d dups) has(set []dns.RR, rr dns.RR) bool {
	if len(set) >= dupScan {
		set = d[dupKey(rr)]
	}
	return slices.ContainsFunc(set, func(o dns.RR) bool { return dns.IsDuplicate(o, rr) })
}

// note indexes the record just added to set, or all of set's records when
// it has just grown to dupScan.
func (d dups) note(set []dns.RR) {
	switch {
	case len(set) == dupScan:
		for _, rr := range set {
			d[dupKey(rr)] = append(d[dupKey(rr)], rr)
		}
	case len(set) > dupScan:
		rr := set[len(set)-1]
		d[dupKey(rr)] = append(d[dupKey(rr)], rr)
	}
}

// dupKey returns rr's owner, type and data, in lower case.
func dupKey(rr dns.RR) string {
	h := rr.Header()
	return h.Name + " " + dns.Type(h.Rrtype).String() + " " + strings.ToLower(strings.TrimPrefix(rr.String(), h.String()))
}

// ensure returns the node for name, creating it and the empty non-terminals
// between it and the apex.
func (z *Zone) ensure(name string) *node {
	n, ok := z.nodes[name]
	if ok {
		return n
	}
	n = &node{}
	z.nodes[name] = n
	if name != z.Origin {
		if i, end := dns.NextLabel(name, 0); !end {
			z.ensure(name[i:])
		}
	}
	return n
}

// node returns the node at name (lower case), or nil.
func (z *Zone) node(name string) *node { return z.nodes[name] }

// Len returns the number of records in the zone, the SOA included.
func (z *Zone) Len() int { return len(z.rrs) + 1 }

// The reasons a CheckError gives, for errors.Is. A syntax error unwraps to
// miekg's *dns.ParseError.
var (
	ErrNoSOA        = zonefile.ErrNoSOA
	ErrManySOA      = zonefile.ErrManySOA
	ErrSOANotAtApex = zonefile.ErrSOANotAtApex
	ErrNoApexNS     = zonefile.ErrNoApexNS
	ErrOutOfZone    = zonefile.ErrOutOfZone
	ErrCNAMEAndMore = zonefile.ErrCNAMEAndOther
	ErrClass        = zonefile.ErrClass
)

// CheckError is why a zone file does not load: FILE:LINE: reason, with the
// owner name at fault and the rule's name as `dns check` gives it. It is
// the error type `dns check` reports with too.
type CheckError = zonefile.Error

// logLoaded logs that z is served, then each of its findings as a warning:
// what `dns check` would report about the files.
func (z *Zone) logLoaded(log *slog.Logger) {
	log.Info(fmt.Sprintf("serving %s serial %d, %d records", strings.TrimSuffix(z.Origin, "."), z.SOA.Serial, z.Len()),
		"zone", z.Origin, "serial", z.SOA.Serial, "records", z.Len(), "file", z.File)
	for _, f := range z.Findings {
		log.Warn("zone check: "+f.Severity.String(), "zone", z.Origin, "at", fmt.Sprintf("%s:%d", f.File, f.Line), "check", f.Check, "reason", f.Message)
	}
}
