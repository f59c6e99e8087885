package dnsclient

import (
	"context"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/internal/dnstest"
)

// TestRotationInFakeTime runs the default 2 s timeout against a silent
// first server inside a synctest bubble, over in-memory connections: the
// lookup costs exactly one timeout of fake time before the second server
// answers.
func TestRotationInFakeTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		servers := map[string]*dnstest.Server{
			"192.0.2.1:53": dnstest.NewMemServer(dnstest.Silent()),
			"192.0.2.2:53": dnstest.NewMemServer(dnstest.Truncate(dnstest.NewZone(testZone...))),
		}
		c, err := New(Config{
			Servers: []string{"192.0.2.1", "192.0.2.2"},
			Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
				return servers[addr].Dial(ctx, network, addr)
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		a, err := c.Lookup(context.Background(), "_sip._udp.example.com.", dns.TypeSRV)
		if err != nil {
			t.Fatal(err)
		}
		if elapsed := time.Since(start); elapsed != defaultTimeout {
			t.Errorf("lookup took %v of fake time, want one timeout (%v)", elapsed, defaultTimeout)
		}
		if len(a.Records) != 2 || a.Server != "192.0.2.2:53" {
			t.Errorf("got %d records from %s, want 2 from 192.0.2.2:53", len(a.Records), a.Server)
		}
		if s := c.Stats(); s.Timeouts != 1 || s.Truncated != 1 || s.Queries != 3 {
			t.Errorf("Timeouts %d, Truncated %d, Queries %d; want 1, 1, 3", s.Timeouts, s.Truncated, s.Queries)
		}
	})
}
