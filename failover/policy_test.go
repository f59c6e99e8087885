package failover

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/siplocate/siplocate/locate"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// target returns a UDP target named by the last octet of 192.0.2.x, with
// records expiring ttl after t0 (0: no expiry).
func target(octet byte, ttl time.Duration) locate.Target {
	t := locate.Target{
		Transport: locate.UDP,
		Addr:      netip.AddrFrom4([4]byte{192, 0, 2, octet}),
		Port:      5060,
	}
	if ttl > 0 {
		t.Expires = t0.Add(ttl)
	}
	return t
}

// step is one action on a Policy at a time offset from t0.
type step struct {
	at         time.Duration
	begin      bool           // start a round first
	failback   bool           // start a failback round first
	want       string         // the target Next should return ("" for none)
	outcome    Outcome        // reported for want
	retryAfter time.Duration  // with Unavailable
	suspend    locate.Target  // suspended before the round when set
	resume     locate.Target  // resumed before the round when set
	wantDone   bool           // Done after the report
	report     *locate.Target // report this target instead of want
}

// play runs steps against p, naming targets by names.
func play(t *testing.T, p *Policy, names map[string]locate.Target, steps []step) {
	t.Helper()
	for i, s := range steps {
		now := t0.Add(s.at)
		if s.suspend.Addr.IsValid() {
			p.Suspend(s.suspend)
		}
		if s.resume.Addr.IsValid() {
			p.Resume(s.resume)
		}
		switch {
		case s.begin:
			p.Begin(now)
		case s.failback:
			p.BeginFailback()
		}
		got, ok := p.Next(now)
		gotName := ""
		for n, tg := range names {
			if ok && Key(tg) == Key(got) {
				gotName = n
			}
		}
		if gotName != s.want {
			t.Fatalf("step %d: Next = %q, want %q", i, gotName, s.want)
		}
		if !ok {
			continue
		}
		r := got
		if s.report != nil {
			r = *s.report
		}
		p.Report(r, s.outcome, s.retryAfter, now)
		if p.Done() != s.wantDone {
			t.Fatalf("step %d: Done = %v, want %v", i, p.Done(), s.wantDone)
		}
	}
}

// TestTry: the attempt number at the current target counts the unanswered
// ones, and starts again at the next target (issue 14: "attempt 2/3").
func TestTry(t *testing.T) {
	now := time.Unix(0, 0)
	a, b := locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("192.0.2.13"), Port: 5060}, locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("192.0.2.12"), Port: 5060}
	p := New(Config{MaxTries: 2})
	p.SetTargets([]locate.Target{a, b})
	p.Begin(now)
	var got []string
	for range 4 {
		t1, ok := p.Next(now)
		if !ok {
			break
		}
		n, max := p.Try()
		got = append(got, fmt.Sprintf("%s %d/%d", t1.Addr, n, max))
		p.Report(t1, TimedOut, 0, now)
	}
	if want := "[192.0.2.13 1/2 192.0.2.13 2/2 192.0.2.12 1/2 192.0.2.12 2/2]"; fmt.Sprint(got) != want {
		t.Errorf("attempts %v, want %s", got, want)
	}
}

