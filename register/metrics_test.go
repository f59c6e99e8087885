package register

import (
	"net/netip"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/siplocate/siplocate/locate"
)

// gather returns the metrics in reg as "name{label=value,...}" -> value.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName() + "{"
			for i, l := range m.GetLabel() {
				if i > 0 {
					key += ","
				}
				key += l.GetName() + "=" + l.GetValue()
			}
			key += "}"
			v := m.GetGauge().GetValue() + m.GetCounter().GetValue()
			got[key] = v
		}
	}
	return got
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	a := locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("192.0.2.13"), Port: 5060}
	b := locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("192.0.2.12"), Port: 5060}
	for _, e := range []Event{
		{Account: "alice", Kind: Registered, Target: a},
		{Account: "alice", Kind: AttemptFailed, Target: a, Outcome: "timeout"},
		{Account: "alice", Kind: Registered, Target: b},
		{Account: "alice", Kind: FailedOver, Target: b, From: a},
		{Account: "bob", Kind: RoundFailed},
	} {
		m.Observe(e)
	}
	got := gather(t, reg)
	want := map[string]float64{
		"siplocate_register_current_target{account=alice,target=udp 192.0.2.12:5060}": 1,
		"siplocate_register_failovers_total{account=alice}":                           1,
		"siplocate_register_attempts_total{account=alice,outcome=registered}":         2,
		"siplocate_register_attempts_total{account=alice,outcome=timeout}":            1,
		"siplocate_register_registered{account=alice}":                                1,
		"siplocate_register_registered{account=bob}":                                  0,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if _, ok := got["siplocate_register_current_target{account=alice,target=udp 192.0.2.13:5060}"]; ok {
		t.Error("the old target is still marked current")
	}
}
