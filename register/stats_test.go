package register

import (
	"net/netip"
	"testing"
	"time"

	"github.com/siplocate/siplocate/locate"
)

// TestAccountStatsCount: each event moves the counter it should, and
// the state follows the registration.
func TestAccountStatsCount(t *testing.T) {
	a := locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("192.0.2.13"), Port: 5060}
	b := locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("192.0.2.12"), Port: 5060}
	var st accountStats
	for _, e := range []Event{
		{Kind: Registered, Target: a, Expires: time.Hour},
		{Kind: AttemptFailed, Target: a, Outcome: "timeout"},
		{Kind: AttemptFailed, Target: a, Outcome: "transport-error"},
		{Kind: Rejected, Target: a, Status: 403},
		{Kind: Registered, Target: b, Expires: time.Minute},
		{Kind: FailedOver, Target: b, From: a},
		{Kind: Unregistered, Target: a}, // a binding left behind: b still holds it
		{Kind: ProbeFailed, Target: a},
		{Kind: ConnectionLost, Target: b},
	} {
		st.count(e)
	}
	got := st.snapshot()
	want := AccountStats{Registered: true, Target: b, Expires: time.Minute, Registrations: 2, Rejections: 1, Timeouts: 1,
		TransportErrors: 1, Failovers: 1, ConnectionsLost: 1, ProbesFailed: 1}
	if got.Registered != want.Registered || got.Target.AddrPort() != want.Target.AddrPort() || got.Expires != want.Expires ||
		got.Registrations != 2 || got.Rejections != 1 || got.Timeouts != 1 || got.TransportErrors != 1 ||
		got.Failovers != 1 || got.ConnectionsLost != 1 || got.ProbesFailed != 1 || got.Failbacks != 0 {
		t.Errorf("stats %+v, want %+v", got, want)
	}
	st.count(Event{Kind: RoundFailed})
	if got := st.snapshot(); got.Registered || got.Target.Addr.IsValid() || got.RoundsFailed != 1 {
		t.Errorf("after a failed round: %+v", got)
	}
}

// TestAgentStats: Stats lists every running account from the start of
// Run, at 0 until its first event, and its registration after.
func TestAgentStats(t *testing.T) {
	srv := newTestServer(t, ok)
	ev := newEvents()
	acct := alice()
	a, err := New(Config{Accounts: []Account{acct}, Locator: staticLocator{[]locate.Target{srv.target}}, OnEvent: ev.add, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if s := a.Stats(); s != nil {
		t.Errorf("Stats before Run = %+v, want nil", s)
	}
	t.Cleanup(runAgent(t, a))
	ev.wait(t, Registered)
	s := a.Stats()
	if len(s) != 1 || s[0].Account != acct.AOR || !s[0].Registered || s[0].Registrations != 1 || s[0].Target.Port != srv.target.Port {
		t.Errorf("Stats = %+v, want alice registered once with the server", s)
	}
}
