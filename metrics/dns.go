package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/dnsserver"
)

var (
	srvQueries   = prometheus.NewDesc("siplocate_dns_queries_total", "Queries answered by the DNS server, by question type.", []string{"type"}, nil)
	srvResponses = prometheus.NewDesc("siplocate_dns_responses_total", "Responses sent by the DNS server, by response code.", []string{"rcode"}, nil)
	srvMalformed = prometheus.NewDesc("siplocate_dns_malformed_total", "Packets that did not parse as a DNS query.", nil, nil)
	srvReloads   = prometheus.NewDesc("siplocate_dns_reloads_total", "Zone file loads after the first, by result: ok or error.", []string{"result"}, nil)
	srvSerial    = prometheus.NewDesc("siplocate_dns_zone_serial", "SOA serial of each zone served.", []string{"zone"}, nil)
	srvTCPConns  = prometheus.NewDesc("siplocate_dns_tcp_connections", "TCP connections held now.", nil, nil)
	srvTCPRefuse = prometheus.NewDesc("siplocate_dns_tcp_refused_total", "TCP connections closed at accept for being over a cap (total or per address).", nil, nil)
	srvTCPAccErr = prometheus.NewDesc("siplocate_dns_tcp_accept_errors_total", "Failed TCP accepts (descriptors out), each retried after a backoff.", nil, nil)
	srvHProbes   = prometheus.NewDesc("siplocate_dns_health_probes_total", "Health probes of SRV targets sent, by result: ok or failed.", []string{"result"}, nil)
	srvHChanges  = prometheus.NewDesc("siplocate_dns_health_changes_total", "SRV targets that went down or came back up.", nil, nil)
	srvHTargets  = prometheus.NewDesc("siplocate_dns_health_targets", "SRV targets health-checked now, by state: up or down.", []string{"state"}, nil)
)

// The question types and response codes exported from 0: those a SIP
// lab's server answers, and the errors it gives. Others appear once seen.
var (
	knownTypes  = []string{"A", "AAAA", "SRV", "NAPTR", "SOA", "NS", "CNAME", "TXT", "ANY", "AXFR", "IXFR"}
	knownRcodes = []string{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "NOTAUTH"}
)

type serverCollector struct{ s *dnsserver.Server }

// DNSServer returns a collector for s's counters.
func DNSServer(s *dnsserver.Server) prometheus.Collector { return serverCollector{s: s} }

func (serverCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{srvQueries, srvResponses, srvMalformed, srvReloads, srvSerial, srvTCPConns, srvTCPRefuse, srvTCPAccErr, srvHProbes, srvHChanges, srvHTargets} {
		ch <- d
	}
}

func (c serverCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Stats()
	counters(ch, srvQueries, st.Queries, knownTypes)
	counters(ch, srvResponses, st.Responses, knownRcodes)
	ch <- prometheus.MustNewConstMetric(srvMalformed, prometheus.CounterValue, float64(st.Malformed))
	ch <- prometheus.MustNewConstMetric(srvReloads, prometheus.CounterValue, float64(st.ReloadsOK), "ok")
	ch <- prometheus.MustNewConstMetric(srvReloads, prometheus.CounterValue, float64(st.ReloadsFailed), "error")
	ch <- prometheus.MustNewConstMetric(srvTCPConns, prometheus.GaugeValue, float64(st.TCPConns))
	ch <- prometheus.MustNewConstMetric(srvTCPRefuse, prometheus.CounterValue, float64(st.TCPRefused))
	ch <- prometheus.MustNewConstMetric(srvTCPAccErr, prometheus.CounterValue, float64(st.TCPAcceptErrors))
	ch <- prometheus.MustNewConstMetric(srvHProbes, prometheus.CounterValue, float64(st.HealthProbes-st.HealthFailures), "ok")
	ch <- prometheus.MustNewConstMetric(srvHProbes, prometheus.CounterValue, float64(st.HealthFailures), "failed")
	ch <- prometheus.MustNewConstMetric(srvHChanges, prometheus.CounterValue, float64(st.HealthChanges))
	ch <- prometheus.MustNewConstMetric(srvHTargets, prometheus.GaugeValue, float64(st.HealthTargets-st.HealthTargetsDown), "up")
	ch <- prometheus.MustNewConstMetric(srvHTargets, prometheus.GaugeValue, float64(st.HealthTargetsDown), "down")
	for zone, serial := range st.Serials {
		ch <- prometheus.MustNewConstMetric(srvSerial, prometheus.GaugeValue, float64(serial), zone)
	}
}

// counters exports m by label, every one of known included at 0.
func counters(ch chan<- prometheus.Metric, d *prometheus.Desc, m map[string]uint64, known []string) {
	for _, k := range known {
		if _, ok := m[k]; !ok {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, 0, k)
		}
	}
	for k, n := range m {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(n), k)
	}
}

var (
	cliLookups   = prometheus.NewDesc("siplocate_dnsclient_lookups_total", "Lookups asked of the DNS client.", nil, nil)
	cliHits      = prometheus.NewDesc("siplocate_dnsclient_cache_hits_total", "Lookups answered from the cache.", nil, nil)
	cliQueries   = prometheus.NewDesc("siplocate_dnsclient_queries_total", "Queries sent, UDP and TCP.", nil, nil)
	cliTimeouts  = prometheus.NewDesc("siplocate_dnsclient_timeouts_total", "Exchanges that got no answer in time.", nil, nil)
	cliTrunc     = prometheus.NewDesc("siplocate_dnsclient_truncated_total", "UDP answers with TC set, retried over TCP.", nil, nil)
	cliDropped   = prometheus.NewDesc("siplocate_dnsclient_mismatched_total", "Answers dropped: wrong ID, question or not a response.", nil, nil)
	cliMalformed = prometheus.NewDesc("siplocate_dnsclient_malformed_total", "Answers that could not be parsed.", nil, nil)
	cliErrors    = prometheus.NewDesc("siplocate_dnsclient_server_errors_total", "Answers with SERVFAIL, REFUSED or another error code.", nil, nil)
	cliEntries   = prometheus.NewDesc("siplocate_dnsclient_cache_entries", "Entries in the cache now.", nil, nil)
)

type clientCollector struct{ c *dnsclient.Client }

// DNSClient returns a collector for c's counters.
func DNSClient(c *dnsclient.Client) prometheus.Collector { return clientCollector{c: c} }

func (clientCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{cliLookups, cliHits, cliQueries, cliTimeouts, cliTrunc, cliDropped, cliMalformed, cliErrors, cliEntries} {
		ch <- d
	}
}

func (c clientCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.c.Stats()
	for d, v := range map[*prometheus.Desc]uint64{cliLookups: st.Lookups, cliHits: st.CacheHits, cliQueries: st.Queries, cliTimeouts: st.Timeouts,
		cliTrunc: st.Truncated, cliDropped: st.Mismatched, cliMalformed: st.Malformed, cliErrors: st.ServerErrs} {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	ch <- prometheus.MustNewConstMetric(cliEntries, prometheus.GaugeValue, float64(st.CacheSize))
}
