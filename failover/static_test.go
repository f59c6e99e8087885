package failover

import (
	"testing"
	"time"

	"github.com/siplocate/siplocate/locate"
)

func TestStatic(t *testing.T) {
	pri, b1, b2 := target(13, 0), target(12, 0), target(11, 0)
	names := map[string]locate.Target{"primary": pri, "backup1": b1, "backup2": b2}
	tests := []struct {
		name  string
		steps []step
	}{
		{
			name: "primary, 3 tries, backup, back to primary after 3 registrations",
			steps: []step{
				{begin: true, want: "primary", outcome: TimedOut},
				{want: "primary", outcome: TimedOut},
				{want: "primary", outcome: TimedOut},
				{want: "backup1", outcome: Answered, wantDone: true},
				{at: time.Hour, begin: true, want: "backup1", outcome: Answered, wantDone: true},
				{at: 2 * time.Hour, begin: true, want: "backup1", outcome: Answered, wantDone: true},
				{at: 3 * time.Hour, begin: true, want: "primary", outcome: Answered, wantDone: true},
				{at: 4 * time.Hour, begin: true, want: "primary", outcome: Answered, wantDone: true},
			},
		},
		{
			name: "primary still dead on return: backup again, count starts again",
			steps: []step{
				{begin: true, want: "primary", outcome: TransportFailed},
				{want: "backup1", outcome: Answered, wantDone: true},
				{begin: true, want: "backup1", outcome: Answered, wantDone: true},
				{begin: true, want: "backup1", outcome: Answered, wantDone: true},
				{begin: true, want: "primary", outcome: TransportFailed},
				{want: "backup1", outcome: Answered, wantDone: true},
				{begin: true, want: "backup1", outcome: Answered, wantDone: true},
				{begin: true, want: "backup1", outcome: Answered, wantDone: true},
				{begin: true, want: "primary", outcome: Answered, wantDone: true},
			},
		},
		{
			name: "the cycle wraps from the last backup to the primary",
			steps: []step{
				{begin: true, want: "primary", outcome: TransportFailed},
				{want: "backup1", outcome: TransportFailed},
				{want: "backup2", outcome: Answered, wantDone: true},
				{begin: true, want: "backup2", outcome: TimedOut},
				{want: "backup2", outcome: TimedOut},
				{want: "backup2", outcome: TimedOut},
				{want: "primary", outcome: TimedOut},
				{want: "primary", outcome: TimedOut},
				{want: "primary", outcome: TimedOut},
				{want: "backup1", outcome: TimedOut},
				{want: "backup1", outcome: TimedOut},
				{want: "backup1", outcome: TimedOut},
				{want: ""},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := New(Config{Mode: Static})
			p.SetTargets([]locate.Target{pri, b1, b2})
			play(t, p, names, tc.steps)
		})
	}
}

func TestParseMode(t *testing.T) {
	tests := []struct {
		in      string
		want    Mode
		wantErr bool
	}{
		{in: "", want: Default},
		{in: "default", want: Default},
		{in: "saved-until-ttl", want: SavedUntilTTL},
		{in: "saved-until-no-response", want: SavedUntilNoResponse},
		{in: "static", want: Static},
		{in: "Default", wantErr: true},
		{in: "saved", wantErr: true},
	}
	for _, tc := range tests {
		got, err := ParseMode(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestAccessors(t *testing.T) {
	a, b, c := target(13, 0), target(12, 0), target(11, 0)
	p := New(Config{})
	if _, ok := p.Next(t0); ok {
		t.Fatal("Next with no targets returned a target")
	}
	p.SetTargets([]locate.Target{a, b, c})
	if got := len(p.Better()); got != 3 {
		t.Errorf("Better with no current = %d targets, want 3", got)
	}
	p.Begin(t0)
	p.Report(a, Unavailable, 30*time.Second, t0)
	p.Report(b, Answered, 0, t0)
	if cur, ok := p.Current(); !ok || Key(cur) != Key(b) {
		t.Errorf("Current = %v, %v; want %v", cur, ok, b)
	}
	if got := p.Better(); len(got) != 1 || Key(got[0]) != Key(a) {
		t.Errorf("Better = %v, want [%v]", got, a)
	}
	if got, want := p.HeldUntil(t0), t0.Add(30*time.Second); !got.Equal(want) {
		t.Errorf("HeldUntil = %v, want %v", got, want)
	}
	if got := p.HeldUntil(t0.Add(time.Minute)); !got.IsZero() {
		t.Errorf("HeldUntil after the hold = %v, want zero", got)
	}
	if p.Rank(c) != 2 || p.Rank(target(99, 0)) != -1 {
		t.Errorf("Rank(c) = %d, Rank(unknown) = %d; want 2, -1", p.Rank(c), p.Rank(target(99, 0)))
	}
	p.Suspend(c)
	if !p.Suspended(c) {
		t.Error("Suspended(c) = false after Suspend")
	}
	// A new location keeps what is known by key: b is still current.
	p.SetTargets([]locate.Target{c, b})
	if cur, ok := p.Current(); !ok || Key(cur) != Key(b) {
		t.Errorf("Current after SetTargets = %v, %v; want %v", cur, ok, b)
	}
	p.SetTargets([]locate.Target{c})
	if _, ok := p.Current(); ok {
		t.Error("Current is set though the saved target is no longer located")
	}
	for o, want := range map[Outcome]string{Answered: "answered", TimedOut: "timeout", TransportFailed: "transport-error", Unavailable: "unavailable", Outcome(9): "outcome(9)"} {
		if o.String() != want {
			t.Errorf("Outcome(%d).String() = %q, want %q", int(o), o.String(), want)
		}
	}
}
