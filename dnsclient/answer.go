package dnsclient

import (
	"time"

	"github.com/miekg/dns"
)

// Answer is the outcome of one lookup of a (name, type) pair, after any
// CNAME chain has been followed. A negative answer (NXDOMAIN or NODATA) is
// an Answer too, not an error: RFC 2308 makes it cacheable like any other.
type Answer struct {
	Name  string // the name that was asked for, fully qualified
	Type  uint16 // the type that was asked for (dns.TypeSRV, ...)
	Rcode int    // dns.RcodeSuccess or dns.RcodeNameError

	// Records is the RRset of Type found at the end of the CNAME chain;
	// it is empty for NXDOMAIN and NODATA.
	Records []dns.RR
	// CNAMEs are the links followed from Name to the owner of Records.
	CNAMEs []*dns.CNAME
	// Extra are the additional-section records that lay inside the zone
	// that answered (they were cached as well); out-of-bailiwick extras
	// are never here.
	Extra []dns.RR

	// Expires is when this answer stops being valid: the smallest TTL of
	// the RRset, or the SOA minimum for a negative answer (RFC 2308 §5),
	// after the client's clamps.
	Expires time.Time
	Server  string        // the server that answered, host:port
	RTT     time.Duration // round trip of the query on the wire; 0 when Cached
	Cached  bool          // served from the cache without a query
}

// NotFound reports whether the answer is negative: NXDOMAIN, or NODATA
// (the name exists but has no records of the type asked for).
func (a *Answer) NotFound() bool {
	return a.Rcode == dns.RcodeNameError || len(a.Records) == 0
}

// TTL returns how long the answer has left to live at now; never negative.
func (a *Answer) TTL(now time.Time) time.Duration {
	if d := a.Expires.Sub(now); d > 0 {
		return d
	}
	return 0
}
