package dnsserver

import (
	"strconv"
	"testing"

	"github.com/miekg/dns"
)

const (
	soaNeg   = "example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2026112501 3600 900 604800 300"
	sip1A    = "sip1.example.com. 3600 IN A 192.0.2.13"
	sip1AAAA = "sip1.example.com. 3600 IN AAAA 2001:db8::13"
	sip2A    = "sip2.example.com. 3600 IN A 192.0.2.12"
)

// answerCase is one question and the response expected, records as zone text.
type answerCase struct {
	name   string
	q      query
	rcode  int
	aa     bool
	tc     bool
	answer []string
	ns     []string
	extra  []string
}

var answerCases = []answerCase{
	{
		name:   "positive A",
		q:      query{name: "sip1.example.com.", qtype: dns.TypeA},
		aa:     true,
		answer: []string{sip1A},
	},
	{
		name:   "qname case does not matter",
		q:      query{name: "SIP1.Example.COM.", qtype: dns.TypeAAAA, edns: 1232},
		aa:     true,
		answer: []string{sip1AAAA},
	},
	{
		name:  "NXDOMAIN carries the SOA with TTL min(TTL, MINIMUM)",
		q:     query{name: "nope.example.com.", qtype: dns.TypeA},
		rcode: dns.RcodeNameError,
		aa:    true,
		ns:    []string{soaNeg},
	},
	{
		name: "NODATA carries the SOA",
		q:    query{name: "sip2.example.com.", qtype: dns.TypeAAAA},
		aa:   true,
		ns:   []string{soaNeg},
	},
	{
		name: "empty non-terminal is NODATA, not NXDOMAIN",
		q:    query{name: "_udp.example.com.", qtype: dns.TypeSRV},
		aa:   true,
		ns:   []string{soaNeg},
	},
	{
		name:   "CNAME in the zone is followed",
		q:      query{name: "www.example.com.", qtype: dns.TypeA},
		aa:     true,
		answer: []string{"www.example.com. 3600 IN CNAME sip1.example.com.", sip1A},
	},
	{
		name: "CNAME chain is followed",
		q:    query{name: "alias.example.com.", qtype: dns.TypeAAAA},
		aa:   true,
		answer: []string{
			"alias.example.com. 3600 IN CNAME www.example.com.",
			"www.example.com. 3600 IN CNAME sip1.example.com.",
			sip1AAAA,
		},
	},
	{
		name:   "CNAME query returns the CNAME only",
		q:      query{name: "www.example.com.", qtype: dns.TypeCNAME},
		aa:     true,
		answer: []string{"www.example.com. 3600 IN CNAME sip1.example.com."},
	},
	{
		name: "CNAME loop stops",
		q:    query{name: "loop1.example.com.", qtype: dns.TypeA},
		aa:   true,
		answer: []string{
			"loop1.example.com. 3600 IN CNAME loop2.example.com.",
			"loop2.example.com. 3600 IN CNAME loop1.example.com.",
		},
	},
	{
		name:   "CNAME out of the zone is not followed",
		q:      query{name: "out.example.com.", qtype: dns.TypeA},
		aa:     true,
		answer: []string{"out.example.com. 3600 IN CNAME sip.example.net."},
	},
	{
		name:   "CNAME to a missing name is NXDOMAIN (RFC 6604)",
		q:      query{name: "dangling.example.com.", qtype: dns.TypeA},
		rcode:  dns.RcodeNameError,
		aa:     true,
		answer: []string{"dangling.example.com. 3600 IN CNAME nothere.example.com."},
		ns:     []string{soaNeg},
	},
	{
		name:   "wildcard synthesises the owner",
		q:      query{name: "a.b.wild.example.com.", qtype: dns.TypeTXT},
		aa:     true,
		answer: []string{`a.b.wild.example.com. 3600 IN TXT "wild"`},
	},
	{
		name:   "wildcard MX carries the exchange's address",
		q:      query{name: "x.wild.example.com.", qtype: dns.TypeMX},
		aa:     true,
		answer: []string{"x.wild.example.com. 3600 IN MX 10 sip2.example.com."},
		extra:  []string{sip2A},
	},
	{
		name: "wildcard with no record of the type is NODATA",
		q:    query{name: "x.wild.example.com.", qtype: dns.TypeA},
		aa:   true,
		ns:   []string{soaNeg},
	},
	{
		name:  "empty non-terminal blocks the wildcard (RFC 4592 §2.2.2)",
		q:     query{name: "x.ent.wild.example.com.", qtype: dns.TypeTXT},
		rcode: dns.RcodeNameError,
		aa:    true,
		ns:    []string{soaNeg},
	},
	{
		name: "the wildcard does not match its closest encloser",
		q:    query{name: "wild.example.com.", qtype: dns.TypeTXT},
		aa:   true,
		ns:   []string{soaNeg},
	},
	{
		name:  "referral with glue, no AA",
		q:     query{name: "host.sub.example.com.", qtype: dns.TypeA},
		ns:    []string{"sub.example.com. 3600 IN NS ns.sub.example.com.", "sub.example.com. 3600 IN NS ns2.example.net."},
		extra: []string{"ns.sub.example.com. 3600 IN A 192.0.2.99", "ns2.example.net. 3600 IN A 198.51.100.53"},
	},
	{
		name:  "referral at the cut itself",
		q:     query{name: "sub.example.com.", qtype: dns.TypeNS},
		ns:    []string{"sub.example.com. 3600 IN NS ns.sub.example.com.", "sub.example.com. 3600 IN NS ns2.example.net."},
		extra: []string{"ns.sub.example.com. 3600 IN A 192.0.2.99", "ns2.example.net. 3600 IN A 198.51.100.53"},
	},
	{
		name: "DS at the cut is the parent's: NODATA (RFC 4035 §3.1.4.1)",
		q:    query{name: "sub.example.com.", qtype: dns.TypeDS},
		aa:   true,
		ns:   []string{soaNeg},
	},
	{
		name: "a type nobody has: NODATA",
		q:    query{name: "sip1.example.com.", qtype: dns.TypeCAA, edns: 1232},
		aa:   true,
		ns:   []string{soaNeg},
	},
	{
		name:   "a child zone we serve wins over the parent's delegation",
		q:      query{name: "host.child.example.com.", qtype: dns.TypeA},
		aa:     true,
		answer: []string{"host.child.example.com. 600 IN A 192.0.2.70"},
	},
	{
		name:  "outside our zones: REFUSED",
		q:     query{name: "www.example.org.", qtype: dns.TypeA},
		rcode: dns.RcodeRefused,
	},
	{
		name:  "CH TXT version.bind: REFUSED",
		q:     query{name: "version.bind.", qtype: dns.TypeTXT},
		rcode: dns.RcodeRefused,
	},
	{
		name:   "SRV carries its targets' addresses (RFC 2782)",
		q:      query{name: "_sip._udp.example.com.", qtype: dns.TypeSRV},
		aa:     true,
		answer: []string{"_sip._udp.example.com. 3600 IN SRV 10 60 5060 sip1.example.com.", "_sip._udp.example.com. 3600 IN SRV 20 40 5060 sip2.example.com."},
		extra:  []string{sip1A, sip1AAAA, sip2A},
	},
	{
		name: "NAPTR S carries SRV and addresses, NAPTR A addresses (RFC 3403 §4.2)",
		q:    query{name: "example.com.", qtype: dns.TypeNAPTR, edns: 1232},
		aa:   true,
		answer: []string{
			`example.com. 3600 IN NAPTR 10 50 "S" "SIPS+D2T" "" _sips._tcp.example.com.`,
			`example.com. 3600 IN NAPTR 20 50 "S" "SIP+D2U" "" _sip._udp.example.com.`,
			`example.com. 3600 IN NAPTR 30 50 "A" "SIP+D2T" "" sip3.example.com.`,
		},
		extra: []string{
			"_sips._tcp.example.com. 3600 IN SRV 10 60 5061 sip1.example.com.",
			"_sip._udp.example.com. 3600 IN SRV 10 60 5060 sip1.example.com.",
			"_sip._udp.example.com. 3600 IN SRV 20 40 5060 sip2.example.com.",
			sip1A, sip1AAAA, sip2A,
			"sip3.example.com. 3600 IN A 192.0.2.14",
		},
	},
	{
		name:   "apex NS carries in-zone addresses",
		q:      query{name: "example.com.", qtype: dns.TypeNS},
		aa:     true,
		answer: []string{"example.com. 3600 IN NS ns1.example.com.", "example.com. 3600 IN NS ns2.example.net."},
		extra:  []string{"ns1.example.com. 3600 IN A 192.0.2.53", "ns2.example.net. 3600 IN A 198.51.100.53"},
	},
	{
		name:   "ANY gets one RRset (RFC 8482 §4.1)",
		q:      query{name: "sip1.example.com.", qtype: dns.TypeANY},
		aa:     true,
		answer: []string{sip1A},
	},
	{
		name: "answer too large without EDNS0: TC, empty sections",
		q:    query{name: "many.example.com.", qtype: dns.TypeA},
		aa:   true,
		tc:   true,
	},
	{
		name:   "the same answer fits the EDNS0 size",
		q:      query{name: "many.example.com.", qtype: dns.TypeA, edns: 1232},
		aa:     true,
		answer: manyA(),
	},
	{
		name:   "additional records are dropped first, without TC",
		q:      query{name: "_sip._tcp.pool.example.com.", qtype: dns.TypeSRV},
		aa:     true,
		answer: poolSRV(),
		extra:  append(poolAddrs(3), pool4A), // whole RRsets: pool-4's AAAA did not fit
	},
	{
		name:   "a larger EDNS0 size keeps all additional records",
		q:      query{name: "_sip._tcp.pool.example.com.", qtype: dns.TypeSRV, edns: 4096},
		aa:     true,
		answer: poolSRV(),
		extra:  poolAddrs(5),
	},
	{
		name:   "an EDNS0 size below 512 counts as 512 (RFC 6891 §6.2.5)",
		q:      query{name: "_sip._tcp.pool.example.com.", qtype: dns.TypeSRV, edns: 100},
		aa:     true,
		answer: poolSRV(),
		extra:  poolAddrs(3), // the OPT record takes the room pool-4's A had
	},
}

