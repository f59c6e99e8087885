package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/register"
	"github.com/siplocate/siplocate/registrar"
)

// scenario is one play of the guide's story, step by step.
type scenario struct {
	cfg   *Config
	lab   *lab
	phone *phone
	tl    *Timeline
	steps []string
}

// step is one step of the scenario: run does or waits for it, at most wait.
type step struct {
	name string
	run  func(context.Context, time.Duration) error
	wait time.Duration
}

// play runs the steps in order: lookup, register with the primary, the
// primary stops answering, unanswered REGISTERs, failover, the primary
// returns, failback (or, in saved-until-no-response mode, staying put).
func (s *scenario) play(ctx context.Context) error {
	exp := s.cfg.expires()
	slack := 3 * time.Second
	steps := []step{
		{"lookup", s.lookup, 5 * time.Second},
		{"register-primary", s.registered(s.cfg.primary()), 5 * time.Second},
		{"primary-stops", s.setFault(s.lab.primary, registrar.FaultSilent, "sip1 stops answering (silent, like a dead host)"), 0},
		{"unanswered", s.unanswered, exp + maxTries*s.cfg.attemptTimeout() + slack},
		{"failover", s.registered(s.cfg.backup()), maxTries*s.cfg.attemptTimeout() + slack},
		{"primary-returns", s.setFault(s.lab.primary, registrar.FaultNone, "sip1 answers again"), 0},
		s.last(exp, slack),
	}
	for _, st := range steps {
		if err := st.run(ctx, st.wait); err != nil {
			s.tl.Add("demo", "step-failed", "step %s did not happen: %v", st.name, err)
			return &StepError{Step: st.name, Err: err}
		}
		s.steps = append(s.steps, st.name)
	}
	return nil
}

// last is the mode's final step: where the phone goes once the primary
// is back.
func (s *scenario) last(exp, slack time.Duration) step {
	switch s.cfg.failoverMode() {
	case failover.SavedUntilNoResponse:
		// The guide: the saved server is kept until it stops answering.
		return step{"stays-on-backup", s.staysOnBackup, 2*exp + slack}
	case failover.SavedUntilTTL:
		// Back to the top of the list once the records' TTL runs out.
		return step{"failback", s.failback, s.cfg.ttl() + exp + slack}
	case failover.Static:
		// The guide: back to the primary IP after 3 re-tries.
		return step{"failback", s.failback, 4*exp + slack}
	}
	if s.cfg.Probe > 0 {
		return step{"failback", s.failback, 2*s.cfg.Probe + slack}
	}
	return step{"failback", s.failback, exp + slack}
}

// next returns the phone's next event, or an error when wait passes first.
func (s *scenario) next(ctx context.Context, deadline <-chan time.Time) (register.Event, error) {
	select {
	case e := <-s.phone.events:
		return e, nil
	case <-deadline:
		return register.Event{}, errTimeout
	case <-ctx.Done():
		return register.Event{}, ctx.Err()
	}
}

// until waits for an event that ok accepts.
func (s *scenario) until(ctx context.Context, wait time.Duration, ok func(register.Event) bool) error {
	deadline := time.After(wait)
	for {
		e, err := s.next(ctx, deadline)
		if err != nil {
			return err
		}
		if ok(e) {
			return nil
		}
	}
}

// lookup waits for the phone to locate the servers and checks that the
// lookup flow was the mode's: NAPTR, then SRV, then A.
func (s *scenario) lookup(ctx context.Context, wait time.Duration) error {
	if err := s.until(ctx, wait, func(e register.Event) bool { return e.Kind == register.Located }); err != nil {
		return err
	}
	var got []string
	for _, l := range s.tl.Lines() {
		if l.Who == "dns" && l.Kind == "query" {
			got = append(got, firstWord(l.Text))
		}
	}
	want := map[locate.Mode][]string{
		locate.ModeNAPTR:  {"NAPTR", "SRV", "A"},
		locate.ModeSRV:    {"SRV", "A"},
		locate.ModeA:      {"A"},
		locate.ModeStatic: nil,
	}[s.cfg.dnsMode()]
	if !inOrder(got, want) {
		return fmt.Errorf("queries %v, want %v in that order", got, want)
	}
	return nil
}

// registered returns a step that waits for a registration with ip.
func (s *scenario) registered(ip string) func(context.Context, time.Duration) error {
	return func(ctx context.Context, wait time.Duration) error {
		return s.until(ctx, wait, func(e register.Event) bool { return isAt(e, ip) })
	}
}

// failback waits for the registration with the primary, then for the
// binding left at the backup to be removed (Expires: 0), so that calls
// are not forked to both servers.
func (s *scenario) failback(ctx context.Context, wait time.Duration) error {
	start := time.Now()
	if err := s.registered(s.cfg.primary())(ctx, wait); err != nil {
		return err
	}
	rest := max(wait-time.Since(start), 2*s.cfg.attemptTimeout())
	err := s.until(ctx, rest, func(e register.Event) bool {
		return e.Kind == register.Unregistered && e.Target.Addr.String() == s.cfg.backup()
	})
	if err != nil {
		return fmt.Errorf("registered with the primary, but the binding at the backup was not removed: %w", err)
	}
	return nil
}

// unanswered waits for the phone's maxTries unanswered REGISTERs to the
// primary, as the guide describes; with probes, for an unanswered probe,
// which comes long before the registration is due.
func (s *scenario) unanswered(ctx context.Context, wait time.Duration) error {
	n := 0
	return s.until(ctx, wait, func(e register.Event) bool {
		if e.Target.Addr.String() != s.cfg.primary() {
			return false
		}
		if s.cfg.Probe > 0 {
			return e.Kind == register.ProbeFailed
		}
		if e.Kind == register.AttemptFailed {
			n++
		}
		return n == maxTries
	})
}

// staysOnBackup checks that two refreshes after the primary's return
// still go to the backup.
func (s *scenario) staysOnBackup(ctx context.Context, wait time.Duration) error {
	n := 0
	var bad error
	err := s.until(ctx, wait, func(e register.Event) bool {
		if isAt(e, s.cfg.primary()) {
			bad = fmt.Errorf("the phone went back to the primary")
			return true
		}
		if isAt(e, s.cfg.backup()) {
			n++
		}
		return n == 2
	})
	if bad != nil {
		return bad
	}
	return err
}

// setFault returns a step that plays a fault on r.
func (s *scenario) setFault(r *registrar.Registrar, k registrar.FaultKind, what string) func(context.Context, time.Duration) error {
	return func(context.Context, time.Duration) error {
		s.tl.Add("demo", "fault", "%s", what)
		return r.SetFault(registrar.Fault{Kind: k})
	}
}

// inOrder reports whether want appears in got as a subsequence, and got
// has no query types beyond want's.
func inOrder(got, want []string) bool {
	allowed := map[string]bool{"AAAA": true}
	for _, w := range want {
		allowed[w] = true
	}
	i := 0
	for _, g := range got {
		if !allowed[g] {
			return false
		}
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

func firstWord(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			return s[:i]
		}
	}
	return s
}
