package dnsserver

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/miekg/dns"
)

// Zone is one loaded zone: its records indexed by owner name, ready to be
// looked up, and in file order for zone transfers. A Zone is never changed
// after loading; a reload builds a new one.
type Zone struct {
	Origin string   // the apex, lower case, fully qualified
	File   string   // the file it was loaded from ("" when parsed from a reader)
	SOA    *dns.SOA // the one SOA, at the apex
	Files  []string // File and every file it $INCLUDEs

	nodes map[string]*node    // lower-case owner name -> node; empty non-terminals included
	rrs   []dns.RR            // every record but the SOA, in file order, for AXFR
	pos   map[dns.RR]position // where each record came from; only while loading
}

// node holds the RRsets at one owner name. An empty non-terminal (RFC 4592
// §2.2.2) is a node with no RRsets.
type node struct {
	sets map[uint16][]dns.RR
}

// Records returns the zone's records in AXFR order: the SOA first, then
// every other record as the file gives them (RFC 5936 §2.2).
func (z *Zone) Records() []dns.RR {
	return append([]dns.RR{z.SOA}, z.rrs...)
}

// LoadZone reads, parses and checks the zone file at path. origin may be
// empty: then the file's $ORIGIN and the owner of its SOA define the apex.
// Errors give the file and line: miekg's *dns.ParseError for syntax, a
// *CheckError for records that parse but do not make a zone.
func LoadZone(path, origin string) (*Zone, error) {
	z, _, err := loadZone(path, origin)
	return z, err
}

// loadZone is LoadZone that also returns the files it read: path and the
// files it $INCLUDEs, as far as parsing got when it fails, so that a
// reload can watch the file at fault whichever it is.
func loadZone(path, origin string) (*Zone, []string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, fmt.Errorf("load zone %s: %w", path, err)
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, nil, fmt.Errorf("load zone: %w", err)
	}
	defer f.Close()
	z, files, err := parseZone(f, abs, origin, true)
	if err != nil {
		return nil, files, err
	}
	z.File = path
	return z, files, nil
}

// ParseZone parses and checks zone text read from r; file names it in
// errors. $INCLUDE is refused: it is only for files loaded with LoadZone.
func ParseZone(r io.Reader, file, origin string) (*Zone, error) {
	z, _, err := parseZone(r, file, origin, false)
	return z, err
}

// located is a record with the place it came from.
type located struct {
	rr  dns.RR
	pos position
}

// parseZone parses and checks a zone; it returns the files read, file
// first, also on error.
func parseZone(r io.Reader, file, origin string, include bool) (*Zone, []string, error) {
	pos := &position{}
	files := []string{file}
	zp := dns.NewZoneParser(newLineReader(file, r, pos), origin, file)
	if include {
		zp.SetIncludeAllowed(true)
		zp.SetIncludeFS(includeFS{pos: pos, files: &files})
	}
	var recs []located
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		recs = append(recs, located{rr: rr, pos: *pos})
	}
	if err := zp.Err(); err != nil {
		return nil, files, fmt.Errorf("load zone: %w", err)
	}
	z, err := buildZone(recs, file, origin)
	if err != nil {
		return nil, files, err
	}
	z.Files = files
	return z, files, nil
}

// buildZone checks recs and indexes them into a Zone.
func buildZone(recs []located, file, origin string) (*Zone, error) {
	soa, err := findSOA(recs, file, origin)
	if err != nil {
		return nil, err
	}
	z := &Zone{Origin: dns.CanonicalName(soa.rr.Header().Name), nodes: map[string]*node{}, pos: map[dns.RR]position{}}
	z.SOA = dns.Copy(soa.rr).(*dns.SOA)
	z.SOA.Hdr.Name = z.Origin
	for _, rec := range recs {
		if err := z.add(rec); err != nil {
			return nil, err
		}
	}
	if err := z.check(soa); err != nil {
		return nil, err
	}
	z.pos = nil
	return z, nil
}

// add puts one record into the zone after the checks that need only the
// record itself. Duplicate records are dropped: an RRset is a set (RFC 2181 §5).
func (z *Zone) add(rec located) error {
	rr := dns.Copy(rec.rr)
	h := rr.Header()
	h.Name = dns.CanonicalName(h.Name)
	if err := z.checkRecord(rr, rec.pos); err != nil {
		return err
	}
	n := z.ensure(h.Name)
	set := n.sets[h.Rrtype]
	if slices.ContainsFunc(set, func(o dns.RR) bool { return dns.IsDuplicate(o, rr) }) {
		return nil
	}
	n.sets[h.Rrtype] = append(set, rr)
	z.pos[rr] = rec.pos
	if h.Rrtype != dns.TypeSOA {
		z.rrs = append(z.rrs, rr)
	}
	return nil
}

// ensure returns the node for name, creating it and the empty non-terminals
// between it and the apex.
func (z *Zone) ensure(name string) *node {
	n, ok := z.nodes[name]
	if ok {
		return n
	}
	n = &node{sets: map[uint16][]dns.RR{}}
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

// The reasons a CheckError gives.
var (
	ErrNoSOA        = errors.New("no SOA record")
	ErrManySOA      = errors.New("more than one SOA record")
	ErrNoApexNS     = errors.New("no NS record at the zone apex")
	ErrOutOfZone    = errors.New("record outside the zone")
	ErrCNAMEAndMore = errors.New("CNAME and other data at one name")
	ErrClass        = errors.New("class is not IN")
)

// CheckError is a record that parses but breaks a rule of zones.
type CheckError struct {
	File string
	Line int
	Name string // owner of the record at fault
	Err  error
}

func (e *CheckError) Error() string {
	return fmt.Sprintf("load zone: %s:%d: %s: %v", e.File, e.Line, e.Name, e.Err)
}

func (e *CheckError) Unwrap() error { return e.Err }
