package register

import (
	"strconv"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/internal/fakeclock"
	"github.com/siplocate/siplocate/locate"
)

// startAgentOnClock runs an agent for acct against targets with its timers
// on clock (Config.Now and Config.AfterFunc) until the test ends.
func startAgentOnClock(t *testing.T, clock *fakeclock.Clock, targets []locate.Target, acct Account) *events {
	t.Helper()
	return startWith(t, Config{
		RetryBase: 20 * time.Second, RetryMax: time.Minute,
		Now:       clock.Now,
		AfterFunc: func(d time.Duration, f func()) Timer { return clock.AfterFunc(d, f) },
	}, targets, acct)
}

// armed waits (at most 5 s of wall time) until the session has armed its
// timer after a round, and returns the timer's deadline.
func armed(t *testing.T, clock *fakeclock.Clock) time.Time {
	t.Helper()
	for range 500 {
		if d, ok := clock.NextDeadline(); ok {
			return d
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no timer armed within 5 s")
	return time.Time{}
}

// grant answers 200 granting d, whatever was asked (RFC 3261 §10.3 step 7
// lets the registrar shorten it).
func grant(d time.Duration) func(*sip.Request) *sip.Response {
	return func(req *sip.Request) *sip.Response {
		res := sip.NewResponseFromRequest(req, 200, "OK", nil)
		if c := req.Contact(); c != nil {
			res.AppendHeader(sip.NewHeader("Contact", "<"+c.Address.String()+">;expires="+strconv.Itoa(int(d.Seconds()))))
		}
		return res
	}
}

// TestRefreshTimingOnTheClock: the refresh goes out exactly when its timer
// was armed for, between 75% and 90% of the expiry the registrar granted
// (not the one asked for), counted from the 200 OK, and not a moment
// before (RFC 3261 §10.2.4 leaves the margin to the UA); it keeps the Call-ID, raises the CSeq and asks for the
// configured expiry again.
func TestRefreshTimingOnTheClock(t *testing.T) {
	start := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	clock := fakeclock.New(start)
	srv := newTestServer(t, grant(30*time.Second))
	acct := alice()
	acct.Expires = time.Minute
	ev := startAgentOnClock(t, clock, []locate.Target{srv.target}, acct)
	if got := ev.wait(t, Registered); got.Expires != 30*time.Second {
		t.Fatalf("registered for %v, want the 30 s granted", got.Expires)
	}
	for i := range 3 {
		at := clock.Now()
		due := armed(t, clock).Sub(at)
		if due < 22500*time.Millisecond || due > 27*time.Second {
			t.Fatalf("refresh %d armed for +%v after the 200 OK, want within [+22.5s, +27s] (75%% to 90%% of 30 s)", i+1, due)
		}
		before := len(srv.requests())
		clock.Advance(due - time.Millisecond)
		if n := len(srv.requests()); n != before {
			t.Fatalf("refresh %d: %d REGISTERs 1 ms before it was due", i+1, n-before)
		}
		clock.Advance(time.Millisecond) // runs the refresh round on this goroutine
		reqs := srv.requests()
		if len(reqs) != before+1 {
			t.Fatalf("refresh %d: %d REGISTERs when due, want 1", i+1, len(reqs)-before)
		}
		prev, r := reqs[before-1], reqs[before]
		if r.CallID().Value() != prev.CallID().Value() || r.CSeq().SeqNo <= prev.CSeq().SeqNo {
			t.Errorf("refresh %d: Call-ID %s CSeq %d after %s %d", i+1, r.CallID().Value(), r.CSeq().SeqNo, prev.CallID().Value(), prev.CSeq().SeqNo)
		}
		if got := r.GetHeader("Expires").Value(); got != "60" {
			t.Errorf("refresh %d asked for Expires %s, want 60", i+1, got)
		}
		ev.wait(t, Registered)
	}
}

// TestRetryTimingOnTheClock: after a round in which no target answered,
// the next round is due after exactly the wait the RoundFailed event
// announced, and not before.
func TestRetryTimingOnTheClock(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	srv := newTestServer(t, ok)
	srv.silent.Store(true)
	acct := alice()
	acct.MaxTries, acct.AttemptTimeout = 1, 200*time.Millisecond
	ev := startAgentOnClock(t, clock, []locate.Target{srv.target}, acct)
	for i := range 2 {
		failed := ev.wait(t, RoundFailed)
		if failed.Retry <= 0 {
			t.Fatalf("round %d failed with retry %v", i+1, failed.Retry)
		}
		at := clock.Now()
		if d := armed(t, clock); d != at.Add(failed.Retry) {
			t.Fatalf("retry %d armed for +%v, want the +%v announced", i+1, d.Sub(at), failed.Retry)
		}
		attempts := countKind(ev, Registering)
		clock.Advance(failed.Retry - time.Millisecond)
		if n := countKind(ev, Registering); n != attempts {
			t.Fatalf("retry %d: %d attempts before it was due", i+1, n-attempts)
		}
		clock.Advance(time.Millisecond)
		if n := countKind(ev, Registering); n != attempts+1 {
			t.Fatalf("retry %d: %d attempts when due, want 1", i+1, n-attempts)
		}
	}
}

func countKind(e *events, k Kind) int {
	n := 0
	for _, ev := range e.snapshot() {
		if ev.Kind == k {
			n++
		}
	}
	return n
}
