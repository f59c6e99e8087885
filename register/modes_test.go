package register

import (
	"testing"
	"time"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/internal/fakeclock"
	"github.com/siplocate/siplocate/locate"
)

// The agent's clock in these tests (Config.Now) is a fakeclock.Clock
// stepped by the test: the fail-over decisions that depend on time (a
// saved target's DNS TTL, a 503's Retry-After) then follow it and not the
// wall clock. Its timers are left on the wall clock (no Config.AfterFunc),
// so refreshes come at 90% of a 1 s expiry; clock_test.go puts them on the
// fake clock too.

// refreshingAccount refreshes every 900 ms and gives up on a silent target
// after one attempt of 200 ms.
func refreshingAccount(mode failover.Mode) Account {
	acct := alice()
	acct.FailoverMode = mode
	acct.Expires = time.Second
	acct.MaxTries = 1
	acct.AttemptTimeout = 200 * time.Millisecond
	return acct
}

// waitRegisteredWith waits for n registrations and checks each is with want.
func waitRegisteredWith(t *testing.T, ev *events, want locate.Target, n int) {
	t.Helper()
	for range n {
		if got := ev.wait(t, Registered); got.Target.Port != want.Port {
			t.Fatalf("registered with %s, want %s; events: %s", targetName(got.Target), targetName(want), ev.summary())
		}
	}
}

// TestSavedUntilTTL: after a failover the backup is kept, even once the
// primary answers again, until the DNS records that gave the backup
// expire on the agent's clock; the next round walks from the top again.
func TestSavedUntilTTL(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	primary, backup := newTestServer(t, ok), newTestServer(t, ok)
	targets := []locate.Target{primary.target, backup.target}
	for i := range targets {
		targets[i].Expires = clock.Now().Add(time.Hour) // the records' TTL
	}
	ev := startWith(t, Config{Now: clock.Now}, targets, refreshingAccount(failover.SavedUntilTTL))
	waitRegisteredWith(t, ev, primary.target, 1)
	primary.silent.Store(true)
	if got := ev.wait(t, FailedOver); got.Target.Port != backup.target.Port {
		t.Fatalf("failed over to %s, want the backup", targetName(got.Target))
	}
	primary.silent.Store(false)
	waitRegisteredWith(t, ev, backup.target, 2) // refreshes: the TTL has not run out
	clock.Advance(2 * time.Hour)
	if got := ev.wait(t, FailedBack); got.Target.Port != primary.target.Port {
		t.Errorf("failed back to %s, want the primary", targetName(got.Target))
	}
	if n := ev.count(FailedBack); n != 1 {
		t.Errorf("%d failbacks, want 1: %s", n, ev.summary())
	}
}

// TestSavedUntilNoResponse: the backup is kept as long as it answers, the
// primary's return notwithstanding; when the backup goes silent the
// agent moves to the primary.
func TestSavedUntilNoResponse(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	primary, backup := newTestServer(t, ok), newTestServer(t, ok)
	ev := startWith(t, Config{Now: clock.Now}, []locate.Target{primary.target, backup.target}, refreshingAccount(failover.SavedUntilNoResponse))
	waitRegisteredWith(t, ev, primary.target, 1)
	primary.silent.Store(true)
	ev.wait(t, FailedOver)
	primary.silent.Store(false)
	clock.Advance(24 * time.Hour) // no TTL in this mode
	waitRegisteredWith(t, ev, backup.target, 3)
	backup.silent.Store(true)
	if got := ev.wait(t, FailedBack); got.Target.Port != primary.target.Port || got.From.Port != backup.target.Port {
		t.Errorf("moved from %s to %s, want backup to primary", targetName(got.From), targetName(got.Target))
	}
}

// TestStaticSwitchAndReturn is the guide's "Use Configured IP": the
// primary, the backup when the primary stops answering, and the primary
// tried first again after 3 registrations with the backup.
func TestStaticSwitchAndReturn(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	primary, backup := newTestServer(t, ok), newTestServer(t, ok)
	acct := refreshingAccount("")
	acct.DNSMode, acct.PrimaryIP, acct.BackupIPs = locate.ModeStatic, primary.target.AddrPort().String(), []string{backup.target.AddrPort().String()}
	ev := startWith(t, Config{Now: clock.Now}, []locate.Target{primary.target, backup.target}, acct)
	waitRegisteredWith(t, ev, primary.target, 1)
	primary.silent.Store(true)
	ev.wait(t, FailedOver) // the backup's first registration
	primary.silent.Store(false)
	waitRegisteredWith(t, ev, backup.target, 2) // its second and third
	if got := ev.wait(t, FailedBack); got.Target.Port != primary.target.Port {
		t.Errorf("failed back to %s, want the primary", targetName(got.Target))
	}
	onBackup := 0
	for _, e := range ev.snapshot() {
		if e.Kind == Registered && e.Target.Port == backup.target.Port {
			onBackup++
		}
	}
	if onBackup != 3 {
		t.Errorf("%d registrations with the backup before the return, want 3: %s", onBackup, ev.summary())
	}
}

// TestRetryAfterEndsOnTheClock: a target that answered 503 with
// Retry-After is left out of every round until that time has passed on
// the agent's clock, and tried again after.
func TestRetryAfterEndsOnTheClock(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	busy, srv := newTestServer(t, status(503, "Retry-After: 3600")), newTestServer(t, ok)
	ev := startWith(t, Config{Now: clock.Now}, []locate.Target{busy.target, srv.target}, refreshingAccount(failover.Default))
	waitRegisteredWith(t, ev, srv.target, 3) // the first registration and two refreshes
	if n := len(busy.requests()); n != 1 {
		t.Fatalf("busy server got %d REGISTERs within its Retry-After, want 1", n)
	}
	clock.Advance(time.Hour + time.Second)
	waitRegisteredWith(t, ev, srv.target, 1)
	if n := len(busy.requests()); n != 2 {
		t.Errorf("busy server got %d REGISTERs, want 2: tried again once its Retry-After ended", n)
	}
}
