package register

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/siplocate/siplocate/locate"
)

// RFC 5626 keep-alive timing.
const (
	// pongTimeout: "If a pong is not received within 10 seconds then the
	// client MUST treat the flow as failed" (§4.4.1). A STUN keep-alive
	// gets the same bound (see stunRetransmits).
	pongTimeout = 10 * time.Second
	// minFlowTimer bounds the Flow-Timer we obey: a registrar's "1" must not
	// turn into a keep-alive every second on every flow.
	minFlowTimer = 5 * time.Second
)

// stunRetransmits are the moments, after the first, at which a STUN
// keep-alive is sent again while unanswered: RFC 5389 §7.2.1's schedule
// (RTO 500 ms, doubling), cut at pongTimeout so that a UDP flow is found
// dead as soon as a TCP one (§7.2.1 would wait 39.5 s, more than a
// Flow-Timer).
var stunRetransmits = []time.Duration{500 * time.Millisecond, 1500 * time.Millisecond, 3500 * time.Millisecond, 7500 * time.Millisecond}

// keepaliveWindow returns the bounds of the wait between two keep-alives
// on a flow. With a Flow-Timer from the registrar, a random moment between
// 80% and 100% of it (RFC 5626 §4.4.1); without, 95 to 120 s on TCP and
// TLS (§4.4.1) and 24 to 29 s on UDP (§4.4.2).
func keepaliveWindow(transport locate.Transport, flowTimer time.Duration) (lo, hi time.Duration) {
	switch {
	case flowTimer > 0:
		flowTimer = max(flowTimer, minFlowTimer)
		return flowTimer * 8 / 10, flowTimer
	case transport == locate.UDP:
		return 24 * time.Second, 29 * time.Second
	}
	return 95 * time.Second, 120 * time.Second
}

// keepalive sends RFC 5626 §4.4 keep-alives on one flow, on the agent's
// clock, and reports the flow failed when one goes unanswered: no pong
// within pongTimeout (CRLF on TCP and TLS, §4.4.1), or no STUN Binding
// response to the request and its retransmissions within that time
// (UDP, §4.4.2). The wire is the caller's: send puts one keep-alive on it
// (again for each retransmission), and answered is called when the answer
// comes. A flow's keep-alives run until stop or the failure; failed is
// called once, on the clock's timer goroutine.
type keepalive struct {
	clock   Clock
	random  func(time.Duration) time.Duration // uniform in [0, d]
	send    func(first bool) error            // first: a new keep-alive, not a retransmission
	failed  func(reason string)
	resend  []time.Duration // after the first send; nil on TCP and TLS
	counter *keepaliveCounters

	mu      sync.Mutex
	lo, hi  time.Duration
	timer   Timer
	waiting bool      // a keep-alive is unanswered
	sentAt  time.Time // its first send
	tries   int       // its sends so far
	done    bool
}

// keepaliveCounters count an agent's keep-alives, over all its flows.
type keepaliveCounters struct {
	sent, answered, failed, dropped atomic.Uint64
}

// start arms the first keep-alive, a random moment in [lo, hi] from now.
func (k *keepalive) start(lo, hi time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.lo, k.hi = lo, hi
	k.timer = k.clock.AfterFunc(k.nextWait(), k.fire)
}

func (k *keepalive) nextWait() time.Duration { return k.lo + k.random(k.hi-k.lo) }

// fire sends the keep-alive that is due, a retransmission, or declares the
// flow failed when the answer is late.
func (k *keepalive) fire() {
	k.mu.Lock()
	if k.done {
		k.mu.Unlock()
		return
	}
	now := k.clock.Now()
	first := !k.waiting
	if first {
		k.waiting, k.sentAt, k.tries = true, now, 0
	}
	if late := now.Sub(k.sentAt); late >= pongTimeout {
		k.done = true
		k.mu.Unlock()
		k.counter.failed.Add(1)
		k.failed("no keep-alive answer in " + pongTimeout.String())
		return
	}
	k.tries++
	k.timer.Reset(k.untilNext(now))
	k.mu.Unlock()
	k.counter.sent.Add(1)
	if err := k.send(first); err != nil {
		k.fail("send keep-alive: " + err.Error())
	}
}

// untilNext returns the wait from now to the next retransmission of the
// unanswered keep-alive, or to its deadline.
func (k *keepalive) untilNext(now time.Time) time.Duration {
	next := k.sentAt.Add(pongTimeout)
	if i := k.tries - 1; i < len(k.resend) {
		next = k.sentAt.Add(k.resend[i])
	}
	return next.Sub(now)
}

// answered takes the answer to the keep-alive and arms the next one. It
// reports false, counting the answer as dropped, when no keep-alive was
// waiting for it (a pong or response nobody asked for, or a second one).
func (k *keepalive) answered() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.waiting || k.done {
		k.counter.dropped.Add(1)
		return false
	}
	k.waiting = false
	k.counter.answered.Add(1)
	k.timer.Reset(k.nextWait())
	return true
}

// fail declares the flow failed now (a STUN response whose mapped address
// changed, RFC 5626 §4.4.2; a keep-alive that could not be sent).
func (k *keepalive) fail(reason string) {
	k.mu.Lock()
	if k.done {
		k.mu.Unlock()
		return
	}
	k.done = true
	k.timer.Stop()
	k.mu.Unlock()
	k.counter.failed.Add(1)
	k.failed(reason)
}

// stop ends the keep-alives without a failure.
func (k *keepalive) stop() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.done = true
	if k.timer != nil {
		k.timer.Stop()
	}
}
