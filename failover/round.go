package failover

import (
	"time"

	"github.com/siplocate/siplocate/locate"
)

// Begin starts a round (one registration: the first, a refresh or a retry)
// and orders the targets for it as the mode says. Suspended targets go last.
func (p *Policy) Begin(now time.Time) {
	p.pos, p.tries, p.done = 0, 0, false
	p.order = p.heldLast(p.suspendedLast(p.modeOrder(now)))
}

// BeginFailback starts a round that walks the list from the top whatever
// the mode: a probe found a better target answering again.
func (p *Policy) BeginFailback() {
	p.pos, p.tries, p.done = 0, 0, false
	p.order = p.heldLast(p.suspendedLast(p.fromTop()))
}

// modeOrder returns the order of the targets for a round begun at now.
func (p *Policy) modeOrder(now time.Time) []int {
	s := p.index(p.saved)
	switch p.cfg.Mode {
	case SavedUntilTTL:
		if s >= 0 && (p.savedUntil.IsZero() || now.Before(p.savedUntil)) {
			return p.savedFirst(s)
		}
		p.saved = "" // its records expired: walk a fresh list from the top
	case SavedUntilNoResponse:
		if s >= 0 {
			return p.savedFirst(s)
		}
	case Static:
		return p.staticOrder(s)
	}
	return p.fromTop()
}

// fromTop returns every target in located order.
func (p *Policy) fromTop() []int {
	order := make([]int, len(p.targets))
	for i := range order {
		order[i] = i
	}
	return order
}

// savedFirst returns the saved target s, then the others in located order.
func (p *Policy) savedFirst(s int) []int {
	order := []int{s}
	for i := range p.targets {
		if i != s {
			order = append(order, i)
		}
	}
	return order
}

// staticOrder returns the phone's "Use Configured IP" cycle: the IP that
// answered last, then the following ones, wrapping round to the primary.
// After ReturnAfter registrations with a backup the cycle starts at the
// primary again.
func (p *Policy) staticOrder(s int) []int {
	if s > 0 && p.savedRounds >= p.cfg.returnAfter() {
		s, p.savedRounds = 0, 0 // back to the primary; the backup's count starts again
	}
	if s < 0 {
		s = 0
	}
	order := make([]int, 0, len(p.targets))
	for i := range p.targets {
		order = append(order, (s+i)%len(p.targets))
	}
	return order
}

// suspendedLast moves suspended targets to the end, keeping the order
// otherwise: they are tried only when nothing else answers.
func (p *Policy) suspendedLast(order []int) []int {
	var live, dead []int
	for _, i := range order {
		if p.suspended[Key(p.targets[i])] {
			dead = append(dead, i)
		} else {
			live = append(live, i)
		}
	}
	return append(live, dead...)
}

// heldLast moves the targets the shared Health holds to the end, keeping
// the order otherwise: tried only when nothing else answers, and still
// tried when every target is held.
func (p *Policy) heldLast(order []int) []int {
	if p.cfg.Health == nil {
		return order
	}
	var live, held []int
	for _, i := range order {
		if _, ok := p.cfg.Health.Down(p.targets[i]); ok {
			held = append(held, i)
		} else {
			live = append(live, i)
		}
	}
	return append(live, held...)
}

// Next returns the target to try now. It returns false when the round is
// over: a target answered (Done), or every target was given up on or is
// held back by a 503 Retry-After (RFC 3263 §4.3).
func (p *Policy) Next(now time.Time) (locate.Target, bool) {
	for !p.done && p.pos < len(p.order) {
		t := p.targets[p.order[p.pos]]
		if until, held := p.hold[Key(t)]; held && now.Before(until) {
			p.advance()
			continue
		}
		return t, true
	}
	return locate.Target{}, false
}

// Try returns which attempt at the target Next returns this one is (1 for
// the first; unanswered ones count, RFC 3263 §4.3) and how many
// unanswered attempts that target gets, MaxTries.
func (p *Policy) Try() (n, max int) { return p.tries + 1, p.cfg.maxTries() }

// Done reports whether the round ended with a target answering.
func (p *Policy) Done() bool { return p.done }

// HeldUntil returns the earliest time a target held back by 503
// Retry-After may be tried again, or the zero time when none is held.
func (p *Policy) HeldUntil(now time.Time) time.Time {
	var first time.Time
	for _, until := range p.hold {
		if now.Before(until) && (first.IsZero() || until.Before(first)) {
			first = until
		}
	}
	return first
}

// Report records the outcome of an attempt to t, the target Next returned.
// retryAfter is the 503's Retry-After (0 when absent). A report for another
// target than the current one is ignored.
func (p *Policy) Report(t locate.Target, o Outcome, retryAfter time.Duration, now time.Time) {
	cur, ok := p.Next(now)
	if !ok || Key(cur) != Key(t) {
		return
	}
	if p.cfg.Health != nil {
		p.cfg.Health.Report(t, o, retryAfter)
	}
	switch o {
	case Answered:
		p.answered(t)
	case TimedOut:
		if p.tries++; p.tries >= p.cfg.maxTries() {
			p.advance()
		}
	case TransportFailed:
		p.advance() // RFC 3263 §4.3: a transport failure moves on at once
	case Unavailable:
		if retryAfter > 0 {
			if p.hold == nil {
				p.hold = map[string]time.Time{}
			}
			p.hold[Key(t)] = now.Add(retryAfter)
		}
		p.advance() // RFC 3263 §4.3: 503 moves on at once
	}
}

// answered ends the round with t as the saved target.
func (p *Policy) answered(t locate.Target) {
	k := Key(t)
	if k == p.saved {
		p.savedRounds++
	} else {
		p.saved, p.savedRounds, p.savedUntil = k, 1, t.Expires
	}
	delete(p.suspended, k)
	delete(p.hold, k)
	p.done = true
}

// advance gives up on the round's current target.
func (p *Policy) advance() {
	p.pos++
	p.tries = 0
}

// Suspend marks t as not answering probes: rounds try it last until Resume.
func (p *Policy) Suspend(t locate.Target) {
	if p.suspended == nil {
		p.suspended = map[string]bool{}
	}
	p.suspended[Key(t)] = true
}

// Resume marks t as answering probes again.
func (p *Policy) Resume(t locate.Target) { delete(p.suspended, Key(t)) }

// Suspended reports whether t is suspended.
func (p *Policy) Suspended(t locate.Target) bool { return p.suspended[Key(t)] }