const pool4A = "pool-4-long-host-name-for-size.example.com. 3600 IN A 192.0.2.34"

func manyA() []string {
	var out []string
	for i := 101; i <= 132; i++ {
		out = append(out, "many.example.com. 3600 IN A 192.0.2."+strconv.Itoa(i))
	}
	return out
}

func poolSRV() []string {
	var out []string
	for i := 1; i <= 5; i++ {
		out = append(out, "_sip._tcp.pool.example.com. 3600 IN SRV 10 10 5060 pool-"+strconv.Itoa(i)+"-long-host-name-for-size.example.com.")
	}
	return out
}

// poolAddrs returns the A and AAAA records of the first n pool targets.
func poolAddrs(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		host := "pool-" + strconv.Itoa(i) + "-long-host-name-for-size.example.com. 3600 IN "
		out = append(out, host+"A 192.0.2."+strconv.Itoa(30+i), host+"AAAA 2001:db8::"+strconv.Itoa(30+i))
	}
	return out
}

func TestAnswers(t *testing.T) {
	s := newTestServer(t)
	for _, tc := range answerCases {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.q.msg()
			if tc.name == "CH TXT version.bind: REFUSED" {
				m.Question[0].Qclass = dns.ClassCHAOS
			}
			for path, exchange := range map[string]func(testing.TB, *Server, []byte) *dns.Msg{"fast": exchangeUDP, "slow": exchangeSlow} {
				r := exchange(t, s, pack(t, m))
				checkResponse(t, path, tc, m, r)
			}
		})
	}
}

