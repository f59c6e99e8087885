package locate

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Resolver is the DNS lookup locate needs: one question (name, type),
// CNAMEs followed, in locate's own types, as the standard library's net
// package hands out net.SRV rather than a wire record. A negative answer
// (NXDOMAIN or NODATA) is an Answer whose NotFound reports true, not an
// error. An error that wraps ErrNoDNSAnswer says that no name server
// answered in time; locate then asks nothing more in that resolution.
// The package locatedns adapts a *dnsclient.Client to it.
type Resolver interface {
	Lookup(ctx context.Context, name string, t Type) (*Answer, error)
}

// CacheResolver is a Resolver that can also answer from its cache without
// blocking: LookupCached returns ok false when nothing valid is cached.
// When the Resolver implements it, Locate takes what it can from the
// cache first and starts goroutines only for the questions that must go
// on the wire, so a fully cached Locate spawns none.
type CacheResolver interface {
	Resolver
	LookupCached(name string, t Type) (a *Answer, ok bool)
}

// Type is a DNS record type locate asks for.
type Type uint16

// The record types of RFC 3263's steps, with their IANA numbers.
const (
	TypeA     Type = 1
	TypeAAAA  Type = 28
	TypeSRV   Type = 33
	TypeNAPTR Type = 35
)

// String returns the type's mnemonic ("SRV").
func (t Type) String() string {
	switch t {
	case TypeA:
		return "A"
	case TypeAAAA:
		return "AAAA"
	case TypeSRV:
		return "SRV"
	case TypeNAPTR:
		return "NAPTR"
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// Answer is a Resolver's answer to one question. Only the slice of the
// type asked is set. Answers may be shared (a cache's): locate never
// modifies one.
type Answer struct {
	Name     string // the name asked, fully qualified
	NXDOMAIN bool   // the last name of the CNAME chain does not exist (RFC 6604 §2)
	CNAMEs   []CNAME
	NAPTR    []NAPTR
	SRV      []SRV
	Addrs    []Addr // A or AAAA records
	// Expires is when the answer stops being valid: the RRset's TTL, or
	// the negative TTL (RFC 2308 §5).
	Expires time.Time
	Server  string        // the name server that answered, host:port
	RTT     time.Duration // 0 when Cached
	Cached  bool
}

// NotFound reports whether the answer is negative: NXDOMAIN, or NODATA
// (the name exists without records of the type asked).
func (a *Answer) NotFound() bool {
	return a.NXDOMAIN || len(a.NAPTR)+len(a.SRV)+len(a.Addrs) == 0
}

// TTL returns how long the answer has left to live at now; never negative.
func (a *Answer) TTL(now time.Time) time.Duration {
	return max(a.Expires.Sub(now), 0)
}

// rcode returns the answer's rcode mnemonic.
func (a *Answer) rcode() string {
	if a.NXDOMAIN {
		return "NXDOMAIN"
	}
	return "NOERROR"
}

// SRV is an SRV record (RFC 2782).
type SRV struct {
	Name                   string // owner, fully qualified
	TTL                    uint32
	Priority, Weight, Port uint16
	Target                 string // fully qualified; "." for none
}

// String returns the record in zone-file text.
func (s *SRV) String() string {
	return header(s.Name, s.TTL, "SRV") + strconv.Itoa(int(s.Priority)) + " " + strconv.Itoa(int(s.Weight)) + " " +
		strconv.Itoa(int(s.Port)) + " " + s.Target
}

// NAPTR is a NAPTR record (RFC 3403 §4.1). Flags, Service and Regexp are
// the character-strings' octets as on the wire, not zone-file escaped.
type NAPTR struct {
	Name              string // owner, fully qualified
	TTL               uint32
	Order, Preference uint16
	Flags, Service    string
	Regexp            string
	Replacement       string // fully qualified; "." for none
}

// String returns the record in zone-file text.
func (n *NAPTR) String() string {
	return header(n.Name, n.TTL, "NAPTR") + n.rdata()
}

// rdata returns the record's data in zone-file text.
func (n *NAPTR) rdata() string {
	return strconv.Itoa(int(n.Order)) + " " + strconv.Itoa(int(n.Preference)) + " " + quoteTXT(n.Flags) + " " +
		quoteTXT(n.Service) + " " + quoteTXT(n.Regexp) + " " + n.Replacement
}

// Addr is an A or AAAA record.
type Addr struct {
	Name string // owner, fully qualified
	TTL  uint32
	IP   netip.Addr
}

// String returns the record in zone-file text.
func (a *Addr) String() string {
	typ := "AAAA" // an AAAA record may hold an IPv4-mapped address
	if a.IP.Is4() {
		typ = "A"
	}
	return header(a.Name, a.TTL, typ) + a.IP.String()
}

// CNAME is an alias followed on the way to the answer.
type CNAME struct {
	Name   string // the alias, fully qualified
	TTL    uint32
	Target string // the canonical name it points to
}

// String returns the record in zone-file text.
func (c *CNAME) String() string { return header(c.Name, c.TTL, "CNAME") + c.Target }

// header returns a record's owner, TTL, class and type as a zone file
// (and miekg/dns) writes them, tab-separated.
func header(name string, ttl uint32, typ string) string {
	return name + "\t" + strconv.FormatUint(uint64(ttl), 10) + "\tIN\t" + typ + "\t"
}

// quoteTXT returns s as a zone file's quoted character-string (RFC 1035
// §5.1): '"' and '\' escaped, other octets outside printable ASCII as \DDD.
func quoteTXT(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			b.WriteByte('\\')
			b.WriteString(strconv.Itoa(int(c)/100) + strconv.Itoa(int(c)/10%10) + strconv.Itoa(int(c)%10))
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
