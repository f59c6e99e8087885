package stun

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

// unhex reads a test vector written as in RFC 5769: hex words, with
// anything after "|" on a line a comment.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	var clean strings.Builder
	for line := range strings.Lines(s) {
		line, _, _ = strings.Cut(line, "|")
		clean.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(clean.String())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RFC 5769 §2.2 and §2.3: sample responses with SOFTWARE, XOR-MAPPED-ADDRESS,
// MESSAGE-INTEGRITY (skipped here) and FINGERPRINT.
const (
	rfc5769IPv4 = `
	0101 003c | type, length
	2112a442 b7e7a701 bc34d686 fa87dfae | cookie, transaction ID
	8022 000b 74657374 20766563 746f7220 | SOFTWARE "test vector"
	0020 0008 0001a147 e112a643 | XOR-MAPPED-ADDRESS 192.0.2.1:32853
	0008 0014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7 | MESSAGE-INTEGRITY
	8028 0004 c07d4c96 | FINGERPRINT`
	rfc5769IPv6 = `
	0101 0048 | type, length
	2112a442 b7e7a701 bc34d686 fa87dfae | cookie, transaction ID
	8022 000b 74657374 20766563 746f7220 | SOFTWARE "test vector"
	0020 0014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9 | XOR-MAPPED-ADDRESS
	0008 0014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41 | MESSAGE-INTEGRITY
	8028 0004 c8fb0b4c | FINGERPRINT`
)

func TestParseRFC5769(t *testing.T) {
	id := ID(unhex(t, "b7e7a701 bc34d686 fa87dfae"))
	tests := []struct {
		name   string
		msg    string
		mapped string
	}{
		{name: "IPv4", msg: rfc5769IPv4, mapped: "192.0.2.1:32853"},
		{name: "IPv6", msg: rfc5769IPv6, mapped: "[2001:db8:1234:5678:11:2233:4455:6677]:32853"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(unhex(t, tt.msg))
			if err != nil {
				t.Fatal(err)
			}
			want := Message{Type: BindingSuccess, ID: id, Mapped: netip.MustParseAddrPort(tt.mapped), Fingerprint: true}
			if m != want {
				t.Errorf("Parse = %+v, want %+v", m, want)
			}
		})
	}
}

func TestEncodeParse(t *testing.T) {
	id := ID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	tests := []struct {
		name string
		m    Message
	}{
		{name: "request", m: Message{Type: BindingRequest, ID: id}},
		{name: "success IPv4", m: Message{Type: BindingSuccess, ID: id, Mapped: netip.MustParseAddrPort("127.0.20.1:5060")}},
		{name: "success IPv6", m: Message{Type: BindingSuccess, ID: id, Mapped: netip.MustParseAddrPort("[2001:db8::1]:65535")}},
		{name: "error", m: Message{Type: BindingError, ID: id, ErrorCode: 420}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Encode(tt.m)
			if !Is(b) {
				t.Fatalf("Is(Encode(%+v)) = false", tt.m)
			}
			got, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.m
			want.Fingerprint = true
			if got != want {
				t.Errorf("Parse(Encode(m)) = %+v, want %+v", got, want)
			}
		})
	}
}

func TestNewBindingRequest(t *testing.T) {
	r := rand.NewChaCha8([32]byte{1})
	b, id, err := NewBindingRequest(r.Read)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != HeaderLen+8 {
		t.Errorf("request is %d bytes, want the header and a FINGERPRINT: %d", len(b), HeaderLen+8)
	}
	m, err := Parse(b)
	if err != nil || m.Type != BindingRequest || m.ID != id || !m.Fingerprint {
		t.Errorf("Parse(request) = %+v, %v; want a Binding request with ID %x and FINGERPRINT", m, err, id)
	}
	failing := func([]byte) (int, error) { return 0, errors.New("no entropy") }
	if _, _, err := NewBindingRequest(failing); err == nil {
		t.Error("NewBindingRequest with a failing source: no error")
	}
}

func TestIs(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{name: "binding request", b: Encode(Message{Type: BindingRequest}), want: true},
		{name: "SIP response", b: []byte("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1\r\n"), want: false},
		{name: "CRLF keep-alive", b: []byte("\r\n\r\n"), want: false},
		{name: "short", b: make([]byte, 19), want: false},
		{name: "no cookie", b: make([]byte, 20), want: false},
		{name: "first bits set", b: append([]byte{0x41, 0x01, 0, 0, 0x21, 0x12, 0xa4, 0x42}, make([]byte, 12)...), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Is(tt.b); got != tt.want {
				t.Errorf("Is = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestParseBad: each hostile or broken message is an error naming why,
// never a panic and never a half-read address.
func TestParseBad(t *testing.T) {
	good := Encode(Message{Type: BindingSuccess, Mapped: netip.MustParseAddrPort("127.0.20.1:5060")})
	mutate := func(f func([]byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{name: "empty", b: nil, want: ErrTruncated},
		{name: "SIP", b: []byte("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"), want: ErrNotSTUN},
		{name: "length not multiple of 4", b: mutate(func(b []byte) []byte { b[3]++; return b }), want: ErrNotSTUN},
		{name: "length past the end", b: mutate(func(b []byte) []byte { b[3] += 4; return b }), want: ErrTruncated},
		{name: "trailing bytes", b: append(bytes.Clone(good), 0, 0, 0, 0), want: ErrTruncated},
		{name: "bad fingerprint", b: mutate(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), want: ErrBadFingerprint},
		{name: "tampered address", b: mutate(func(b []byte) []byte { b[HeaderLen+7] ^= 1; return b }), want: ErrBadFingerprint},
		{name: "attribute overruns", b: unhex(t, "0101 0004 2112a442 000000000000000000000000 0020 0008"), want: ErrTruncated},
		{name: "bad family", b: unhex(t, "0101 000c 2112a442 000000000000000000000000 0020 0008 0003a147 e112a643"), want: ErrBadAttribute},
		{name: "short IPv6", b: unhex(t, "0101 000c 2112a442 000000000000000000000000 0020 0008 0002a147 e112a643"), want: ErrBadAttribute},
		{name: "bad error class", b: unhex(t, "0111 0008 2112a442 000000000000000000000000 0009 0004 00000914"), want: ErrBadAttribute},
		{name: "attribute after fingerprint", b: mutate(func(b []byte) []byte { b[3] += 4; return append(b, 0, 0x30, 0, 0) }), want: ErrBadAttribute},
		{name: "oversized", b: append(unhex(t, "0101 0520 2112a442 000000000000000000000000 7fff 051c"), make([]byte, 0x51c)...), want: ErrBadAttribute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(tt.b)
			if !errors.Is(err, tt.want) {
				t.Errorf("Parse = %+v, %v; want %v", m, err, tt.want)
			}
		})
	}
}

func TestParseMappedAddressFallback(t *testing.T) {
	// RFC 5389 §15.1: a server of RFC 3489's time sends MAPPED-ADDRESS only.
	b := unhex(t, "0101 000c 2112a442 000000000000000000000000 0001 0008 000113c4 7f001401")
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if want := netip.MustParseAddrPort("127.0.20.1:5060"); m.Mapped != want || m.Fingerprint {
		t.Errorf("Parse = %+v, want Mapped %v and no fingerprint", m, want)
	}
}

func TestTypeString(t *testing.T) {
	if got := Type(0x0002).String(); got != "type 0x0002" {
		t.Errorf("String = %q", got)
	}
	if got := BindingSuccess.String(); got != "Binding success response" {
		t.Errorf("String = %q", got)
	}
}
