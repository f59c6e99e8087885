package failover

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/siplocate/siplocate/internal/fakeclock"
	"github.com/siplocate/siplocate/locate"
)

func TestHealthHolds(t *testing.T) {
	a, b := target(13, 0), target(12, 0)
	tests := []struct {
		name       string
		outcome    Outcome
		retryAfter time.Duration
		wantHeld   time.Duration // 0: not held
	}{
		{name: "timeout", outcome: TimedOut, wantHeld: DefaultDownFor},
		{name: "transport error", outcome: TransportFailed, wantHeld: DefaultDownFor},
		{name: "503 with Retry-After", outcome: Unavailable, retryAfter: 30 * time.Second, wantHeld: 30 * time.Second},
		{name: "503 without Retry-After", outcome: Unavailable},
		{name: "503 Retry-After of a year is capped", outcome: Unavailable, retryAfter: 365 * 24 * time.Hour, wantHeld: DefaultMaxHold},
		{name: "answered", outcome: Answered},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := fakeclock.New(t0)
			h := &Health{Now: clk.Now}
			h.Report(a, tc.outcome, tc.retryAfter)
			if tc.wantHeld == 0 {
				if hd, ok := h.Down(a); ok {
					t.Fatalf("Down = %+v, want not held", hd)
				}
				return
			}
			clk.Advance(tc.wantHeld - time.Millisecond)
			if _, ok := h.Down(a); !ok {
				t.Fatalf("not held %v after the report, want held until %v", tc.wantHeld-time.Millisecond, tc.wantHeld)
			}
			if got := h.Order([]locate.Target{a, b}); !sameKeys(got, b, a) {
				t.Errorf("Order while held = %v, want the held one last", got)
			}
			clk.Advance(time.Millisecond)
			if hd, ok := h.Down(a); ok {
				t.Fatalf("still held at its expiry: %+v", hd)
			}
			if got := h.Order([]locate.Target{a, b}); !sameKeys(got, a, b) {
				t.Errorf("Order after expiry = %v, want located order", got)
			}
		})
	}
}

func TestHealthAnsweredClears(t *testing.T) {
	h := &Health{Now: fakeclock.New(t0).Now}
	a := target(13, 0)
	h.Report(a, TimedOut, 0)
	h.Report(a, Answered, 0)
	if _, ok := h.Down(a); ok {
		t.Fatal("held after an answer")
	}
}

func TestHealthAllHeldStillOrdered(t *testing.T) {
	h := &Health{Now: fakeclock.New(t0).Now}
	a, b, c := target(13, 0), target(12, 0), target(11, 0)
	for _, x := range []locate.Target{a, b, c} {
		h.Report(x, TransportFailed, 0)
	}
	if got := h.Order([]locate.Target{a, b, c}); !sameKeys(got, a, b, c) {
		t.Errorf("Order = %v, want every target, in located order", got)
	}
}

func TestHealthBounded(t *testing.T) {
	clk := fakeclock.New(t0)
	h := &Health{Now: clk.Now, MaxEntries: 3}
	for i := range 10 {
		clk.Advance(time.Second)
		h.Report(target(byte(i+1), 0), TimedOut, 0)
	}
	if n := h.Len(); n != 3 {
		t.Fatalf("Len = %d, want 3 (MaxEntries)", n)
	}
	if _, ok := h.Down(target(10, 0)); !ok {
		t.Error("the newest entry was evicted")
	}
}

// TestHealthConcurrent is for the race detector.
func TestHealthConcurrent(t *testing.T) {
	h := &Health{}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				tg := target(byte(j%5+1), 0)
				h.Report(tg, Outcome(j%4), time.Duration(i)*time.Second)
				h.Order([]locate.Target{tg})
			}
		})
	}
	wg.Wait()
	_ = fmt.Sprint(h.Len())
}

// sameKeys reports whether got holds want's targets in want's order.
func sameKeys(got []locate.Target, want ...locate.Target) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if Key(got[i]) != Key(want[i]) {
			return false
		}
	}
	return true
}

// TestPolicyConsultsHealth: a policy with a shared store feeds it and
// tries what it holds last; a second policy (another account) sees it.
func TestPolicyConsultsHealth(t *testing.T) {
	clk := fakeclock.New(t0)
	h := &Health{Now: clk.Now}
	a, b := target(13, 0), target(12, 0)
	p := New(Config{Health: h, MaxTries: 1})
	p.SetTargets([]locate.Target{a, b})
	p.Begin(clk.Now())
	if got, _ := p.Next(clk.Now()); Key(got) != Key(a) {
		t.Fatalf("first target %v, want the primary", got)
	}
	p.Report(a, TransportFailed, 0, clk.Now())

	q := New(Config{Health: h})
	q.SetTargets([]locate.Target{a, b})
	q.Begin(clk.Now())
	if got, _ := q.Next(clk.Now()); Key(got) != Key(b) {
		t.Fatalf("another account's first target %v, want the backup (the primary is held)", got)
	}
	q.Report(b, Answered, 0, clk.Now())
	clk.Advance(DefaultDownFor)
	q.Begin(clk.Now())
	if got, _ := q.Next(clk.Now()); Key(got) != Key(a) {
		t.Fatalf("after the hold: first target %v, want the primary", got)
	}
}
