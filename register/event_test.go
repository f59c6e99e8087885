package register

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/siplocate/siplocate/locate"
)

func TestEventString(t *testing.T) {
	primary := locate.Target{Transport: locate.TCP, Addr: netip.MustParseAddr("192.0.2.13"), Port: 5060, Host: "sip1.example.com"}
	backup := locate.Target{Transport: locate.TCP, Addr: netip.MustParseAddr("192.0.2.12"), Port: 5060, Host: "sip2.example.com"}
	for _, tc := range []struct {
		e    Event
		want string
	}{
		{Event{Kind: ConnectionLost, Target: primary}, "connection to tcp 192.0.2.13:5060 (sip1.example.com) closed; registering again now"},
		{Event{Kind: ConnectionLost, Target: primary, Retry: 30 * time.Second}, "connection to tcp 192.0.2.13:5060 (sip1.example.com) closed; registering again in 30s"},
		{Event{Kind: FailedOver, Target: backup, From: primary}, "failed over from tcp 192.0.2.13:5060 (sip1.example.com) to tcp 192.0.2.12:5060 (sip2.example.com)"},
		{Event{Kind: Registered, Target: primary, Expires: time.Hour}, "registered with tcp 192.0.2.13:5060 (sip1.example.com) for 1h0m0s"},
		{Event{Kind: AttemptFailed, Target: backup, Outcome: "timeout", Err: errors.New("403 Go\x1b[2Jaway")}, `attempt to tcp 192.0.2.12:5060 (sip2.example.com) failed: timeout: "403 Go\x1b[2Jaway"`},
		{Event{Kind: Registering, Target: primary, Attempt: 2, Attempts: 3}, "registering with tcp 192.0.2.13:5060 (sip1.example.com), attempt 2/3"},
		{Event{Kind: AttemptFailed, Target: primary, Outcome: "timeout", Attempt: 3, Attempts: 3}, "attempt 3/3 to tcp 192.0.2.13:5060 (sip1.example.com) failed: timeout"},
		{Event{Kind: RoundFailed, Retry: 1500 * time.Millisecond, Err: errors.New("no answer")}, "no server took the registration; next try in 1.5s: no answer"},
	} {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("%s.String() = %q, want %q", tc.e.Kind, got, tc.want)
		}
	}
}
