package dnstest

import (
	"strings"

	"github.com/miekg/dns"
)

// maxChase bounds the CNAME links the zone follows inside one answer, so a
// CNAME loop in test data still gets an answer.
const maxChase = 16

// Zone is a small authoritative handler over a fixed list of records, as
// a real server would answer: CNAME chains inside the zone are followed
// into the answer; NXDOMAIN and NODATA carry the zone's SOA in the
// authority section (RFC 2308 §3); with Additional set, the address
// records of SRV targets and the SRV records of NAPTR replacements found
// in the zone are added to the additional section (RFC 2782, RFC 3403
// §4.2); UDP answers larger than the client's EDNS0 size are truncated.
type Zone struct {
	Records    []dns.RR
	Additional bool
}

// NewZone returns a Zone holding the records written as zone text (see
// RR), with Additional set.
func NewZone(lines ...string) *Zone {
	return &Zone{Records: RRs(lines...), Additional: true}
}

// ServeDNS answers r from the zone.
func (z *Zone) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	if len(r.Question) != 1 {
		w.WriteMsg(Reply(r, dns.RcodeFormatError, nil, nil, nil)) //nolint:errcheck
		return
	}
	m := z.answer(r)
	if network(w) == "udp" {
		size := dns.MinMsgSize
		if opt := r.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	w.WriteMsg(m) //nolint:errcheck
}

// answer builds the response to r's question.
func (z *Zone) answer(r *dns.Msg) *dns.Msg {
	q := r.Question[0]
	ans, last := z.chase(q.Name, q.Qtype)
	if len(ans) > 0 && !isCNAME(ans[len(ans)-1]) || q.Qtype == dns.TypeCNAME && len(ans) > 0 {
		return Reply(r, dns.RcodeSuccess, ans, nil, z.extras(ans))
	}
	soa := z.soa(last)
	if len(ans) > 0 && soa == nil {
		return Reply(r, dns.RcodeSuccess, ans, nil, nil) // the chain leaves the zone
	}
	rcode := dns.RcodeNameError
	if z.exists(last) {
		rcode = dns.RcodeSuccess
	}
	return Reply(r, rcode, ans, soa, nil)
}

// chase returns the records answering (name, qtype), CNAMEs first, and
// the name the chain ended at.
func (z *Zone) chase(name string, qtype uint16) ([]dns.RR, string) {
	var ans []dns.RR
	for range maxChase {
		if rrs := z.find(name, qtype); len(rrs) > 0 {
			return append(ans, rrs...), name
		}
		cn := z.find(name, dns.TypeCNAME)
		if len(cn) == 0 || qtype == dns.TypeCNAME {
			break
		}
		ans = append(ans, cn[0])
		name = cn[0].(*dns.CNAME).Target
	}
	return ans, name
}

// find returns the records of type t owned by name.
func (z *Zone) find(name string, t uint16) []dns.RR {
	var rrs []dns.RR
	for _, rr := range z.Records {
		if rr.Header().Rrtype == t && strings.EqualFold(rr.Header().Name, name) {
			rrs = append(rrs, rr)
		}
	}
	return rrs
}

// exists reports whether name owns records or has descendants that do
// (an empty non-terminal exists too, RFC 8020).
func (z *Zone) exists(name string) bool {
	for _, rr := range z.Records {
		if dns.IsSubDomain(name, rr.Header().Name) {
			return true
		}
	}
	return false
}

// soa returns the SOA of the closest enclosing zone of name, if any.
func (z *Zone) soa(name string) []dns.RR {
	var best dns.RR
	for _, rr := range z.Records {
		if rr.Header().Rrtype != dns.TypeSOA || !dns.IsSubDomain(rr.Header().Name, name) {
			continue
		}
		if best == nil || dns.CountLabel(rr.Header().Name) > dns.CountLabel(best.Header().Name) {
			best = rr
		}
	}
	if best == nil {
		return nil
	}
	return []dns.RR{best}
}

// extras returns the additional records for ans when z.Additional is set.
func (z *Zone) extras(ans []dns.RR) []dns.RR {
	if !z.Additional {
		return nil
	}
	var extra []dns.RR
	for _, rr := range ans {
		switch rr := rr.(type) {
		case *dns.SRV:
			extra = append(extra, z.addresses(rr.Target)...)
		case *dns.NAPTR:
			for _, srv := range z.find(rr.Replacement, dns.TypeSRV) {
				extra = append(extra, srv)
				extra = append(extra, z.addresses(srv.(*dns.SRV).Target)...)
			}
		}
	}
	return extra
}

// addresses returns the A and AAAA records of name.
func (z *Zone) addresses(name string) []dns.RR {
	return append(z.find(name, dns.TypeA), z.find(name, dns.TypeAAAA)...)
}

func isCNAME(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeCNAME }
