package probe

import (
	"strings"
	"testing"
)

// FuzzParseHead feeds response heads to the parser: it must never panic,
// and what it accepts has a status in 100-699 and a clean reason.
func FuzzParseHead(f *testing.F) {
	f.Add([]byte("SIP/2.0 200 OK\r\nCall-ID: a@b\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("SIP/2.0 503 Service Unavailable\r\nRetry-After: 99999999999999 (x)\r\n\r\n"))
	f.Fuzz(func(t *testing.T, head []byte) {
		res, err := parseHead(head)
		if err != nil {
			return
		}
		if res.status < 100 || res.status > 699 || strings.ContainsAny(res.reason, "\r\n\x00\x1b") || res.contentLength < 0 {
			t.Errorf("parseHead(%q) = %+v", head, res)
		}
	})
}
