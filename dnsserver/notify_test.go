package dnsserver

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"
)

// recordHandler is a slog.Handler that keeps every record, for tests that
// check what was logged by level and attributes, not by text.
type recordHandler struct {
	mu      *sync.Mutex
	records *[]slog.Record
	attrs   []slog.Attr
}

func newRecordHandler() *recordHandler {
	return &recordHandler{mu: new(sync.Mutex), records: new([]slog.Record)}
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(h.attrs...)
	h.mu.Lock()
	defer h.mu.Unlock()
	*h.records = append(*h.records, r)
	return nil
}

func (h *recordHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

func (h *recordHandler) WithGroup(string) slog.Handler { return h }

// find returns the records at level that carry attribute key.
func (h *recordHandler) find(level slog.Level, key string) []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []slog.Record
	for _, r := range *h.records {
		if r.Level != level {
			continue
		}
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == key {
				out = append(out, r)
				return false
			}
			return true
		})
	}
	return out
}

// TestSameSerialWarning: a reload whose records changed while the SOA
// serial did not grow warns that secondaries will keep their copy (RFC
// 1996 §3.11, serial arithmetic of RFC 1982); a new serial, or a file
// touched without a change, does not.
func TestSameSerialWarning(t *testing.T) {
	tests := []struct {
		name     string
		text     string // the file after the edit; "" to touch it only
		wantWarn bool
	}{
		{name: "serial grown", text: zoneVersion("6", "192.0.2.2"), wantWarn: false},
		{name: "records changed, serial kept", text: zoneVersion("5", "192.0.2.2"), wantWarn: true},
		{name: "serial lowered", text: zoneVersion("4", "192.0.2.2"), wantWarn: true},
		{name: "file touched, nothing changed", wantWarn: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeZone(t, t.TempDir(), "db.zone", zoneVersion("5", "192.0.2.1"))
			h := newRecordHandler()
			s, err := New(Config{Zones: []string{path}, Logger: slog.New(h)})
			if err != nil {
				t.Fatal(err)
			}
			if tc.text != "" {
				writeZone(t, "", path, tc.text)
			} else if later := time.Now().Add(time.Minute); os.Chtimes(path, later, later) != nil {
				t.Fatal("touch failed")
			}
			if err := s.Reload(); err != nil {
				t.Fatal(err)
			}
			warned := len(h.find(slog.LevelWarn, "serial")) > 0
			if warned != tc.wantWarn {
				t.Errorf("same-serial warning logged: %v, want %v", warned, tc.wantWarn)
			}
		})
	}
}
