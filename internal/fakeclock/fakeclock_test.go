package fakeclock

import (
	"slices"
	"testing"
	"time"
)

var epoch = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func TestTimersFireInDeadlineOrder(t *testing.T) {
	c := New(epoch)
	var got []string
	at := map[string]time.Time{}
	for _, tc := range []struct {
		name string
		d    time.Duration
	}{{"c", 3 * time.Second}, {"a", time.Second}, {"b", 2 * time.Second}, {"b2", 2 * time.Second}} {
		c.AfterFunc(tc.d, func() { got = append(got, tc.name); at[tc.name] = c.Now() })
	}
	c.Advance(1500 * time.Millisecond)
	if want := []string{"a"}; !slices.Equal(got, want) {
		t.Fatalf("after 1.5 s fired %v, want %v", got, want)
	}
	c.Advance(10 * time.Second)
	if want := []string{"a", "b", "b2", "c"}; !slices.Equal(got, want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	if at["b"] != epoch.Add(2*time.Second) || at["c"] != epoch.Add(3*time.Second) {
		t.Errorf("the clock read %v and %v in b and c, want their deadlines", at["b"], at["c"])
	}
	if now := c.Now(); now != epoch.Add(11500*time.Millisecond) {
		t.Errorf("Now() = %v, want start + 11.5 s", now)
	}
}

func TestStopAndReset(t *testing.T) {
	c := New(epoch)
	n := 0
	tm := c.AfterFunc(time.Second, func() { n++ })
	if !tm.Stop() {
		t.Fatal("Stop of an armed timer reported false")
	}
	if tm.Stop() {
		t.Fatal("second Stop reported true")
	}
	c.Advance(time.Hour)
	if n != 0 {
		t.Fatalf("stopped timer fired %d times", n)
	}
	if tm.Reset(time.Second) {
		t.Fatal("Reset of a stopped timer reported it armed")
	}
	if !tm.Reset(2 * time.Second) {
		t.Fatal("Reset of an armed timer reported it not armed")
	}
	c.Advance(1999 * time.Millisecond)
	if n != 0 {
		t.Fatal("reset timer fired at its old deadline")
	}
	c.Advance(time.Millisecond)
	if n != 1 {
		t.Fatalf("reset timer fired %d times at its deadline, want 1", n)
	}
	if c.Pending() != 0 {
		t.Fatalf("%d timers pending after firing", c.Pending())
	}
}

// A timer re-armed from its own function fires again within the same
// Advance when its new deadline is inside the step, like a refresh loop.
func TestRearmFromCallback(t *testing.T) {
	c := New(epoch)
	var fired []time.Duration
	var tm TimerFunc
	tm = c.AfterFunc(time.Second, func() {
		fired = append(fired, c.Since(epoch))
		if len(fired) < 5 {
			tm.Reset(time.Second)
		}
	})
	c.Advance(3500 * time.Millisecond)
	want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}
	if !slices.Equal(fired, want) {
		t.Fatalf("fired at %v, want %v", fired, want)
	}
	if d, ok := c.NextDeadline(); !ok || d != epoch.Add(4*time.Second) {
		t.Fatalf("NextDeadline() = %v, %v; want start + 4 s", d, ok)
	}
	c.Advance(time.Hour)
	if len(fired) != 5 {
		t.Fatalf("fired %d times, want 5", len(fired))
	}
}

func TestZeroDelayFiresOnAdvanceZero(t *testing.T) {
	c := New(epoch)
	n := 0
	c.AfterFunc(0, func() { n++ })
	c.AfterFunc(-time.Second, func() { n++ })
	c.Advance(0)
	if n != 2 {
		t.Fatalf("%d of 2 due timers fired on Advance(0)", n)
	}
	c.AdvanceTo(epoch.Add(-time.Hour)) // earlier: nothing happens
	if c.Now() != epoch {
		t.Fatalf("AdvanceTo an earlier time moved the clock to %v", c.Now())
	}
}
