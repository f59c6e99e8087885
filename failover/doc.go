// Package failover decides which located SIP target to try next and when to
// give up on one, as RFC 3263 §4.3 and the phone's "DNS SRV Fail-over Mode"
// describe. It is plain logic: no sockets, no timers, time passed in.
//
// A Policy holds the state of one account. Each registration (the first one,
// every refresh, every retry) is a round: Begin orders the targets for the
// round according to the mode, Next returns the target to try, and Report
// says what came of the attempt. A round ends when a target answers or when
// Next has nothing left.
//
// Moving on (RFC 3263 §4.3): after MaxTries unanswered attempts (default 3,
// the phone's "3 tries"), at once on a transport error (ICMP unreachable,
// TCP refused or reset, TLS failure) and at once on 503; a target that said
// 503 with Retry-After is skipped until that time.
//
// Modes:
//
//   - Default walks the list from the top in every round, so the agent moves
//     back to a better target at the next refresh once it answers again.
//   - SavedUntilTTL tries the target that last took the registration first,
//     until the DNS records that produced it expire (Target.Expires); then
//     NeedLocate reports true and the next round walks a fresh list from the
//     top.
//   - SavedUntilNoResponse keeps the saved target first until it stops
//     answering.
//   - Static (the phone's "Use Configured IP") keeps the answering IP; when it
//     stops answering after MaxTries tries, the next IP in the cycle primary,
//     backup 1, backup 2, ... is used. Once on a backup, the primary is tried
//     first again after ReturnAfter (default 3) registrations with the
//     backup: our reading of the guide's "it will switch back to Primary IP
//     after 3 re-tries".
//
// Probing (the register package's --probe) feeds the policy with Suspend,
// Resume and BeginFailback: a target whose probe went unanswered is skipped
// until a probe is answered again, and a better target that answers a probe
// is tried first at once.
//
// Usage:
//
//	p := failover.New(failover.Config{Mode: failover.Default})
//	p.SetTargets(res.Targets)
//	p.Begin(now)
//	for {
//		t, ok := p.Next(now)
//		if !ok {
//			break // wait, locate again, begin again
//		}
//		p.Report(t, outcomeOfAttempt(t), retryAfter, now)
//		if p.Done() {
//			break
//		}
//	}
package failover
