package locate

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestParseURI(t *testing.T) {
	tests := []struct {
		in      string
		want    URI
		wantErr string // a substring of the error; "" for success
	}{
		{in: "sip:alice@example.com", want: URI{User: "alice", Host: "example.com"}},
		{in: "SIPS:Bob:secret@Example.COM:5061;Transport=TCP;lr?subject=x", want: URI{Secure: true, User: "Bob", Host: "example.com", Port: 5061, Transport: TCP}},
		{in: "sip:[2001:db8::1]:5070", want: URI{Host: "2001:db8::1", Port: 5070, IP: netip.MustParseAddr("2001:db8::1")}},
		{in: "sip:192.0.2.1;maddr=239.0.0.1", want: URI{Host: "192.0.2.1", Maddr: "239.0.0.1", IP: netip.MustParseAddr("192.0.2.1")}},
		{in: "sip:example.com;maddr=[2001:db8::2]", want: URI{Host: "example.com", Maddr: "2001:db8::2"}},
		{in: "example.com.", want: URI{Host: "example.com"}},
		{in: "example.com:5080", want: URI{Host: "example.com", Port: 5080}},
		{in: "[2001:db8::1]", want: URI{Host: "2001:db8::1", IP: netip.MustParseAddr("2001:db8::1")}},
		{in: "2001:db8::1", want: URI{Host: "2001:db8::1", IP: netip.MustParseAddr("2001:db8::1")}},
		{in: "alice@example.com;transport=ws", want: URI{User: "alice", Host: "example.com", Transport: WS}},
		{in: "sip:user;par=1@example.com", want: URI{User: "user;par=1", Host: "example.com"}},
		{in: "", wantErr: "empty"},
		{in: "sip:", wantErr: "no host"},
		{in: "sip:@example.com", wantErr: "empty user"},
		{in: "sip:exa mple.com", wantErr: `bad character " "`},
		{in: "sip:example..com", wantErr: "empty label"},
		{in: "sip:example.com:0", wantErr: "bad port 0"},
		{in: "sip:example.com:65536", wantErr: "bad port"},
		{in: "sip:example.com:50a", wantErr: "bad port"},
		{in: "sip:[2001:db8::1", wantErr: "unclosed"},
		{in: "sip:[192.0.2.1]", wantErr: "bad IPv6"},
		{in: "sip:[2001:db8::1]x", wantErr: "junk after"},
		{in: "sip:[fe80::1%eth0]", wantErr: "bad IPv6"},
		{in: "sip:example.com;transport=carrier-pigeon", wantErr: "unknown transport"},
		{in: "sips:example.com;transport=udp", wantErr: "sips: URI with transport=udp"},
		{in: "sip:example.com;;lr", wantErr: "empty parameter"},
		{in: "sip:example.com;maddr=bad_host!", wantErr: "maddr"},
		{in: "tel:+15551234", wantErr: "bad port"},
		{in: "http://example.com", wantErr: "bad port"},
		{in: "sip:" + strings.Repeat("a", 64) + ".com", wantErr: "longer than 63"},
		{in: "sip:" + strings.Repeat("a.", 127) + "com", wantErr: "longer than 253"},
		{in: strings.Repeat("x", 3000), wantErr: "longer than 2048"},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 40)], func(t *testing.T) {
			got, err := ParseURI(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrBadURI) {
					t.Fatalf("ParseURI(%q) error = %v, want ErrBadURI containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURI(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseURI(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestURITarget(t *testing.T) {
	u, _ := ParseURI("sip:example.com;maddr=proxy.example.net")
	if got := u.Target(); got != "proxy.example.net" {
		t.Errorf("Target() = %q, want the maddr", got)
	}
}

// FuzzParseURI checks that ParseURI never panics, that every error wraps
// ErrBadURI, and that what it accepts is a usable host.
func FuzzParseURI(f *testing.F) {
	for _, s := range []string{"sip:alice@example.com", "sips:[2001:db8::1]:5061;transport=tcp", "example.com:5060", "sip:a@b;maddr=[::1]?h=v"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			if !errors.Is(err, ErrBadURI) {
				t.Fatalf("ParseURI(%q) error %v does not wrap ErrBadURI", s, err)
			}
			return
		}
		if !u.IP.IsValid() && checkHostname(u.Host) != "" {
			t.Fatalf("ParseURI(%q) accepted host %q", s, u.Host)
		}
		if u.Secure && u.Transport == UDP {
			t.Fatalf("ParseURI(%q) accepted sips with UDP", s)
		}
	})
}
