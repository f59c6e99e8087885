package register

import (
	"errors"
	"testing"
	"time"

	"github.com/siplocate/siplocate/internal/fakeclock"
	"github.com/siplocate/siplocate/locate"
)

func TestKeepaliveWindow(t *testing.T) {
	tests := []struct {
		name      string
		transport locate.Transport
		flowTimer time.Duration
		lo, hi    time.Duration
	}{
		{name: "Flow-Timer 20 s on UDP", transport: locate.UDP, flowTimer: 20 * time.Second, lo: 16 * time.Second, hi: 20 * time.Second},
		{name: "Flow-Timer 120 s on TCP", transport: locate.TCP, flowTimer: 120 * time.Second, lo: 96 * time.Second, hi: 120 * time.Second},
		{name: "Flow-Timer 1 s: raised", transport: locate.TCP, flowTimer: time.Second, lo: 4 * time.Second, hi: 5 * time.Second},
		{name: "UDP default", transport: locate.UDP, lo: 24 * time.Second, hi: 29 * time.Second},
		{name: "TCP default", transport: locate.TCP, lo: 95 * time.Second, hi: 120 * time.Second},
		{name: "TLS default", transport: locate.TLS, lo: 95 * time.Second, hi: 120 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := keepaliveWindow(tt.transport, tt.flowTimer)
			if lo != tt.lo || hi != tt.hi {
				t.Errorf("keepaliveWindow = [%v, %v], want [%v, %v]", lo, hi, tt.lo, tt.hi)
			}
		})
	}
}

// kaRig is a keepalive on a fake clock whose sends are recorded.
type kaRig struct {
	clock    *fakeclock.Clock
	k        *keepalive
	counters keepaliveCounters
	sends    []time.Duration // since start
	failures []string
	sendErr  error
	start    time.Time
}

// newKARig returns a keepalive whose random wait is always frac of the
// window's width.
func newKARig(resend []time.Duration, frac float64) *kaRig {
	r := &kaRig{clock: fakeclock.New(time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC))}
	r.start = r.clock.Now()
	r.k = &keepalive{
		clock:   r.clock,
		random:  func(d time.Duration) time.Duration { return time.Duration(float64(d) * frac) },
		send:    func(bool) error { r.sends = append(r.sends, r.clock.Since(r.start)); return r.sendErr },
		failed:  func(reason string) { r.failures = append(r.failures, reason) },
		resend:  resend,
		counter: &r.counters,
	}
	return r
}

// TestKeepaliveTiming: keep-alives go out at lo + frac*(hi-lo) after the
// last answer (RFC 5626 §4.4.1: between 80% and 100% of the Flow-Timer).
func TestKeepaliveTiming(t *testing.T) {
	r := newKARig(nil, 0.5)
	r.k.start(keepaliveWindow(locate.TCP, 20*time.Second)) // 16..20 s: at 18 s
	r.clock.Advance(17 * time.Second)
	if len(r.sends) != 0 {
		t.Fatalf("sent at %v, before 18 s", r.sends)
	}
	r.clock.Advance(time.Second)
	if len(r.sends) != 1 || r.sends[0] != 18*time.Second {
		t.Fatalf("sends %v, want one at 18 s", r.sends)
	}
	r.clock.Advance(300 * time.Millisecond)
	if !r.k.answered() {
		t.Fatal("the pong was not taken")
	}
	r.clock.Advance(18 * time.Second)
	if len(r.sends) != 2 || r.sends[1] != 36300*time.Millisecond {
		t.Fatalf("sends %v, want the second 18 s after the pong, at 36.3 s", r.sends)
	}
	if len(r.failures) != 0 || r.counters.sent.Load() != 2 || r.counters.answered.Load() != 1 {
		t.Errorf("failures %v, sent %d, answered %d", r.failures, r.counters.sent.Load(), r.counters.answered.Load())
	}
}

