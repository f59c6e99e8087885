package demo

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// Line is one entry of the demo's timeline.
type Line struct {
	At   time.Duration `json:"-"`    // since the timeline started
	Time time.Time     `json:"-"`    // the wall clock's time of the line
	Who  string        `json:"who"`  // "demo", "dns", "phone", "sip1", "sip2"
	Kind string        `json:"kind"` // what happened, one word: "query", "register", "registered", ...
	Text string        `json:"text"` // the line as a person reads it
}

// MarshalJSON writes the line in the shape of siplocate register --json,
// version 0: "version", the wall-clock "time" (RFC 3339, UTC) and
// "offset_s", the seconds since the start.
func (l Line) MarshalJSON() ([]byte, error) {
	type plain Line
	return json.Marshal(struct {
		Version int     `json:"version"`
		Time    string  `json:"time"`
		Offset  float64 `json:"offset_s"`
		plain
	}{0, l.Time.UTC().Format(time.RFC3339Nano), l.At.Seconds(), plain(l)})
}

// Timeline collects lines from every component, in the order they
// happen, and writes each as it comes.
type Timeline struct {
	mu    sync.Mutex
	start time.Time
	now   func() time.Time
	out   io.Writer
	json  bool
	wall  bool // text lines start with the wall clock's time, not the offset
	lines []Line
}

// NewTimeline writes lines to out as text, or as JSON lines when asJSON.
func NewTimeline(out io.Writer, asJSON bool, now func() time.Time) *Timeline {
	if now == nil {
		now = time.Now
	}
	return &Timeline{start: now(), now: now, out: out, json: asJSON}
}

// Add records one line at the current time and writes it.
func (t *Timeline) Add(who, kind, format string, a ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	l := Line{At: now.Sub(t.start), Time: now, Who: who, Kind: kind, Text: fmt.Sprintf(format, a...)}
	t.lines = append(t.lines, l)
	if t.out == nil {
		return
	}
	if t.json {
		b, _ := json.Marshal(l)
		fmt.Fprintf(t.out, "%s\n", b)
		return
	}
	if t.wall {
		fmt.Fprintf(t.out, "%s  %-5s  %s\n", l.Time.UTC().Format(WallFormat), l.Who, l.Text)
		return
	}
	fmt.Fprintf(t.out, "%7.3fs  %-5s  %s\n", l.At.Seconds(), l.Who, l.Text)
}

// WallFormat is the time of a text line with WallClock: RFC 3339, UTC, to
// the millisecond.
const WallFormat = "2006-01-02T15:04:05.000Z07:00"

// WallClock makes the text lines start with the wall clock's time instead
// of the offset since the start (siplocate demo --timestamps wall).
func (t *Timeline) WallClock() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.wall = true
}

// Lines returns a copy of the lines so far.
func (t *Timeline) Lines() []Line {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Line(nil), t.lines...)
}
