package failover_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// A primary that stops answering is tried three times (the phone's
// "3 tries"), then the backup takes the round; at the next round, in the
// default mode, the primary is tried first again.
func ExamplePolicy() {
	primary := locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("192.0.2.13"), Port: 5060, Host: "sip1.example.com"}
	backup := locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("192.0.2.12"), Port: 5060, Host: "sip2.example.com"}
	answers := map[netip.Addr]failover.Outcome{primary.Addr: failover.TimedOut, backup.Addr: failover.Answered}

	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	p := failover.New(failover.Config{Mode: failover.Default})
	p.SetTargets([]locate.Target{primary, backup})
	for round := 1; round <= 2; round++ {
		p.Begin(now)
		for !p.Done() {
			t, ok := p.Next(now)
			if !ok {
				break
			}
			o := answers[t.Addr]
			fmt.Printf("round %d: %s %s\n", round, t, o)
			p.Report(t, o, 0, now)
		}
		answers[primary.Addr] = failover.Answered // the primary is back
		now = now.Add(time.Hour)
	}
	// Output:
	// round 1: udp 192.0.2.13:5060 (sip1.example.com) timeout
	// round 1: udp 192.0.2.13:5060 (sip1.example.com) timeout
	// round 1: udp 192.0.2.13:5060 (sip1.example.com) timeout
	// round 1: udp 192.0.2.12:5060 (sip2.example.com) answered
	// round 2: udp 192.0.2.13:5060 (sip1.example.com) answered
}

// A Health store shared by every request and account of a process: a
// target that said 503 with Retry-After is ordered last until that time.
func ExampleHealth() {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	h := &failover.Health{Now: func() time.Time { return now }}
	primary := locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("192.0.2.13"), Port: 5060}
	backup := locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("192.0.2.12"), Port: 5060}

	h.Report(primary, failover.Unavailable, 30*time.Second)
	fmt.Println(h.Order([]locate.Target{primary, backup})[0])
	now = now.Add(31 * time.Second)
	fmt.Println(h.Order([]locate.Target{primary, backup})[0])
	// Output:
	// udp 192.0.2.12:5060
	// udp 192.0.2.13:5060
}
