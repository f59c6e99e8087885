package probe

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzSIPURIHost feeds subjectAltName URIs to the host extraction of the
// RFC 5922 §7.1 identities: never a panic, never a host with '@', ';' or
// upper case.
func FuzzSIPURIHost(f *testing.F) {
	f.Add("sip:example.com")
	f.Add("sip:alice@Example.COM;transport=tls")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := url.Parse(s)
		if err != nil {
			return
		}
		h := sipURIHost(u)
		if strings.ContainsAny(h, "@;?") || h != strings.ToLower(h) {
			t.Errorf("sipURIHost(%q) = %q", s, h)
		}
	})
}
