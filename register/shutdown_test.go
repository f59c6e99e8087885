package register

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/locate"
)

// manyAccounts returns n accounts on example.com with fast timers.
func manyAccounts(n int) []Account {
	accounts := make([]Account, n)
	for i := range accounts {
		accounts[i] = Account{AOR: fmt.Sprintf("sip:u%d@example.com", i), Server: "example.com", Expires: time.Hour, AttemptTimeout: time.Second}
	}
	return accounts
}

// isUnregister reports whether req asks to remove its binding.
func isUnregister(req *sip.Request) bool {
	h := req.GetHeader("Expires")
	return h != nil && h.Value() == "0"
}

// unregisterCallIDs returns the distinct Call-IDs of the unregisters srv
// received.
func unregisterCallIDs(srv *testServer) map[string]bool {
	ids := map[string]bool{}
	for _, req := range srv.requests() {
		if isUnregister(req) {
			ids[string(*req.CallID())] = true
		}
	}
	return ids
}

// counter counts an agent's events by kind, and closes full when the
// Registered events reach want.
type counter struct {
	mu    sync.Mutex
	kinds map[Kind]int
	want  int
	full  chan struct{}
}

func newCounter(want int) *counter {
	return &counter{kinds: map[Kind]int{}, want: want, full: make(chan struct{})}
}

func (c *counter) add(e Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.kinds[e.Kind]++
	if e.Kind == Registered && c.kinds[Registered] == c.want {
		close(c.full)
	}
}

func (c *counter) count(k Kind) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.kinds[k]
}

// runUntilRegistered runs an agent for accounts against srv until every
// account registered once, then cancels it and returns Run's error.
func runUntilRegistered(t *testing.T, srv *testServer, c *counter, shutdown time.Duration, accounts []Account) error {
	t.Helper()
	a, err := New(Config{Accounts: accounts, Locator: staticLocator{[]locate.Target{srv.target}}, OnEvent: c.add, Logger: testLogger(), ShutdownTimeout: shutdown})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	select {
	case <-c.full:
	case <-time.After(30 * time.Second):
		t.Errorf("%d of %d accounts registered after 30 s", c.count(Registered), len(accounts))
	}
	cancel()
	return <-done
}

// TestRunUnregistersEveryAccount: more accounts than unregisters in flight
// at once all unregister when the agent stops (RFC 3261 §10.2.2).
func TestRunUnregistersEveryAccount(t *testing.T) {
	n := 2*maxInFlight + 17
	srv := newTestServer(t, ok)
	c := newCounter(n)
	if err := runUntilRegistered(t, srv, c, time.Minute, manyAccounts(n)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := c.count(Unregistered); got != n {
		t.Errorf("%d Unregistered events, want %d", got, n)
	}
	if got := len(unregisterCallIDs(srv)); got != n {
		t.Errorf("server saw unregisters from %d accounts, want %d", got, n)
	}
}

// TestRunShutdownBounded: against a server that never answers an
// unregister, Run still returns once the shutdown timeout has passed, and
// no more than maxInFlight unregisters were ever sent: a slot is freed
// only by an answer or an attempt timeout, and the attempt timeout here is
// longer than the test.
func TestRunShutdownBounded(t *testing.T) {
	n := 3 * maxInFlight
	firstUnregister := make(chan struct{})
	var once sync.Once
	srv := newTestServer(t, func(req *sip.Request) *sip.Response {
		if isUnregister(req) {
			once.Do(func() { close(firstUnregister) })
			return nil
		}
		return ok(req)
	})
	accounts := manyAccounts(n)
	for i := range accounts {
		accounts[i].AttemptTimeout = time.Hour
	}
	c := newCounter(n)
	if err := runUntilRegistered(t, srv, c, 200*time.Millisecond, accounts); err != nil {
		t.Fatalf("Run: %v", err)
	}
	select {
	case <-firstUnregister:
	case <-time.After(10 * time.Second):
		t.Fatal("no unregister reached the server")
	}
	if got := len(unregisterCallIDs(srv)); got > maxInFlight {
		t.Errorf("server saw unregisters from %d accounts, want at most %d", got, maxInFlight)
	}
	if u := c.count(Unregistered); u != 0 {
		t.Errorf("%d Unregistered events from a server that never answers one", u)
	}
}

// TestRejoinAfterLostConnectionBounded: when the TCP connection that holds
// many accounts' bindings closes, they all start a round at that moment;
// at most maxInFlight of those rounds are in flight at once, like first
// registrations. The server goes silent as it drops the connection and
// the attempts outlast the test, so no slot is freed.
func TestRejoinAfterLostConnectionBounded(t *testing.T) {
	n := 2*maxInFlight + 10
	var silent atomic.Bool
	var after atomic.Int64
	okReply := rawResponse("200 OK", with("Expires: 3600")...)
	srv := newDroppingServer(t, func(req *sip.Request) string {
		if silent.Load() {
			after.Add(1)
			return ""
		}
		return okReply(req)
	})
	accounts := manyAccounts(n)
	for i := range accounts {
		accounts[i].AttemptTimeout = time.Hour
	}
	c := newCounter(n)
	a, err := New(Config{Accounts: accounts, Locator: staticLocator{[]locate.Target{srv.target}}, OnEvent: c.add, Logger: testLogger(), ShutdownTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(runAgent(t, a))
	select {
	case <-c.full:
	case <-time.After(30 * time.Second):
		t.Fatalf("%d of %d accounts registered after 30 s", c.count(Registered), n)
	}
	silent.Store(true)
	srv.drop()
	for i := 0; after.Load() < maxInFlight && i < 1000; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // room for any round beyond the bound
	if got := after.Load(); got == 0 || got > maxInFlight {
		t.Errorf("%d REGISTERs after the connection was lost, want between 1 and %d (of %d accounts)", got, maxInFlight, n)
	}
	if got := c.count(ConnectionLost); got != n {
		t.Errorf("%d connection-lost events, want %d", got, n)
	}
}
