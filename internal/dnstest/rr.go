package dnstest

import (
	"fmt"

	"github.com/miekg/dns"
)

// RR parses one record written as zone text, such as
// "a.example. 300 IN A 192.0.2.1". It panics on bad text: the records of a
// test table are literals, and a typo must stop the test at once.
func RR(text string) dns.RR {
	rr, err := dns.NewRR(text)
	if err != nil {
		panic(fmt.Sprintf("dnstest: bad record %q: %v", text, err))
	}
	if rr == nil {
		panic(fmt.Sprintf("dnstest: no record in %q", text))
	}
	return rr
}

// RRs parses each line with RR.
func RRs(lines ...string) []dns.RR {
	rrs := make([]dns.RR, 0, len(lines))
	for _, l := range lines {
		rrs = append(rrs, RR(l))
	}
	return rrs
}

// Reply returns a response to q with the given sections, marked
// authoritative, with the EDNS0 OPT record echoed when q carried one.
func Reply(q *dns.Msg, rcode int, answer, ns, extra []dns.RR) *dns.Msg {
	m := new(dns.Msg)
	m.SetRcode(q, rcode)
	m.Authoritative = true
	m.Answer, m.Ns, m.Extra = answer, ns, extra
	if opt := q.IsEdns0(); opt != nil {
		m.SetEdns0(opt.UDPSize(), false)
	}
	return m
}
