//go:build go1.25

package register

import (
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// These tests run the agent on an in-memory SIP stack (memStack) inside a
// testing/synctest bubble: the agent's clock (the default, time.Now and
// time.AfterFunc) is the bubble's, which moves only when every goroutine
// in it is blocked, so a refresh an hour away comes at once, exactly when
// due, and no test waits or sleeps in wall time. A silent target costs
// its attempt timeout on that clock, as on a real one.

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

func countKind(e *events, k Kind) int { return len(e.kinds(k)) }

// step moves the bubble's clock d on and waits until the agent is idle.
func step(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// TestRefreshTimingOnTheClock: each refresh goes out between 75% and 90%
// of the expiry the registrar granted (not the one asked for), counted
// from the 200 OK (RFC 3261 §10.2.4 leaves the margin to the UA); it keeps
// the Call-ID, raises the CSeq and asks for the configured expiry again.
func TestRefreshTimingOnTheClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, servers := newMemStack(1, grant(30*time.Second))
		acct := alice()
		acct.Expires = time.Minute
		ev, stop := runInMemory(Config{}, mem, servers, acct)
		defer stop()
		synctest.Wait()
		step(4 * 30 * time.Second) // three refreshes at most 27 s apart, and more
		regs := ev.kinds(Registered)
		if len(regs) < 4 {
			t.Fatalf("%d registrations in 120 s of 30 s grants: %s", len(regs), ev.summary())
		}
		starts := ev.kinds(Registering)
		reqs := servers[0].requests()
		for i := 1; i <= 3; i++ {
			if regs[i-1].Expires != 30*time.Second {
				t.Errorf("registration %d for %v, want the 30 s granted", i, regs[i-1].Expires)
			}
			due := starts[i].Time.Sub(regs[i-1].Time)
			if due < 22500*time.Millisecond || due > 27*time.Second {
				t.Errorf("refresh %d went out %v after the 200 OK, want within [22.5s, 27s] (75%% to 90%% of 30 s)", i, due)
			}
			prev, r := reqs[i-1], reqs[i]
			if r.CallID().Value() != prev.CallID().Value() || r.CSeq().SeqNo <= prev.CSeq().SeqNo {
				t.Errorf("refresh %d: Call-ID %s CSeq %d after %s %d", i, r.CallID().Value(), r.CSeq().SeqNo, prev.CallID().Value(), prev.CSeq().SeqNo)
			}
			if got := r.GetHeader("Expires").Value(); got != "60" {
				t.Errorf("refresh %d asked for Expires %s, want 60", i, got)
			}
		}
	})
}

// TestRetryTimingOnTheClock: after a round in which no target answered,
// the next round begins exactly the wait the RoundFailed event announced
// after it, and the waits grow (RFC 5626 §4.5).
func TestRetryTimingOnTheClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, servers := newMemStack(1, ok)
		servers[0].set(true, false)
		acct := alice()
		acct.MaxTries, acct.AttemptTimeout = 1, 200*time.Millisecond
		ev, stop := runInMemory(Config{RetryBase: 20 * time.Second, RetryMax: time.Hour}, mem, servers, acct)
		defer stop()
		step(10 * time.Minute)
		failed, starts := ev.kinds(RoundFailed), ev.kinds(Registering)
		if len(failed) < 4 || len(starts) < len(failed) {
			t.Fatalf("%d failed rounds, %d attempts in 10 min", len(failed), len(starts))
		}
		for i, f := range failed[:3] {
			if got := starts[i+1].Time.Sub(f.Time); got != f.Retry {
				t.Errorf("retry %d began %v after the failed round, want the %v announced", i+1, got, f.Retry)
			}
			if got := f.Time.Sub(starts[i].Time); got != acct.AttemptTimeout {
				t.Errorf("round %d took %v, want one attempt timeout (%v)", i+1, got, acct.AttemptTimeout)
			}
		}
		if min3 := 40 * time.Second; failed[2].Retry < min3 { // 80 s less up to half
			t.Errorf("third retry wait %v, want at least %v: the wait doubles", failed[2].Retry, min3)
		}
	})
}

