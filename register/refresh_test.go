package register

import (
	"testing"
	"time"

	"github.com/siplocate/siplocate/locate"
)

// TestRefreshCountsFromTheAnswer: after a refresh round that spent three
// unanswered attempts on a silent primary before the backup took the
// registration, the next refresh comes at least 75% of the granted expiry after
// the backup's 200 OK, not after the round's start. Only a lower bound is
// checked: timers never fire early, so a loaded machine cannot fail it.
func TestRefreshCountsFromTheAnswer(t *testing.T) {
	primary, backup := newTestServer(t, ok), newTestServer(t, ok)
	acct := alice()
	acct.Expires = 2 * time.Second
	acct.MaxTries = 3
	acct.AttemptTimeout = 300 * time.Millisecond
	ev, _ := startAgent(t, []locate.Target{primary.target, backup.target}, acct)
	ev.wait(t, Registered)
	primary.silent.Store(true)
	over := ev.wait(t, FailedOver)
	next := ev.wait(t, Registering)
	want, _ := acct.refreshWindow(acct.Expires)
	if got := next.Time.Sub(over.Time); got < want {
		t.Errorf("refresh %v after the backup's 200 OK, want at least %v; events: %s", got, want, ev.summary())
	}
}
