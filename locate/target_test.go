package locate

import (
	"net/netip"
	"testing"
)

func TestTargetString(t *testing.T) {
	tests := []struct {
		t    Target
		want string
	}{
		{Target{Transport: UDP, Addr: netip.MustParseAddr("192.0.2.1"), Port: 5060, Host: "sip1.example.com"}, "udp 192.0.2.1:5060 (sip1.example.com)"},
		{Target{Transport: TLS, Addr: netip.MustParseAddr("2001:db8::1"), Port: 5061}, "tls [2001:db8::1]:5061"},
		{Target{Transport: TCP, Addr: netip.MustParseAddr("192.0.2.1"), Port: 5060, Host: "192.0.2.1"}, "tcp 192.0.2.1:5060"},
		{Target{Transport: UDP, Addr: netip.MustParseAddr("192.0.2.1"), Port: 5060, Host: "evil\x1b[2J.example"}, `udp 192.0.2.1:5060 ("evil\x1b[2J.example")`},
	}
	for _, tt := range tests {
		if got := tt.t.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
