package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
