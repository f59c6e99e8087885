package register

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/siplocate/siplocate/locate"
)

// TestBadAccountsRefusedOthersGoOn starts one agent with an account of
// each kind of bad configuration beside a good one: each bad account is
// refused at start with its key and reason (an event and a warning), and
// the good one registers.
func TestBadAccountsRefusedOthersGoOn(t *testing.T) {
	bad := []struct {
		name string
		edit func(*Account)
		key  string
	}{
		{name: "bad-aor", edit: func(a *Account) { a.AOR = "sip:al ice@example.com" }, key: "aor"},
		{name: "bad-dns-mode", edit: func(a *Account) { a.DNSMode = "carrier-pigeon" }, key: "dns_mode"},
		{name: "bad-failover-mode", edit: func(a *Account) { a.FailoverMode = "sometimes" }, key: "failover_mode"},
		{name: "bad-primary-ip", edit: func(a *Account) { a.DNSMode, a.PrimaryIP = locate.ModeStatic, "192.0.2.300" }, key: "primary_ip/backup_ips"},
		{name: "negative-expires", edit: func(a *Account) { a.Expires = -time.Minute }, key: "expires"},
		{name: "bad-server", edit: func(a *Account) { a.Server = "exa mple.com" }, key: "server"},
	}
	srv := newTestServer(t, ok)
	good := alice()
	good.Name = "good"
	accounts := []Account{good}
	for _, b := range bad {
		a := alice()
		a.Name = b.name
		b.edit(&a)
		accounts = append(accounts, a)
	}
	rec := newLogRecorder()
	ev := newEvents()
	a, err := New(Config{Accounts: accounts, Locator: staticLocator{[]locate.Target{srv.target}}, OnEvent: ev.add, Logger: slog.New(rec)})
	if err != nil {
		t.Fatal(err)
	}
	stop := runUntilStopped(t, a)
	if got := ev.wait(t, Registered); got.Account != "good" {
		t.Errorf("registered %q, want good", got.Account)
	}
	refused := map[string]Event{}
	for _, e := range ev.snapshot() {
		if e.Kind == Refused {
			refused[e.Account] = e
		}
	}
	for _, b := range bad {
		e, ok := refused[b.name]
		var ce *ConfigError
		if !ok || !errors.As(e.Err, &ce) || ce.Key != b.key || ce.Reason == "" {
			t.Errorf("%s: refused %v with %v, want a ConfigError for %s", b.name, ok, e.Err, b.key)
		}
		if !anyContains(rec.lines(slog.LevelWarn), "account refused", "account="+b.name, b.key+": ") {
			t.Errorf("%s: no warning naming the account and %s", b.name, b.key)
		}
	}
	if err := stop(); err != nil {
		t.Errorf("Run = %v, want nil: the only valid account registered", err)
	}
}

// TestNoValidAccount checks that Run fails at once, naming the cause,
// when every account is refused.
func TestNoValidAccount(t *testing.T) {
	acct := alice()
	acct.DNSMode = "dns"
	a, err := New(Config{Accounts: []Account{acct}, Locator: staticLocator{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := runUntilStopped(t, a)(); err == nil || errors.Is(err, ErrNeverRegistered) {
		t.Errorf("Run = %v, want an error saying no account is valid", err)
	}
}

// runUntilStopped runs a until the returned stop is called (at the latest
// when the test ends); stop returns what Run returned.
func runUntilStopped(t *testing.T, a *Agent) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func TestNewRefusesDuplicateNames(t *testing.T) {
	a, b := alice(), alice() // same AOR, no name: both named by it
	if _, err := New(Config{Accounts: []Account{a, b}, Locator: staticLocator{}}); !errors.Is(err, ErrDuplicateName) {
		t.Errorf("New: %v, want ErrDuplicateName", err)
	}
	b.Name = "alice2"
	if _, err := New(Config{Accounts: []Account{a, b}, Locator: staticLocator{}}); err != nil {
		t.Errorf("New with distinct names: %v", err)
	}
}