func checkResponse(t *testing.T, path string, tc answerCase, q, r *dns.Msg) {
	t.Helper()
	if r == nil {
		t.Fatalf("%s: no response", path)
	}
	if r.Id != q.Id || !r.Response || r.RecursionAvailable || r.Rcode != tc.rcode || r.Authoritative != tc.aa || r.Truncated != tc.tc {
		t.Errorf("%s: id %#x qr %v ra %v rcode %s aa %v tc %v; want id %#x, qr, no ra, rcode %s aa %v tc %v", path,
			r.Id, r.Response, r.RecursionAvailable, dns.RcodeToString[r.Rcode], r.Authoritative, r.Truncated,
			q.Id, dns.RcodeToString[tc.rcode], tc.aa, tc.tc)
	}
	if (q.IsEdns0() != nil) != (r.IsEdns0() != nil) {
		t.Errorf("%s: query EDNS0 %v, response EDNS0 %v", path, q.IsEdns0() != nil, r.IsEdns0() != nil)
	}
	if len(r.Question) != 1 || r.Question[0].Name != q.Question[0].Name {
		t.Errorf("%s: question %v, want %v as sent", path, r.Question, q.Question)
	}
	checkSection(t, path+" answer", r.Answer, tc.answer)
	checkSection(t, path+" authority", r.Ns, tc.ns)
	checkSection(t, path+" additional", r.Extra, tc.extra)
}
