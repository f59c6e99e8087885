package dnsserver

import (
	"context"
	"fmt"
	"time"
)

// serverHealth is a server's health checking: the checker and the view the
// current snapshot was built with.
type serverHealth struct {
	checker
	probe    Prober
	interval time.Duration
	fall     int
	rise     int
	limit    int
	demote   bool
	ttlCap   uint32
}

// newServerHealth returns the health checking cfg asks for, nil when off.
func newServerHealth(cfg *Config) (*serverHealth, error) {
	if cfg.HealthCheck == nil {
		return nil, nil
	}
	if err := cfg.checkHealthConfig(); err != nil {
		return nil, err
	}
	return &serverHealth{probe: cfg.HealthCheck, interval: cfg.healthInterval(), fall: cfg.healthFall(),
		rise: cfg.healthRise(), limit: cfg.healthConcurrency(), demote: cfg.HealthMode == HealthDemote,
		ttlCap: cfg.ttlCap()}, nil
}

// healthView returns the view a new snapshot is to be built with: nil
// when health checks are off, no target down before the first change.
func (s *Server) healthView() *healthView {
	h := s.health
	if h == nil {
		return nil
	}
	return h.view(h.demote, h.ttlCap)
}

// healthRound probes every target once and, when a target changed state,
// logs it and swaps in a snapshot built with the new view. Only the
// answers are rebuilt: the zones stay as loaded.
func (s *Server) healthRound(ctx context.Context) {
	h := s.health
	targets := h.refresh(s.snap.Load(), s.Zones(), s.now())
	results := probeAll(ctx, h.probe, targets, h.limit, h.interval)
	if ctx.Err() != nil {
		return
	}
	changes := h.count(results, s.now(), h.fall, h.rise)
	for _, c := range changes {
		s.logChange(c)
	}
	if len(changes) > 0 {
		s.reshape()
	}
}

// logChange logs one target's change of state.
func (s *Server) logChange(c change) {
	if c.down {
		s.log.Warn(fmt.Sprintf("%s down after %d failed probes: %s", c.target, c.run, c.outcome),
			"target", c.target.String(), "state", "down", "outcome", c.outcome)
		return
	}
	s.log.Info(fmt.Sprintf("%s up after %d passed probes: %s", c.target, c.run, c.outcome),
		"target", c.target.String(), "state", "up", "outcome", c.outcome)
}

// reshape swaps in a snapshot of the zones served, its answers built with
// the health view now; a reload in progress finishes first.
func (s *Server) reshape() {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	s.store(s.Zones())
}

// watchHealth runs a round at once and then every interval until Close.
// A round that outlasts the interval delays the next (the ticker drops
// ticks): probes never pile up.
func (s *Server) watchHealth() {
	t := time.NewTicker(s.health.interval)
	defer t.Stop()
	for {
		s.healthRound(s.ctx)
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
	}
}
