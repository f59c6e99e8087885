package dnsserver

import (
	"github.com/miekg/dns"
)

// advertisedUDPSize is the EDNS0 payload size the server advertises, the
// DNS Flag Day 2020 value that avoids IP fragmentation.
const advertisedUDPSize = 1232

// snapshot is the set of zones served at one moment. Queries read the
// current snapshot through an atomic pointer; a reload builds a new one.
type snapshot struct {
	gen   uint64           // numbers the server's snapshots (Server.store)
	zones map[string]*Zone // by origin
	wire  wireTable        // precomputed answers
	// health shapes the SRV answers when health checks are on (nil: off).
	health *healthView
}

func newSnapshot(zones []*Zone) *snapshot { return newShapedSnapshot(zones, nil) }

// newShapedSnapshot is newSnapshot with SRV answers shaped by h.
func newShapedSnapshot(zones []*Zone, h *healthView) *snapshot {
	s := &snapshot{zones: make(map[string]*Zone, len(zones)), health: h}
	for _, z := range zones {
		s.zones[z.Origin] = z
	}
	s.wire = s.precompute()
	return s
}

// zoneFor returns the zone with the longest origin that name (lower case)
// is in, or nil.
func (s *snapshot) zoneFor(name string) *Zone {
	for off, end := 0, false; !end; off, end = dns.NextLabel(name, off) {
		if z := s.zones[name[off:]]; z != nil {
			return z
		}
	}
	return s.zones["."]
}

// respond builds the response to req, before any fitting to a UDP size. It
// returns nil when req must not be answered (it is itself a response).
func (s *snapshot) respond(req *dns.Msg) *dns.Msg {
	if req.Response {
		return nil
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Compress = true
	m.Authoritative = false
	if len(req.Question) != 1 { // RFC 9619: exactly one question
		m.Question = nil
		return s.withEDNS(req, m.SetRcodeFormatError(req))
	}
	if countOPT(req.Extra) > 1 { // RFC 6891 §6.1.1
		return s.withEDNS(req, m.SetRcodeFormatError(req))
	}
	if opt := req.IsEdns0(); opt != nil && opt.Version() != 0 {
		return s.badVersion(req, m) // RFC 6891 §6.1.3
	}
	if rcode := s.refuse(req); rcode != dns.RcodeSuccess {
		m.Rcode = rcode
		return s.withEDNS(req, m)
	}
	s.answer(req.Question[0], m)
	return s.withEDNS(req, m)
}

// countOPT returns how many OPT records rrs holds.
func countOPT(rrs []dns.RR) int {
	n := 0
	for _, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeOPT {
			n++
		}
	}
	return n
}

// refuse returns the response code for queries the server does not answer
// from its zones, or RcodeSuccess.
func (s *snapshot) refuse(req *dns.Msg) int {
	q := req.Question[0]
	switch {
	case req.Opcode != dns.OpcodeQuery:
		// A primary has no use for NOTIFY; UPDATE and the rest are not
		// implemented (RFC 1035 §4.1.1).
		return dns.RcodeNotImplemented
	case q.Qtype == dns.TypeOPT || q.Qtype == dns.TypeTSIG || q.Qtype == dns.TypeTKEY:
		return dns.RcodeFormatError // meta-types only live in messages (RFC 6895 §3.1)
	case q.Qtype == dns.TypeAXFR:
		return dns.RcodeFormatError // AXFR over UDP is not defined (RFC 5936 §4.2); TCP is handled elsewhere
	case q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY:
		return dns.RcodeRefused // CHAOS version.bind and friends: nothing to tell
	case s.zoneFor(dns.CanonicalName(q.Name)) == nil:
		return dns.RcodeRefused // not ours, and no recursion
	}
	return dns.RcodeSuccess
}

// answer fills m with the answer to q from the zone q is in.
func (s *snapshot) answer(q dns.Question, m *dns.Msg) {
	qname := dns.CanonicalName(q.Name)
	z := s.zoneFor(qname)
	qtype := q.Qtype
	if qtype == dns.TypeIXFR {
		// RFC 1995 §2: over UDP, a single SOA tells the secondary to
		// come over TCP (where it gets the whole zone).
		qtype = dns.TypeSOA
	}
	l := z.lookup(qname, qtype)
	m.Answer, m.Ns = s.health.shapeAnswer(l.answer), l.ns
	m.Authoritative = l.result != Delegation || len(l.answer) > 0
	if l.result == NameError {
		m.Rcode = dns.RcodeNameError // RFC 6604: the code of the last name in the chain
	}
	m.Extra = s.additional(m.Answer, m.Ns)
}

// withEDNS echoes EDNS0 when the query used it (RFC 6891 §7): our payload
// size, and the DO bit copied (RFC 3225 §3).
func (s *snapshot) withEDNS(req, m *dns.Msg) *dns.Msg {
	opt := req.IsEdns0()
	if opt == nil {
		return m
	}
	m.SetEdns0(advertisedUDPSize, opt.Do())
	return m
}

// badVersion answers a query with an EDNS version we do not speak.
func (s *snapshot) badVersion(req, m *dns.Msg) *dns.Msg {
	m.Question = req.Question
	s.withEDNS(req, m)
	m.Rcode = dns.RcodeBadVers
	return m
}

// udpLimit returns the largest UDP response req allows: 512 without EDNS0
// (RFC 1035 §4.2.1), else its payload size within [512, 1232].
func udpLimit(req *dns.Msg) int {
	if opt := req.IsEdns0(); opt != nil {
		return ednsLimit(opt.UDPSize())
	}
	return 512
}

// ednsLimit bounds the client's EDNS0 payload size: below 512 counts as 512
// (RFC 6891 §6.2.5), and above our own advertised size the smaller of the
// two applies (§6.2.5 again), which keeps responses from being fragmented
// (RFC 9715 recommends 1232 for UDP).
func ednsLimit(size uint16) int {
	return min(max(512, int(size)), advertisedUDPSize)
}
