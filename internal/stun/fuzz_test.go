package stun

import "testing"

// FuzzParse feeds datagrams to Parse: it returns a message or an error,
// never panics, and a message it accepts encodes back to one it accepts
// with the same fields.
func FuzzParse(f *testing.F) {
	f.Add(unhex(f, rfc5769IPv4))
	f.Add(unhex(f, rfc5769IPv6))
	f.Add(Encode(Message{Type: BindingError, ErrorCode: 500}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		if !Is(b) {
			t.Fatalf("Parse accepted %x, which Is refuses", b)
		}
		again, err := Parse(Encode(m))
		m.Fingerprint, again.Fingerprint = true, true
		if err != nil || again != m {
			t.Fatalf("Parse(Encode(%+v)) = %+v, %v", m, again, err)
		}
	})
}
