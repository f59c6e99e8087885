package metrics

import (
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/dnsserver"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/register"
)

// gather returns reg's metrics as `name{label="value",...} value` lines,
// labels in Prometheus's order.
func gather(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			b.WriteString(mf.GetName() + "{" + strings.Join(labels, ",") + "} " + strconv.FormatFloat(v, 'g', -1, 64) + "\n")
		}
	}
	return b.String()
}

func wantLines(t *testing.T, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w+"\n") {
			t.Errorf("metrics lack %s:\n%s", w, got)
		}
	}
}

// TestAccountMetrics: an account is exported with every counter at 0
// before its first event, and its current target with separate labels.
func TestAccountMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	ch := make(chan prometheus.Metric, 100)
	collectAccount(ch, register.AccountStats{Account: "bob"})
	collectAccount(ch, register.AccountStats{Account: "alice", Registered: true, Expires: time.Hour, Registrations: 2, Timeouts: 1, Failovers: 1,
		Target: locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("192.0.2.12"), Port: 5060, Host: "sip2.example.com"}})
	close(ch)
	var ms []prometheus.Metric
	for m := range ch {
		ms = append(ms, m)
	}
	reg.MustRegister(fixed(ms))
	got := gather(t, reg)
	wantLines(t, got,
		`siplocate_register_registered{account="alice"} 1`,
		`siplocate_register_registered{account="bob"} 0`,
		`siplocate_register_current_target{account="alice",address="192.0.2.12",host="sip2.example.com",port="5060",transport="udp"} 1`,
		`siplocate_register_granted_expiry_seconds{account="alice"} 3600`,
		`siplocate_register_attempts_total{account="alice",outcome="registered"} 2`,
		`siplocate_register_attempts_total{account="alice",outcome="timeout"} 1`,
		`siplocate_register_attempts_total{account="bob",outcome="transport-error"} 0`,
		`siplocate_register_failovers_total{account="alice"} 1`,
		`siplocate_register_failbacks_total{account="bob"} 0`,
		`siplocate_register_rounds_failed_total{account="bob"} 0`,
		`siplocate_register_connections_lost_total{account="bob"} 0`,
		`siplocate_register_probe_changes_total{account="bob",result="answered"} 0`,
	)
	if strings.Contains(got, `current_target{account="bob"`) {
		t.Errorf("bob is not registered but has a current target:\n%s", got)
	}
}

// fixed is a collector of metrics made already.
type fixed []prometheus.Metric

func (f fixed) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range f {
		ch <- m.Desc()
	}
}

func (f fixed) Collect(ch chan<- prometheus.Metric) {
	for _, m := range f {
		ch <- m
	}
}

// TestDNSServerMetrics: a DNS server on loopback is exported with its
// common question types and response codes at 0, then counts a query.
func TestDNSServerMetrics(t *testing.T) {
	s, err := dnsserver.New(dnsserver.Config{Zones: []string{"../dnsserver/testdata/example.net.zone"}, Addr: "127.0.11.1:0", ReusePort: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	reg := NewRegistry()
	reg.MustRegister(DNSServer(s))
	wantLines(t, gather(t, reg),
		`siplocate_dns_queries_total{type="SRV"} 0`,
		`siplocate_dns_responses_total{rcode="NXDOMAIN"} 0`,
		`siplocate_dns_malformed_total{} 0`,
		`siplocate_dns_reloads_total{result="error"} 0`,
		`siplocate_dns_tcp_connections{} 0`,
		`siplocate_dns_tcp_refused_total{} 0`,
		`siplocate_dns_tcp_accept_errors_total{} 0`,
	)
	m := new(dns.Msg).SetQuestion("_sip._udp.example.net.", dns.TypeSRV)
	if _, err := dns.Exchange(m, s.Addr().String()); err != nil {
		t.Fatal(err)
	}
	wantLines(t, gather(t, reg), `siplocate_dns_queries_total{type="SRV"} 1`)
}

// TestDNSClientMetricsAndServe: the DNS client's counters from 0, the
// build information, all over HTTP.
func TestDNSClientMetricsAndServe(t *testing.T) {
	c, err := dnsclient.New(dnsclient.Config{Servers: []string{"127.0.11.1:53"}})
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry()
	reg.MustRegister(DNSClient(c))
	srv, err := Serve("127.0.0.1:0", reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	res, err := http.Get("http://" + srv.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	for _, want := range []string{"siplocate_dnsclient_queries_total 0", "siplocate_dnsclient_cache_hits_total 0", "siplocate_build_info{goversion=\"go"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s:\n%s", want, body)
		}
	}
}