// TestKeepalivePongTimeout: a pong not received within 10 s fails the
// flow (RFC 5626 §4.4.1), once; a late pong is dropped and counted.
func TestKeepalivePongTimeout(t *testing.T) {
	r := newKARig(nil, 0)
	r.k.start(keepaliveWindow(locate.TCP, 0)) // at 95 s
	r.clock.Advance(95*time.Second + pongTimeout - time.Millisecond)
	if len(r.failures) != 0 {
		t.Fatalf("failed %v before the pong timeout", r.failures)
	}
	r.clock.Advance(time.Millisecond)
	if len(r.failures) != 1 {
		t.Fatalf("failures %v at 10 s without a pong, want one", r.failures)
	}
	r.clock.Advance(time.Hour)
	if len(r.failures) != 1 || len(r.sends) != 1 {
		t.Errorf("after the failure: failures %v, sends %v; want no more", r.failures, r.sends)
	}
	if r.k.answered() {
		t.Error("a pong after the failure was taken")
	}
	if r.counters.failed.Load() != 1 || r.counters.dropped.Load() != 1 {
		t.Errorf("failed %d, dropped %d; want 1 and 1", r.counters.failed.Load(), r.counters.dropped.Load())
	}
}

// TestKeepaliveSTUNRetransmits: an unanswered STUN keep-alive is sent
// again at 0.5, 1.5, 3.5 and 7.5 s (RFC 5389 §7.2.1) and the flow fails
// at 10 s; an answer to a retransmission saves it.
func TestKeepaliveSTUNRetransmits(t *testing.T) {
	r := newKARig(stunRetransmits, 0)
	r.k.start(keepaliveWindow(locate.UDP, 0)) // at 24 s
	r.clock.Advance(24*time.Second + pongTimeout)
	want := []time.Duration{24 * time.Second, 24500 * time.Millisecond, 25500 * time.Millisecond, 27500 * time.Millisecond, 31500 * time.Millisecond}
	if !equalDurations(r.sends, want) || len(r.failures) != 1 {
		t.Fatalf("sends %v, failures %v; want sends %v and one failure", r.sends, r.failures, want)
	}

	r = newKARig(stunRetransmits, 0)
	r.k.start(24*time.Second, 29*time.Second)
	r.clock.Advance(25600 * time.Millisecond) // after the second retransmission
	if !r.k.answered() {
		t.Fatal("the answer to a retransmission was not taken")
	}
	r.clock.Advance(24 * time.Second)
	if len(r.failures) != 0 || len(r.sends) != 4 {
		t.Errorf("sends %v, failures %v; want 3 sends, then the next keep-alive 24 s after the answer", r.sends, r.failures)
	}
}

// TestKeepaliveUnsolicited: an answer with no keep-alive waiting is
// dropped and counted, and changes no timing.
func TestKeepaliveUnsolicited(t *testing.T) {
	r := newKARig(nil, 0)
	r.k.start(20*time.Second, 20*time.Second)
	r.clock.Advance(5 * time.Second)
	if r.k.answered() {
		t.Fatal("an unsolicited pong was taken")
	}
	r.clock.Advance(15 * time.Second)
	if len(r.sends) != 1 || r.sends[0] != 20*time.Second || r.counters.dropped.Load() != 1 {
		t.Errorf("sends %v, dropped %d; want one send at 20 s and one drop", r.sends, r.counters.dropped.Load())
	}
}

// TestKeepaliveSendError: a keep-alive that cannot be sent fails the flow
// at once.
func TestKeepaliveSendError(t *testing.T) {
	r := newKARig(nil, 0)
	r.sendErr = errors.New("connection reset")
	r.k.start(20*time.Second, 20*time.Second)
	r.clock.Advance(20 * time.Second)
	if len(r.failures) != 1 {
		t.Fatalf("failures %v, want one", r.failures)
	}
	r.clock.Advance(time.Hour)
	if len(r.failures) != 1 || len(r.sends) != 1 {
		t.Errorf("failures %v, sends %v after the failure", r.failures, r.sends)
	}
}

// TestKeepaliveStop: stopped keep-alives send nothing and fail nothing.
func TestKeepaliveStop(t *testing.T) {
	r := newKARig(nil, 0)
	r.k.start(20*time.Second, 20*time.Second)
	r.clock.Advance(20 * time.Second)
	r.k.stop()
	r.clock.Advance(time.Hour)
	if len(r.failures) != 0 || len(r.sends) != 1 {
		t.Errorf("failures %v, sends %v after stop", r.failures, r.sends)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