// TestRefreshCountsFromTheAnswer: after a refresh round that spent three
// unanswered attempts (4 s each) on a silent primary before the backup
// took the registration, the next refresh comes 75-90% of the granted
// expiry after the backup's 200 OK, not after the round's start.
func TestRefreshCountsFromTheAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, servers := newMemStack(2, ok)
		acct := alice()
		acct.Expires, acct.MaxTries, acct.AttemptTimeout = time.Minute, 3, 4*time.Second
		ev, stop := runInMemory(Config{}, mem, servers, acct)
		defer stop()
		synctest.Wait()
		servers[0].set(true, false)
		step(70 * time.Second) // the refresh (45-54 s) and its 12 s on the primary
		over := ev.kinds(FailedOver)
		if len(over) != 1 || over[0].Target.AddrPort() != servers[1].target.AddrPort() {
			t.Fatalf("failovers %v, want one to the backup", over)
		}
		if n := servers[0].registers(); n != 4 {
			t.Errorf("primary got %d REGISTERs, want 1 and 3 unanswered", n)
		}
		step(time.Minute)
		var next Event
		for _, e := range ev.kinds(Registering) {
			if e.Time.After(over[0].Time) {
				next = e
				break
			}
		}
		earliest, latest := acct.refreshWindow(acct.Expires)
		if got := next.Time.Sub(over[0].Time); got < earliest || got > latest {
			t.Errorf("refresh %v after the backup's 200 OK, want within [%v, %v]", got, earliest, latest)
		}
	})
}

// refreshingAccount refreshes by 900 ms and gives up on a silent target
// after one attempt of 200 ms.
func refreshingAccount(mode failover.Mode) Account {
	acct := alice()
	acct.FailoverMode = mode
	acct.Expires = time.Second
	acct.MaxTries = 1
	acct.AttemptTimeout = 200 * time.Millisecond
	return acct
}

// registeredWith counts the registrations with target.
func registeredWith(ev *events, target locate.Target) int {
	n := 0
	for _, e := range ev.kinds(Registered) {
		if e.Target.AddrPort() == target.AddrPort() {
			n++
		}
	}
	return n
}

// TestSavedUntilTTL: after a failover the backup is kept, even once the
// primary answers again, until the DNS records that gave the backup
// expire on the agent's clock; the next round walks from the top again.
func TestSavedUntilTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, servers := newMemStack(2, ok)
		for _, s := range servers {
			s.target.Expires = time.Now().Add(time.Hour) // the records' TTL
		}
		ev, stop := runInMemory(Config{}, mem, servers, refreshingAccount(failover.SavedUntilTTL))
		defer stop()
		synctest.Wait()
		servers[0].set(true, false)
		step(2 * time.Second)
		if got := ev.kinds(FailedOver); len(got) != 1 || got[0].Target.AddrPort() != servers[1].target.AddrPort() {
			t.Fatalf("failovers %v, want one to the backup", got)
		}
		servers[0].set(false, false)
		step(30 * time.Minute)
		if n := countKind(ev, FailedBack); n != 0 {
			t.Fatalf("failed back within the records' TTL: %s", ev.summary())
		}
		step(time.Hour)
		back := ev.kinds(FailedBack)
		if len(back) != 1 || back[0].Target.AddrPort() != servers[0].target.AddrPort() {
			t.Fatalf("failbacks %v, want one to the primary", back)
		}
		if ttl := servers[0].target.Expires; back[0].Time.Before(ttl) || back[0].Time.After(ttl.Add(time.Second)) {
			t.Errorf("failed back at %v, want within a refresh after the TTL's end %v", back[0].Time, ttl)
		}
	})
}

// TestSavedUntilNoResponse: the backup is kept as long as it answers, the
// primary's return notwithstanding; when the backup goes silent the agent
// moves to the primary.
func TestSavedUntilNoResponse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, servers := newMemStack(2, ok)
		ev, stop := runInMemory(Config{}, mem, servers, refreshingAccount(failover.SavedUntilNoResponse))
		defer stop()
		synctest.Wait()
		servers[0].set(true, false)
		step(2 * time.Second)
		servers[0].set(false, false)
		step(24 * time.Hour) // no TTL in this mode
		if n := countKind(ev, FailedBack); n != 0 || registeredWith(ev, servers[1].target) < 1000 {
			t.Fatalf("%d failbacks, %d registrations with the backup in a day", n, registeredWith(ev, servers[1].target))
		}
		servers[1].set(true, false)
		step(2 * time.Second)
		if got := ev.kinds(FailedBack); len(got) != 1 || got[0].Target.AddrPort() != servers[0].target.AddrPort() || got[0].From.AddrPort() != servers[1].target.AddrPort() {
			t.Errorf("failbacks %v, want one from the backup to the primary", got)
		}
	})
}

