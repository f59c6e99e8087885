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
	m.Extra = withOPT(extra[:keptSets(m, extra, opt, limit)], opt)
	if m.Len() <= limit && !needsGlue(m) {
		return
	}
	m.Truncated = true
	m.Answer, m.Ns, m.Extra = nil, nil, withOPT(nil, opt)
}

// keptSets returns how many records of extra, a whole number of RRsets
// from the front, fit in limit; 0 when none do. A binary search over the
// RRset boundaries keeps this O(n log n): the size only grows with each
// RRset added, compression or not.
func keptSets(m *dns.Msg, extra []dns.RR, opt *dns.OPT, limit int) int {
	ends := setEnds(extra)
	fits := func(i int) bool { // do the first i RRsets fit?
		n := 0
		if i > 0 {
			n = ends[i-1]
		}
		m.Extra = withOPT(extra[:n], opt)
		return m.Len() <= limit
	}
	lo, hi := 0, len(ends) // fits(lo) may be false only when lo is 0
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fits(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo == 0 {
		return 0
	}
	return ends[lo-1]
}

// setEnds returns the index after each RRset of rrs.
func setEnds(rrs []dns.RR) []int {
	var ends []int
	for i := range rrs {
		if i+1 == len(rrs) || !sameSet(rrs[i], rrs[i+1]) {
			ends = append(ends, i+1)
		}
	}
	return ends
}

func sameSet(a, b dns.RR) bool {
	return a.Header().Name == b.Header().Name && a.Header().Rrtype == b.Header().Rrtype
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
