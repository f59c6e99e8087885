package demo

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestTimelineJSON checks the --json shape: the family every command's
// --json belongs to (issue 9 item 9): "version", the wall-clock "time" and
// the "offset_s" since the start, as siplocate register writes them.
func TestTimelineJSON(t *testing.T) {
	start := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	now := start
	var out bytes.Buffer
	tl := NewTimeline(&out, true, func() time.Time { return now })
	now = now.Add(1500 * time.Millisecond)
	tl.Add("phone", "registered", "registered with %s", "sip1")
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%q: %v", out.String(), err)
	}
	want := map[string]any{"version": 0.0, "time": "2026-12-02T12:00:01.5Z", "offset_s": 1.5, "who": "phone", "kind": "registered", "text": "registered with sip1"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (line %s)", k, got[k], v, out.String())
		}
	}
	if _, ok := got["t"]; ok {
		t.Errorf("old field \"t\" still there: %s", out.String())
	}
}

// TestTimelineWallClock: text lines carry the offset, or with WallClock
// the wall clock's time (siplocate demo --timestamps wall).
func TestTimelineWallClock(t *testing.T) {
	start := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, wall := range []bool{false, true} {
		now := start
		var out bytes.Buffer
		tl := NewTimeline(&out, false, func() time.Time { return now })
		if wall {
			tl.WallClock()
		}
		now = now.Add(1500 * time.Millisecond)
		tl.Add("phone", "registered", "registered with %s", "sip1")
		want := "  1.500s  phone  registered with sip1\n"
		if wall {
			want = "2026-12-02T12:00:01.500Z  phone  registered with sip1\n"
		}
		if out.String() != want {
			t.Errorf("wall %v: %q, want %q", wall, out.String(), want)
		}
	}
}
