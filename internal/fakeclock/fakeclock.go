// Package fakeclock is a clock for tests that moves only when the test
// says so: Now, and timers in the manner of time.AfterFunc that fire, in
// the order of their deadlines, as Advance passes them. Packages whose
// logic depends on time take a clock through their Config; tests give
// them a *Clock and step it, so that refreshes, expiries and back-offs are
// checked exactly and without waiting.
package fakeclock

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// Clock is a fake clock. The zero value is not usable; call New.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	seq    uint64 // orders timers with the same deadline by creation
	timers []*Timer
}

// New returns a clock that reads start until advanced.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Since returns the time elapsed since t on this clock.
func (c *Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Advance moves the clock d forward. Every timer whose deadline falls
// within the step fires, in deadline order, with the clock set to its
// deadline while its function runs; functions run on the caller's
// goroutine, one after the other, so a test that returns from Advance
// knows they have all finished. A function may arm, reset or stop timers:
// one that comes due within the step fires in the same call.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	for {
		t := c.next(end)
		if t == nil {
			break
		}
		c.now = t.when
		t.armed = false
		c.remove(t)
		c.mu.Unlock()
		t.f()
		c.mu.Lock()
	}
	if end.After(c.now) {
		c.now = end
	}
	c.mu.Unlock()
}

// AdvanceTo moves the clock to t, or does nothing when t is not later.
func (c *Clock) AdvanceTo(t time.Time) {
	if d := t.Sub(c.Now()); d > 0 {
		c.Advance(d)
	}
}

// Pending returns how many timers are armed.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// NextDeadline returns the earliest armed timer's deadline, and false when
// no timer is armed.
func (c *Clock) NextDeadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return time.Time{}, false
	}
	return c.timers[0].when, true
}

// TimerFunc is what AfterFunc returns, a *Timer: the methods of a
// *time.Timer made by time.AfterFunc. It aliases an unnamed interface, so
// that a package whose clock interface names the same methods through an
// alias of its own (register.Timer) is satisfied by *Clock.
type TimerFunc = interface {
	Stop() bool
	Reset(d time.Duration) bool
}

// AfterFunc arms a timer that calls f once the clock has advanced d from
// now; d <= 0 fires at the next Advance, even Advance(0). The result is a
// *Timer.
func (c *Clock) AfterFunc(d time.Duration, f func()) TimerFunc {
	t := &Timer{c: c, f: f}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.arm(t, d)
	return t
}

// next returns the earliest timer due at or before end, or nil.
func (c *Clock) next(end time.Time) *Timer {
	if len(c.timers) == 0 || c.timers[0].when.After(end) {
		return nil
	}
	return c.timers[0]
}

func (c *Clock) arm(t *Timer, d time.Duration) {
	c.seq++
	t.when, t.seq, t.armed = c.now.Add(max(d, 0)), c.seq, true
	i, _ := slices.BinarySearchFunc(c.timers, t, func(a, b *Timer) int {
		if c := a.when.Compare(b.when); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	c.timers = slices.Insert(c.timers, i, t)
}

func (c *Clock) remove(t *Timer) {
	if i := slices.Index(c.timers, t); i >= 0 {
		c.timers = slices.Delete(c.timers, i, i+1)
	}
}

// Timer is a timer of a fake Clock, like a *time.Timer made by
// time.AfterFunc.
type Timer struct {
	c     *Clock
	f     func()
	when  time.Time
	seq   uint64
	armed bool
}

// Stop disarms the timer; it reports whether the timer was armed.
func (t *Timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.armed
	if was {
		t.armed = false
		t.c.remove(t)
	}
	return was
}

// Reset arms the timer to fire d from now, whether or not it was armed
// or had fired; it reports whether it was armed.
func (t *Timer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.armed
	if was {
		t.c.remove(t)
	}
	t.c.arm(t, d)
	return was
}
