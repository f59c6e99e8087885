//go:build go1.25

package register

import (
	"context"
	"reflect"
	"testing"
	"testing/synctest"
	"time"
)

// startInMemory is runInMemory that also returns the agent.
func startInMemory(t *testing.T, cfg Config, m *memStack, servers []*memServer, accounts ...Account) (*Agent, *events, func() error) {
	t.Helper()
	ev := newEvents()
	cfg.Accounts, cfg.Locator, cfg.OnEvent = accounts, staticLocator{targetsOf(servers)}, ev.add
	cfg.Logger = testLogger()
	if cfg.RetryBase == 0 {
		cfg.RetryBase, cfg.RetryMax = 20*time.Second, time.Minute
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.install(a)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	return a, ev, func() error { cancel(); return <-done }
}

// TestStatusRegistered: a registered account reports its target, since
// when, the expiry left (counting down on the agent's clock) and the
// 200 OK; a refresh keeps the since.
func TestStatusRegistered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, servers := newMemStack(1, grant(time.Minute))
		a, _, stop := startInMemory(t, Config{}, mem, servers, alice())
		defer stop()
		synctest.Wait()
		if got := a.Status(); len(got) != 1 {
			t.Fatalf("%d statuses, want 1", len(got))
		}
		start := time.Now()
		step(10 * time.Second)
		st := a.Status()[0]
		want := AccountStatus{Name: "sip:alice@example.com", AOR: "sip:alice@example.com", State: StateRegistered,
			Target: servers[0].target, RegisteredSince: start, ExpiresIn: 50 * time.Second, LastStatus: 200, LastReason: "OK"}
		if !reflect.DeepEqual(st, want) {
			t.Errorf("status\n got %+v\nwant %+v", st, want)
		}
		step(time.Minute) // refreshed meanwhile
		st = a.Status()[0]
		if st.State != StateRegistered || !st.RegisteredSince.Equal(start) || st.ExpiresIn <= 0 || st.ExpiresIn > time.Minute {
			t.Errorf("after a refresh: %+v, want registered since %v with up to 60 s left", st, start)
		}
	})
}

// TestStatusFailing: an account no target answers is failing, with the
// failures counted and the last error; one that a registrar rejects
// shows the response.
func TestStatusFailing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, servers := newMemStack(2, ok)
		servers[0].set(true, false)
		servers[1].handler = status(403)
		acct := alice()
		acct.MaxTries = 1
		a, _, stop := startInMemory(t, Config{}, mem, servers, acct)
		defer stop()
		step(time.Second)
		st := a.Status()[0]
		if st.State != StateFailing || st.ConsecutiveFailures != 2 || st.LastStatus != 403 || st.LastReason != "Test" ||
			st.LastError == nil || st.Target.AddrPort() != servers[1].target.AddrPort() || !st.RegisteredSince.IsZero() || st.ExpiresIn != 0 {
			t.Errorf("status %+v, want failing after 2 failures, the 403 from %v", st, servers[1].target)
		}
	})
}

// TestStatusUnregistered: after Run the binding was removed, and Status
// says so.
func TestStatusUnregistered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, servers := newMemStack(1, ok)
		a, _, stop := startInMemory(t, Config{}, mem, servers, alice())
		synctest.Wait()
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if st := a.Status()[0]; st.State != StateUnregistered || st.ExpiresIn != 0 {
			t.Errorf("status after Run %+v, want unregistered", st)
		}
	})
}
