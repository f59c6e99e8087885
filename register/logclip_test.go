package register

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestClipLogger(t *testing.T) {
	long := strings.Repeat("x", 40000)
	rec := newLogRecorder()
	log := clipLogger(slog.New(rec)).With("with", long)
	log.Error(long, "data", long, "err", errors.New(long), "short", "kept", slog.Group("g", "inner", long), "n", 7)
	r := (*rec.recs)[0]
	if got := rec.longest(); got > maxLogValue+50 {
		t.Errorf("longest value logged: %d bytes, want at most %d", got, maxLogValue+50)
	}
	if r.attrs["short"] != "kept" || r.attrs["n"] != "7" {
		t.Errorf("short values changed: %q, %q", r.attrs["short"], r.attrs["n"])
	}
	if !strings.HasSuffix(r.attrs["data"], "... (39488 bytes more)") || !strings.HasSuffix(r.msg, "bytes more)") {
		t.Errorf("data %q..., message %q...: want them cut, saying how much", r.attrs["data"][:20], r.msg[:20])
	}
	for _, k := range []string{"with", "err"} {
		if len(r.attrs[k]) > maxLogValue+50 {
			t.Errorf("%s: %d bytes", k, len(r.attrs[k]))
		}
	}
}
