package dnsserver

import (
	"encoding/json"
	"net/http"
	"time"
)

// TargetHealth is one target's state as /health shows it.
type TargetHealth struct {
	Target      string    `json:"target"` // host:port/transport
	State       string    `json:"state"`  // "up" or "down"
	LastProbe   time.Time `json:"last_probe,omitzero"`
	LastOutcome string    `json:"last_outcome,omitempty"` // "200 OK", "no answer", ...
	Since       time.Time `json:"since"`                  // when the state began
}

// Health returns every checked target's state, sorted by target; nil
// without health checks.
func (s *Server) Health() []TargetHealth {
	if s.health == nil {
		return nil
	}
	states := s.health.snapshotStates()
	out := make([]TargetHealth, 0, len(states))
	for _, st := range states {
		state := "up"
		if st.down {
			state = "down"
		}
		out = append(out, TargetHealth{Target: st.target.String(), State: state,
			LastProbe: st.lastProbe, LastOutcome: st.lastOutcome, Since: st.since})
	}
	return out
}

// HealthHandler serves Health as JSON: {"targets": [...]}.
func (s *Server) HealthHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(struct {
			Targets []TargetHealth `json:"targets"`
		}{s.Health()})
	})
}
