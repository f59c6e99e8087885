package demo

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// TestScenario plays the scenario in every DNS mode and fail-over mode,
// in parallel on addresses of its own (127.0.4.0/24, docs/loopback.md),
// and checks which steps happened, in order.
func TestScenario(t *testing.T) {
	failback := []string{"lookup", "register-primary", "primary-stops", "unanswered", "failover", "primary-returns", "failback", "unregister"}
	stays := []string{"lookup", "register-primary", "primary-stops", "unanswered", "failover", "primary-returns", "stays-on-backup", "unregister"}
	cases := []struct {
		dns       locate.Mode
		fo        failover.Mode
		transport locate.Transport
		probe     time.Duration
		sipPort   int
		want      []string
	}{
		{dns: locate.ModeNAPTR, fo: failover.Default, want: failback},
		{dns: locate.ModeNAPTR, fo: failover.SavedUntilTTL, want: failback},
		{dns: locate.ModeNAPTR, fo: failover.SavedUntilNoResponse, want: stays},
		{dns: locate.ModeSRV, fo: failover.Default, want: failback},
		{dns: locate.ModeSRV, fo: failover.SavedUntilTTL, want: failback},
		{dns: locate.ModeSRV, fo: failover.SavedUntilNoResponse, want: stays},
		{dns: locate.ModeA, fo: failover.Default, want: failback},
		{dns: locate.ModeA, fo: failover.SavedUntilNoResponse, want: stays},
		{dns: locate.ModeStatic, want: failback},
		{dns: locate.ModeNAPTR, fo: failover.Default, transport: locate.TCP, want: failback},
		{dns: locate.ModeNAPTR, fo: failover.Default, probe: time.Second, want: failback},
		// --sip-port in every DNS mode (issue 14): the REGISTERs went to 5060 in static and a
		{dns: locate.ModeStatic, sipPort: 5070, want: failback},
		{dns: locate.ModeA, fo: failover.Default, sipPort: 5070, want: failback},
		{dns: locate.ModeSRV, fo: failover.Default, sipPort: 5070, want: failback},
		{dns: locate.ModeNAPTR, fo: failover.Default, sipPort: 5070, want: failback},
	}
	// The runs wait on timers, not the CPU: all of them at once, whatever
	// -parallel says, keeps the test at the length of the longest run.
	type outcome struct {
		rep *Report
		err error
	}
	out := make([]outcome, len(cases))
	var wg sync.WaitGroup
	for i, tc := range cases {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			out[i].rep, out[i].err = Run(ctx, Config{
				DNSMode: tc.dns, FailoverMode: tc.fo, Transport: tc.transport, Probe: tc.probe, SIPPort: tc.sipPort,
				Primary: fmt.Sprintf("127.0.4.%d", 2*i+11), Backup: fmt.Sprintf("127.0.4.%d", 2*i+10),
			})
		})
	}
	wg.Wait()
	for i, tc := range cases {
		name := fmt.Sprintf("%s/%s/%s/probe=%v/port=%d", tc.dns, or(tc.fo, "static"), or(tc.transport, locate.UDP), tc.probe, or(tc.sipPort, 5060))
		t.Run(name, func(t *testing.T) {
			rep, err := out[i].rep, out[i].err
			if err != nil {
				t.Fatalf("Run: %v\n%s", err, dump(rep))
			}
			if !slices.Equal(rep.Steps, tc.want) {
				t.Errorf("steps = %v, want %v\n%s", rep.Steps, tc.want, dump(rep))
			}
		})
	}
}

func dump(r *Report) string {
	s := ""
	for _, l := range r.Lines {
		s += fmt.Sprintf("%7.3fs %-5s %s\n", l.At.Seconds(), l.Who, l.Text)
	}
	return s
}

func TestInOrder(t *testing.T) {
	cases := []struct {
		got, want []string
		ok        bool
	}{
		{got: []string{"NAPTR", "SRV", "A", "AAAA"}, want: []string{"NAPTR", "SRV", "A"}, ok: true},
		{got: []string{"SRV", "NAPTR", "A"}, want: []string{"NAPTR", "SRV", "A"}, ok: false},
		{got: []string{"NAPTR", "SRV", "A"}, want: []string{"SRV", "A"}, ok: false},
		{got: nil, want: nil, ok: true},
		{got: []string{"A"}, want: nil, ok: false},
	}
	for _, c := range cases {
		if got := inOrder(c.got, c.want); got != c.ok {
			t.Errorf("inOrder(%v, %v) = %v, want %v", c.got, c.want, got, c.ok)
		}
	}
}
