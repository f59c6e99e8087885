package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siplocate/siplocate/register"
)

// TestTimelineInOrder runs many accounts at once and checks that the
// timeline's lines come out in the order of their times (issue 14): the
// agent's sessions emit from goroutines of their own, and an event stamped
// before another must not be printed after it.
func TestTimelineInOrder(t *testing.T) {
	reg := startRegistrar(t)
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, "[[account]]\nname = \"a%d\"\nsip_user_id = \"alice\"\nauthenticate_password = \"secret\"\nsip_server = \"example.com\"\ndns_mode = \"static\"\nprimary_ip = %q\n\n", i, reg)
	}
	path := filepath.Join(t.TempDir(), "phone.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runRegister(t, "--config", path, "--once", "--json", "--start-spread", "-1s")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	last := ""
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e struct {
			Time string `json:"time"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %d %q: %v", i, line, err)
		}
		// RFC 3339 UTC with nanoseconds: compare as times, not text
		if last != "" && mustTime(t, e.Time).Before(mustTime(t, last)) {
			t.Fatalf("line %d at %s printed after a line at %s:\n%s", i, e.Time, last, out)
		}
		last = e.Time
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestTimelineTimestamps: the offset since the start by default, the wall
// clock's time (UTC, RFC 3339 with milliseconds) with --timestamps wall.
func TestTimelineTimestamps(t *testing.T) {
	start := time.Date(2026, 12, 6, 2, 30, 0, 0, time.UTC)
	e := register.Event{Time: start.Add(1500 * time.Millisecond), Account: "alice", Kind: register.RoundFailed, Retry: 2 * time.Second}
	for _, tc := range []struct{ stamps, want string }{
		{stamps: "relative", want: "   +1.500s  alice  no server took the registration; next try in 2s\n"},
		{stamps: "wall", want: "2026-12-06T02:30:01.500Z  alice  no server took the registration; next try in 2s\n"},
	} {
		var b strings.Builder
		tl := newTimeline(&b, false, start)
		tl.wall = tc.stamps == "wall"
		tl.print(e)
		if b.String() != tc.want {
			t.Errorf("%s: %q, want %q", tc.stamps, b.String(), tc.want)
		}
	}
	code, _, stderr := runRegister(t, "--server", "example.com", "--user", "alice", "--timestamps", "local")
	if code != exitBadUsage || !strings.Contains(stderr, `--timestamps "local": want relative or wall`) {
		t.Errorf("--timestamps local: exit %d, %q", code, stderr)
	}
}