func TestModes(t *testing.T) {
	a, b, c := target(13, 300*time.Second), target(12, 300*time.Second), target(11, 0)
	names := map[string]locate.Target{"a": a, "b": b, "c": c}
	tests := []struct {
		name  string
		cfg   Config
		steps []step
	}{
		{
			name: "default walks from the top each round and fails back at refresh",
			cfg:  Config{Mode: Default},
			steps: []step{
				{begin: true, want: "a", outcome: TimedOut},
				{want: "a", outcome: TimedOut},
				{want: "a", outcome: TimedOut},
				{want: "b", outcome: Answered, wantDone: true},
				{at: time.Hour, begin: true, want: "a", outcome: Answered, wantDone: true},
			},
		},
		{
			name: "default with max tries 1",
			cfg:  Config{Mode: Default, MaxTries: 1},
			steps: []step{
				{begin: true, want: "a", outcome: TimedOut},
				{want: "b", outcome: TimedOut},
				{want: "c", outcome: TimedOut},
				{want: ""},
			},
		},
		{
			name: "transport error moves on at once",
			cfg:  Config{},
			steps: []step{
				{begin: true, want: "a", outcome: TransportFailed},
				{want: "b", outcome: TransportFailed},
				{want: "c", outcome: Answered, wantDone: true},
				{want: ""},
			},
		},
		{
			name: "503 without Retry-After moves on but is tried next round",
			cfg:  Config{},
			steps: []step{
				{begin: true, want: "a", outcome: Unavailable},
				{want: "b", outcome: Answered, wantDone: true},
				{at: time.Second, begin: true, want: "a", outcome: Answered, wantDone: true},
			},
		},
		{
			name: "503 with Retry-After is skipped until then",
			cfg:  Config{},
			steps: []step{
				{begin: true, want: "a", outcome: Unavailable, retryAfter: time.Minute},
				{want: "b", outcome: Answered, wantDone: true},
				{at: 59 * time.Second, begin: true, want: "b", outcome: Answered, wantDone: true},
				{at: time.Minute, begin: true, want: "a", outcome: Answered, wantDone: true},
			},
		},
		{
			name: "saved-until-ttl keeps the saved target until its records expire",
			cfg:  Config{Mode: SavedUntilTTL},
			steps: []step{
				{begin: true, want: "a", outcome: TransportFailed},
				{want: "b", outcome: Answered, wantDone: true},
				{at: 100 * time.Second, begin: true, want: "b", outcome: Answered, wantDone: true},
				{at: 299 * time.Second, begin: true, want: "b", outcome: Answered, wantDone: true},
				{at: 300 * time.Second, begin: true, want: "a", outcome: Answered, wantDone: true},
			},
		},
		{
			name: "saved-until-ttl saved target unanswered falls to the list",
			cfg:  Config{Mode: SavedUntilTTL, MaxTries: 1},
			steps: []step{
				{begin: true, want: "a", outcome: TransportFailed},
				{want: "b", outcome: Answered, wantDone: true},
				{at: time.Second, begin: true, want: "b", outcome: TimedOut},
				{at: time.Second, want: "a", outcome: Answered, wantDone: true},
			},
		},
		{
			name: "saved-until-no-response keeps the saved target while it answers",
			cfg:  Config{Mode: SavedUntilNoResponse},
			steps: []step{
				{begin: true, want: "a", outcome: TransportFailed},
				{want: "b", outcome: Answered, wantDone: true},
				{at: time.Hour, begin: true, want: "b", outcome: Answered, wantDone: true},
				{at: 2 * time.Hour, begin: true, want: "b", outcome: TimedOut},
				{want: "b", outcome: TimedOut},
				{want: "b", outcome: TimedOut},
				{want: "a", outcome: Answered, wantDone: true},
				{at: 3 * time.Hour, begin: true, want: "a", outcome: Answered, wantDone: true},
			},
		},
		{
			name: "failback round walks from the top in a saved mode",
			cfg:  Config{Mode: SavedUntilNoResponse},
			steps: []step{
				{begin: true, want: "a", outcome: TransportFailed},
				{want: "b", outcome: Answered, wantDone: true},
				{failback: true, want: "a", outcome: Answered, wantDone: true},
			},
		},
		{
			name: "suspended target is tried last, resumed target first again",
			cfg:  Config{},
			steps: []step{
				{begin: true, suspend: a, want: "b", outcome: TimedOut},
				{want: "b", outcome: TimedOut},
				{want: "b", outcome: TimedOut},
				{want: "c", outcome: TimedOut},
				{want: "c", outcome: TimedOut},
				{want: "c", outcome: TimedOut},
				{want: "a", outcome: Answered, wantDone: true},
				{begin: true, suspend: a, want: "b", outcome: Answered, wantDone: true},
				{begin: true, resume: a, want: "a", outcome: Answered, wantDone: true},
			},
		},
		{
			name: "a report for another target is ignored",
			cfg:  Config{MaxTries: 1},
			steps: []step{
				{begin: true, want: "a", outcome: TimedOut, report: &b},
				{want: "a", outcome: TimedOut},
				{want: "b", outcome: Answered, wantDone: true},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := New(tc.cfg)
			p.SetTargets([]locate.Target{a, b, c})
			play(t, p, names, tc.steps)
		})
	}
}
