package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/siplocate/siplocate/register"
)

// agentCollector exports a register.Agent's AccountStats.
type agentCollector struct {
	a *register.Agent
}

var (
	regRegistered = prometheus.NewDesc("siplocate_register_registered", "1 when the account is registered, else 0.", []string{"account"}, nil)
	regTarget     = prometheus.NewDesc("siplocate_register_current_target", "1 for the target that holds the account's registration.", []string{"account", "transport", "address", "port", "host"}, nil)
	regExpiry     = prometheus.NewDesc("siplocate_register_granted_expiry_seconds", "The expiry the registrar granted last.", []string{"account"}, nil)
	regAttempts   = prometheus.NewDesc("siplocate_register_attempts_total", "REGISTER attempts by outcome: registered, rejected, timeout, transport-error, unavailable.", []string{"account", "outcome"}, nil)
	regFailovers  = prometheus.NewDesc("siplocate_register_failovers_total", "Registrations that moved to a worse target.", []string{"account"}, nil)
	regFailbacks  = prometheus.NewDesc("siplocate_register_failbacks_total", "Registrations that moved back to a better target.", []string{"account"}, nil)
	regRounds     = prometheus.NewDesc("siplocate_register_rounds_failed_total", "Rounds in which no target took the registration.", []string{"account"}, nil)
	regLost       = prometheus.NewDesc("siplocate_register_connections_lost_total", "TCP or TLS connections holding the registration that closed.", []string{"account"}, nil)
	regProbes     = prometheus.NewDesc("siplocate_register_probe_changes_total", "Probe results that changed a target's state: failed or answered.", []string{"account", "result"}, nil)
)

// Agent returns a collector for a's accounts: each is exported, all its
// counters at 0, from the start of Run.
func Agent(a *register.Agent) prometheus.Collector { return agentCollector{a: a} }

func (agentCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{regRegistered, regTarget, regExpiry, regAttempts, regFailovers, regFailbacks, regRounds, regLost, regProbes} {
		ch <- d
	}
}

func (c agentCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.a.Stats() {
		collectAccount(ch, s)
	}
}

func collectAccount(ch chan<- prometheus.Metric, s register.AccountStats) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{s.Account}, labels...)...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), append([]string{s.Account}, labels...)...)
	}
	registered := 0.0
	if s.Registered {
		registered = 1
		t := s.Target
		gauge(regTarget, 1, string(t.Transport), t.Addr.String(), strconv.Itoa(int(t.Port)), t.Host)
	}
	gauge(regRegistered, registered)
	gauge(regExpiry, s.Expires.Seconds())
	for outcome, n := range map[string]uint64{"registered": s.Registrations, "rejected": s.Rejections, "timeout": s.Timeouts,
		"transport-error": s.TransportErrors, "unavailable": s.Unavailable} {
		counter(regAttempts, n, outcome)
	}
	counter(regFailovers, s.Failovers)
	counter(regFailbacks, s.Failbacks)
	counter(regRounds, s.RoundsFailed)
	counter(regLost, s.ConnectionsLost)
	counter(regProbes, s.ProbesFailed, "failed")
	counter(regProbes, s.ProbesAnswered, "answered")
}
