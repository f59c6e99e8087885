package dnsserver

import (
	"strconv"
	"sync/atomic"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// stats counts queries by type and responses by code. Each UDP socket has
// its own, so that cores do not share the cache lines they count on; a
// scrape adds them up.
type stats struct {
	qtypes    [257]atomic.Uint64 // by QTYPE; 256 counts every type above 255
	rcodes    [24]atomic.Uint64  // by RCODE; 23 counts every code above 22
	malformed atomic.Uint64      // packets dropped or answered FORMERR because they did not parse
}

func (s *stats) count(qtype uint16, rcode int) {
	s.qtypes[min(int(qtype), len(s.qtypes)-1)].Add(1)
	s.rcodes[min(rcode, len(s.rcodes)-1)].Add(1)
}

// collector exports the servers' counters to Prometheus.
type collector struct {
	srv                           *Server
	queries, responses, malformed *prometheus.Desc
	reloads, serial               *prometheus.Desc
}

// Collector returns a Prometheus collector for the server's counters:
// siplocate_dns_queries_total{type}, siplocate_dns_responses_total{rcode},
// siplocate_dns_malformed_total, siplocate_dns_reloads_total{result} and
// siplocate_dns_zone_serial{zone}. Register it with a registry of your own.
func (s *Server) Collector() prometheus.Collector {
	return &collector{
		srv:       s,
		queries:   prometheus.NewDesc("siplocate_dns_queries_total", "Queries answered, by question type.", []string{"type"}, nil),
		responses: prometheus.NewDesc("siplocate_dns_responses_total", "Responses sent, by response code.", []string{"rcode"}, nil),
		malformed: prometheus.NewDesc("siplocate_dns_malformed_total", "Packets that did not parse as a DNS query.", nil, nil),
		reloads:   prometheus.NewDesc("siplocate_dns_reloads_total", "Zone file loads after the first, by result.", []string{"result"}, nil),
		serial:    prometheus.NewDesc("siplocate_dns_zone_serial", "SOA serial of each zone served.", []string{"zone"}, nil),
	}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.queries, c.responses, c.malformed, c.reloads, c.serial} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	var sum stats
	for _, st := range c.srv.allStats() {
		for i := range st.qtypes {
			sum.qtypes[i].Add(st.qtypes[i].Load())
		}
		for i := range st.rcodes {
			sum.rcodes[i].Add(st.rcodes[i].Load())
		}
		sum.malformed.Add(st.malformed.Load())
	}
	for i := range sum.qtypes {
		if n := sum.qtypes[i].Load(); n > 0 {
			ch <- prometheus.MustNewConstMetric(c.queries, prometheus.CounterValue, float64(n), typeName(i))
		}
	}
	for i := range sum.rcodes {
		if n := sum.rcodes[i].Load(); n > 0 {
			ch <- prometheus.MustNewConstMetric(c.responses, prometheus.CounterValue, float64(n), rcodeName(i))
		}
	}
	ch <- prometheus.MustNewConstMetric(c.malformed, prometheus.CounterValue, float64(sum.malformed.Load()))
	c.collectReloads(ch)
}

func (c *collector) collectReloads(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.reloads, prometheus.CounterValue, float64(c.srv.reloadsOK.Load()), "ok")
	ch <- prometheus.MustNewConstMetric(c.reloads, prometheus.CounterValue, float64(c.srv.reloadsFailed.Load()), "error")
	for origin, z := range c.srv.snap.Load().zones {
		ch <- prometheus.MustNewConstMetric(c.serial, prometheus.GaugeValue, float64(z.SOA.Serial), origin)
	}
}

func typeName(i int) string {
	if i > 255 {
		return "other"
	}
	if s, ok := dns.TypeToString[uint16(i)]; ok {
		return s
	}
	return dns.Type(i).String()
}

func rcodeName(i int) string {
	if i > 22 {
		return "other"
	}
	if s, ok := dns.RcodeToString[i]; ok {
		return s
	}
	return "RCODE" + strconv.Itoa(i)
}
