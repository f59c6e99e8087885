package register

import (
	"context"
	"sync"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// probe sends SIP OPTIONS to the current target and to the better ones,
// all at once, each bounded by the probe timeout. Any final response but
// 503 means the server is alive. It reports whether a round is due now:
// the current target did not answer (failover), or a better one answered
// again (failback, walking the list from the top). A target that failed
// an attempt or a probe is suspended until a probe is answered, so a round
// tries it last.
func (s *session) probe(ctx context.Context) (again, failback bool) {
	targets := append([]locate.Target(nil), s.policy.Better()...)
	cur, hasCur := s.policy.Current()
	hasCur = hasCur && s.registered
	if hasCur {
		targets = append(targets, cur)
	}
	alive := s.ping(ctx, targets)
	for i, t := range targets {
		isCur := hasCur && i == len(targets)-1
		switch suspended := s.policy.Suspended(t); {
		case !alive[i] && !suspended:
			s.policy.Suspend(t)
			s.emit(Event{Kind: ProbeFailed, Target: t})
			again = again || isCur
		case alive[i] && suspended:
			s.policy.Resume(t)
			if !isCur {
				s.emit(Event{Kind: ProbeAnswered, Target: t})
				again, failback = true, true
			}
		}
	}
	return again, failback
}

// ping sends one OPTIONS to each target concurrently and reports which
// answered. A probe another account sent to the same target less than half
// a probe interval ago, or is sending now, stands in for ours.
func (s *session) ping(ctx context.Context, targets []locate.Target) []bool {
	alive := make([]bool, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		req := s.probes.newRequest(sip.OPTIONS, t, nil, 0)
		send := func() bool {
			st, err := s.agent.sip(t.Transport, s.dlg.reqURI.Host, s.bind)
			if err != nil {
				return false
			}
			res, o, _ := st.transact(ctx, t, req, s.acct.probeTimeout())
			return o == failover.Answered && res.StatusCode != sip.StatusServiceUnavailable
		}
		wg.Go(func() { alive[i] = s.agent.probes.get(ctx, t, s.acct.Probe/2, s.agent.now, send) })
	}
	wg.Wait()
	return alive
}
