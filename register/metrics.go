package register

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics turns events into Prometheus metrics. Feed it every event
// (Config.OnEvent) and register it with your registry.
type Metrics struct {
	registered *prometheus.GaugeVec
	current    *prometheus.GaugeVec
	failovers  *prometheus.CounterVec
	failbacks  *prometheus.CounterVec
	attempts   *prometheus.CounterVec
	probes     *prometheus.CounterVec

	mu      sync.Mutex
	targets map[string]string // account -> current target label
}

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		registered: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "siplocate_register_registered", Help: "1 when the account is registered, else 0."}, []string{"account"}),
		current:    prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "siplocate_register_current_target", Help: "1 for the target that holds the account's registration."}, []string{"account", "target"}),
		failovers:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "siplocate_register_failovers_total", Help: "Registrations that moved to a worse target."}, []string{"account"}),
		failbacks:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "siplocate_register_failbacks_total", Help: "Registrations that moved back to a better target."}, []string{"account"}),
		attempts:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "siplocate_register_attempts_total", Help: "REGISTER attempts by outcome: registered, rejected, timeout, transport-error, unavailable."}, []string{"account", "outcome"}),
		probes:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "siplocate_register_probe_changes_total", Help: "Probe results that changed a target's state: failed or answered."}, []string{"account", "result"}),
		targets:    map[string]string{},
	}
	for _, c := range []prometheus.Collector{m.registered, m.current, m.failovers, m.failbacks, m.attempts, m.probes} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Observe updates the metrics for e.
func (m *Metrics) Observe(e Event) {
	switch e.Kind {
	case Registered:
		m.registered.WithLabelValues(e.Account).Set(1)
		m.setCurrent(e.Account, targetName(e.Target))
		m.attempts.WithLabelValues(e.Account, "registered").Inc()
	case RoundFailed, Unregistered:
		m.registered.WithLabelValues(e.Account).Set(0)
		m.setCurrent(e.Account, "")
	case AttemptFailed:
		m.attempts.WithLabelValues(e.Account, e.Outcome).Inc()
	case Rejected:
		m.attempts.WithLabelValues(e.Account, "rejected").Inc()
	case FailedOver:
		m.failovers.WithLabelValues(e.Account).Inc()
	case FailedBack:
		m.failbacks.WithLabelValues(e.Account).Inc()
	case ProbeFailed:
		m.probes.WithLabelValues(e.Account, "failed").Inc()
	case ProbeAnswered:
		m.probes.WithLabelValues(e.Account, "answered").Inc()
	}
}

// setCurrent moves the account's current-target gauge to target ("" none).
func (m *Metrics) setCurrent(account, target string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.targets[account]; ok {
		m.current.DeleteLabelValues(account, old)
	}
	delete(m.targets, account)
	if target != "" {
		m.current.WithLabelValues(account, target).Set(1)
		m.targets[account] = target
	}
}
