package sipsend

import (
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// FuzzRetryAfter feeds Retry-After values (RFC 3261 §20.33) to the parser:
// never a panic, never a negative duration.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"30", "120 (I'm in a meeting);duration=3600", "31536000", "-1", "", "4294967296", " 5 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		res := sip.NewResponse(503, "Service Unavailable")
		res.AppendHeader(sip.NewHeader("Retry-After", v))
		if d := retryAfter(res); d < 0 || d > (1<<32)*time.Second {
			t.Fatalf("retryAfter(%q) = %v", v, d)
		}
	})
}

// FuzzTopRoute feeds Route header values to nextHop: an error or a URI,
// never a panic.
func FuzzTopRoute(f *testing.F) {
	for _, s := range []string{"<sip:edge.example.com;lr>, <sip:core.example.com;lr>", "sip:10.0.0.1:5060", "<sips:[2001:db8::1]:5061;lr;transport=tcp>", "<", ",", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		req := sip.NewRequest(sip.OPTIONS, sip.Uri{Scheme: "sip", Host: "example.com"})
		req.AppendHeader(sip.NewHeader("Route", v))
		_, _ = nextHop(req, "")
	})
}