// TestStaticSwitchAndReturn is the guide's "Use Configured IP": the
// primary, the backup when the primary stops answering, and the primary
// tried first again after 3 registrations with the backup.
func TestStaticSwitchAndReturn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, servers := newMemStack(2, ok)
		acct := refreshingAccount("")
		acct.DNSMode, acct.PrimaryIP, acct.BackupIPs = locate.ModeStatic, servers[0].target.AddrPort().String(), []string{servers[1].target.AddrPort().String()}
		ev, stop := runInMemory(Config{}, mem, servers, acct)
		defer stop()
		synctest.Wait()
		servers[0].set(true, false)
		step(2 * time.Second)
		servers[0].set(false, false)
		step(10 * time.Second)
		back := ev.kinds(FailedBack)
		if len(back) == 0 || back[0].Target.AddrPort() != servers[0].target.AddrPort() {
			t.Fatalf("failbacks %v, want the primary", back)
		}
		onBackup := 0
		for _, e := range ev.kinds(Registered) {
			if e.Target.AddrPort() == servers[1].target.AddrPort() && e.Time.Before(back[0].Time) {
				onBackup++
			}
		}
		if onBackup != 3 {
			t.Errorf("%d registrations with the backup before the return, want 3: %s", onBackup, ev.summary())
		}
	})
}

// TestRetryAfterEndsOnTheClock: a target that answered 503 with
// Retry-After is left out of every round until that time has passed on
// the agent's clock, and tried again after.
func TestRetryAfterEndsOnTheClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, servers := newMemStack(2, ok)
		servers[0].handler = status(503, "Retry-After: 3600")
		ev, stop := runInMemory(Config{}, mem, servers, refreshingAccount(failover.Default))
		defer stop()
		step(time.Hour - time.Second)
		if n := servers[0].registers(); n != 1 || registeredWith(ev, servers[1].target) < 1000 {
			t.Fatalf("busy server got %d REGISTERs within its Retry-After, want 1 (%d registrations with the other)", n, registeredWith(ev, servers[1].target))
		}
		step(2 * time.Second)
		if n := servers[0].registers(); n != 2 {
			t.Errorf("busy server got %d REGISTERs, want 2: tried again once its Retry-After ended", n)
		}
	})
}

// TestTransportErrorMovesOnAtOnce: a target refusing (ICMP port
// unreachable, a refused connection) is left after one attempt that costs
// no time, whatever the attempt timeout (RFC 3263 §4.3).
func TestTransportErrorMovesOnAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, servers := newMemStack(2, ok)
		servers[0].set(false, true)
		acct := alice()
		acct.AttemptTimeout = time.Minute
		start := time.Now()
		ev, stop := runInMemory(Config{}, mem, servers, acct)
		defer stop()
		synctest.Wait()
		regs := ev.kinds(Registered)
		if len(regs) != 1 || regs[0].Target.AddrPort() != servers[1].target.AddrPort() || !regs[0].Time.Equal(start) {
			t.Errorf("registrations %v, want the backup's at once", regs)
		}
		if got := ev.kinds(AttemptFailed); len(got) != 1 || got[0].Outcome != "transport-error" {
			t.Errorf("failed attempts %v, want one transport error", got)
		}
	})
}

// TestProbeFailoverAndFailbackInMemory: with probes every 2 s, a primary that goes
// silent is left within a probe interval and its timeout, long before the
// hour's refresh, and taken back as soon as a probe is answered again.
func TestProbeFailoverAndFailbackInMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, servers := newMemStack(2, ok)
		acct := alice()
		acct.Probe, acct.MaxTries, acct.AttemptTimeout = 2*time.Second, 1, time.Second
		ev, stop := runInMemory(Config{}, mem, servers, acct)
		defer stop()
		synctest.Wait()
		silent := time.Now()
		servers[0].set(true, false)
		step(5 * time.Second)
		over := ev.kinds(FailedOver)
		if len(over) != 1 || over[0].Target.AddrPort() != servers[1].target.AddrPort() {
			t.Fatalf("failovers %v, want one to the backup; events: %s", over, ev.summary())
		}
		// noticed by the next probe (2 s) after its timeout (0.5 s), then one attempt of 1 s
		if got := over[0].Time.Sub(silent); got > 2*time.Second+500*time.Millisecond+time.Second {
			t.Errorf("failed over %v after the primary went silent, want within 3.5 s", got)
		}
		back := time.Now()
		servers[0].set(false, false)
		step(5 * time.Second)
		fb := ev.kinds(FailedBack)
		if len(fb) != 1 || fb[0].Target.AddrPort() != servers[0].target.AddrPort() {
			t.Fatalf("failbacks %v, want one to the primary; events: %s", fb, ev.summary())
		}
		if got := fb[0].Time.Sub(back); got > 2*time.Second {
			t.Errorf("failed back %v after the primary answered again, want within one probe interval", got)
		}
		if n := countKind(ev, Registered); n != 3 {
			t.Errorf("%d registrations, want 3 (first, failover, failback): no refresh is due within the hour", n)
		}
	})
}
