package dnsserver

import (
	"github.com/miekg/dns"
)

// fit makes m fit in limit bytes of UDP payload, compressed. Additional
// RRsets go first, whole and from the end: they are a courtesy and their
// absence needs no flag (RFC 2181 §9). If m still does not fit, the answer
// cannot be given over UDP: TC is set and the record sections emptied, so
// that the client retries over TCP (RFC 1035 §4.2.1, RFC 7766 §5). A
// referral whose glue for in-domain name servers does not fit is truncated
// too (RFC 9471 §3).
//
// fit never uses Msg.Truncate, which turns compression off.
func fit(m *dns.Msg, limit int) {
	if m.Len() <= limit {
		return
	}
	opt := m.IsEdns0()
	extra := withoutOPT(m.Extra)
	for len(extra) > 0 {
		extra = extra[:lastSetStart(extra)]
		m.Extra = withOPT(extra, opt)
		if m.Len() <= limit {
			if needsGlue(m) {
				break
			}
			return
		}
	}
	m.Truncated = true
	m.Answer, m.Ns, m.Extra = nil, nil, withOPT(nil, opt)
}

// withoutOPT returns extra without its OPT record.
func withoutOPT(extra []dns.RR) []dns.RR {
	out := make([]dns.RR, 0, len(extra))
	for _, rr := range extra {
		if rr.Header().Rrtype != dns.TypeOPT {
			out = append(out, rr)
		}
	}
	return out
}

// withOPT returns extra with opt (if any) appended, as the last record.
func withOPT(extra []dns.RR, opt *dns.OPT) []dns.RR {
	if opt == nil {
		return extra
	}
	return append(extra[:len(extra):len(extra)], opt)
}

// lastSetStart returns the index where the last RRset of rrs begins.
func lastSetStart(rrs []dns.RR) int {
	last := rrs[len(rrs)-1].Header()
	i := len(rrs) - 1
	for i > 0 {
		h := rrs[i-1].Header()
		if h.Name != last.Name || h.Rrtype != last.Rrtype {
			break
		}
		i--
	}
	return i
}

// needsGlue reports whether m is a referral missing the address of an
// in-domain name server, one below the delegation itself (RFC 9471 §2.1).
func needsGlue(m *dns.Msg) bool {
	if m.Authoritative || len(m.Ns) == 0 || m.Ns[0].Header().Rrtype != dns.TypeNS {
		return false
	}
	have := map[string]bool{}
	for _, rr := range m.Extra {
		have[dns.CanonicalName(rr.Header().Name)] = true
	}
	for _, rr := range m.Ns {
		target := dns.CanonicalName(rr.(*dns.NS).Ns)
		if dns.IsSubDomain(rr.Header().Name, target) && !have[target] {
			return true
		}
	}
	return false
}
