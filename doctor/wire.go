package doctor

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// exchange asks server one question over UDP, with EDNS0 (4096) or
// without (the 512 bytes of RFC 1035 §4.2.1).
func (c *checker) exchange(ctx context.Context, server, name string, qtype uint16, edns bool) (*dns.Msg, error) {
	m := new(dns.Msg).SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	if edns {
		m.SetEdns0(4096, false)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.dnsTimeout())
	defer cancel()
	cl := &dns.Client{Net: "udp", UDPSize: 4096}
	r, _, err := cl.ExchangeContext(ctx, m, server)
	if err != nil {
		return nil, fmt.Errorf("ask %s for %s %s: %w", server, name, dns.TypeToString[qtype], err)
	}
	return r, nil
}

// sipQuestions returns the NAPTR and SRV questions that had answers.
func (c *checker) sipQuestions() []question {
	var qs []question
	for _, q := range c.rep.Queries {
		if (q.Type == "SRV" || q.Type == "NAPTR") && len(q.Answers) > 0 {
			qs = append(qs, question{q.Name, dns.StringToType[q.Type]})
		}
	}
	return qs
}

type question struct {
	name  string
	qtype uint16
}

func (q question) String() string { return q.name + " " + dns.TypeToString[q.qtype] }

// truncation asks each NAPTR and SRV question again without EDNS: an
// answer that does not fit 512 bytes comes truncated, and a client
// without EDNS must retry over TCP (RFC 1035 §4.2.1, RFC 7766 §5) or,
// as many phones do, gives up.
func (c *checker) truncation(ctx context.Context) {
	server := c.cfg.Servers[0]
	for _, q := range c.sipQuestions() {
		r, err := c.exchange(ctx, server, q.name, q.qtype, false)
		if err != nil {
			return // the server does not answer without EDNS at all: nothing to tell about size
		}
		if !r.Truncated {
			continue
		}
		c.add(Warning, "dns-truncated", AreaDNS, q.String(),
			"the answer does not fit 512 bytes without EDNS and comes truncated: clients without EDNS or TCP fail; fewer records or shorter names",
			"RFC 1035 §4.2.1")
	}
}

// maxNameServers bounds the name servers asked, and the addresses: real
// zones have a handful (RFC 2182 §5), a hostile one must not cost a
// timeout for each of hundreds.
const maxNameServers = 8

// nameServers asks the name servers of the zone (the first maxNameServers
// names, sorted) for the SOA and the NAPTR and SRV RRsets, and reports
// those that disagree.
func (c *checker) nameServers(ctx context.Context) {
	zone, hosts := c.zoneNS(ctx)
	addrs := c.nsAddrs(ctx, hosts[:min(len(hosts), maxNameServers)])
	addrs = addrs[:min(len(addrs), maxNameServers)]
	if len(addrs) < 2 {
		return
	}
	qs := append([]question{{zone, dns.TypeSOA}}, c.sipQuestions()...)
	views := make([][]string, len(addrs))
	var wg sync.WaitGroup
	for i, a := range addrs {
		wg.Go(func() { views[i] = c.view(ctx, a, qs) })
	}
	wg.Wait()
	for qi, q := range qs {
		c.compare(q, addrs, views, qi)
	}
}

// zoneNS returns the zone the domain is in (the closest name with NS
// records, the domain or a parent) and its name servers.
func (c *checker) zoneNS(ctx context.Context) (string, []string) {
	name := dns.Fqdn(c.rep.Domain)
	for range 4 {
		r, err := c.exchange(ctx, c.cfg.Servers[0], name, dns.TypeNS, true)
		if err != nil {
			return "", nil
		}
		var hosts []string
		for _, rr := range r.Answer {
			if ns, ok := rr.(*dns.NS); ok {
				hosts = append(hosts, ns.Ns)
			}
		}
		if len(hosts) > 0 {
			slices.Sort(hosts)
			return name, hosts
		}
		off, end := dns.NextLabel(name, 0)
		if end {
			return "", nil
		}
		name = name[off:]
	}
	return "", nil
}

// nsAddrs resolves the name servers' addresses through the first server,
// all at once (one timeout at most), in the order of hosts.
func (c *checker) nsAddrs(ctx context.Context, hosts []string) []string {
	port := strconv.Itoa(int(c.cfg.nsPort()))
	each := make([][]string, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Go(func() {
			r, err := c.exchange(ctx, c.cfg.Servers[0], h, dns.TypeA, true)
			if err != nil {
				return
			}
			for _, rr := range r.Answer {
				if a, ok := rr.(*dns.A); ok {
					each[i] = append(each[i], net.JoinHostPort(a.A.String(), port))
				}
			}
		})
	}
	wg.Wait()
	return slices.Concat(each...)
}

// view returns what server answers to each question: the rcode and the
// RRset without TTLs, sorted; the SOA as its serial.
func (c *checker) view(ctx context.Context, server string, qs []question) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		r, err := c.exchange(ctx, server, q.name, q.qtype, true)
		if err != nil {
			for j := i; j < len(qs); j++ {
				out[j] = "no answer" // a server silent once is not asked the rest: one timeout per server
			}
			break
		}
		var rrs []string
		for _, rr := range r.Answer {
			if soa, ok := rr.(*dns.SOA); ok {
				rrs = append(rrs, "serial "+strconv.FormatUint(uint64(soa.Serial), 10))
				continue
			}
			rr = dns.Copy(rr)
			rr.Header().Ttl = 0
			rrs = append(rrs, strings.ReplaceAll(strings.TrimPrefix(rr.String(), rr.Header().String()), "\t", " "))
		}
		slices.Sort(rrs)
		out[i] = dns.RcodeToString[r.Rcode] + " " + strings.Join(rrs, "; ")
	}
	return out
}

// compare reports question qi when the servers' views differ.
func (c *checker) compare(q question, addrs []string, views [][]string, qi int) {
	var parts []string
	differ := false
	for i := range addrs {
		parts = append(parts, addrs[i]+": "+views[i][qi])
		differ = differ || views[i][qi] != views[0][qi]
	}
	if !differ {
		return
	}
	if q.qtype == dns.TypeSOA {
		c.add(Warning, "ns-soa-serial", AreaDNS, q.String(), "the zone's name servers have different serials (a secondary behind the primary?): "+strings.Join(parts, " | "), "RFC 1996 §1")
		return
	}
	c.add(Error, "ns-disagree", AreaDNS, q.String(), "the zone's name servers give different answers, so phones get different servers depending on which they ask: "+strings.Join(parts, " | "), "RFC 2181 §5")
}
