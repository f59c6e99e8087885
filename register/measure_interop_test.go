package register

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/siplocate/siplocate/locate"
)

// TestInteropKamailioMeasure measures the speed scenario for
// docs/benchmarks.md: Kamailio primary and backup found through NAPTR/SRV,
// registration expiry 60 s, the primary failed 10 s after registering and
// back 10 s after the agent left it. It logs how long the backup's 200 OK
// took after the failure and the primary's after its return. It runs only
// with SIPLOCATE_MEASURE=1 (minutes per case) and asserts no timings.
func TestInteropKamailioMeasure(t *testing.T) {
	if os.Getenv("SIPLOCATE_MEASURE") == "" {
		t.Skip("measurement: set SIPLOCATE_MEASURE=1 (and SIPLOCATE_INTEROP=1)")
	}
	for _, transport := range []locate.Transport{locate.UDP, locate.TCP} {
		for _, failure := range []string{"kill", "pause"} {
			for _, probe := range []time.Duration{2 * time.Second, 0} {
				t.Run(fmt.Sprintf("%s/%s/probe=%v", transport, failure, probe), func(t *testing.T) {
					measure(t, transport, failure, probe)
				})
			}
		}
	}
}

func measure(t *testing.T, transport locate.Transport, failure string, probe time.Duration) {
	l := startLab(t)
	ev := newEvents()
	a, err := New(Config{
		Accounts: []Account{{
			AOR: "sip:" + labAOR, Password: "secret", Server: labDomain,
			Transports: []locate.Transport{transport}, Expires: 60 * time.Second, Probe: probe,
		}},
		Locator: l.locator, OnEvent: ev.add, Logger: testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := runAgent(t, a)
	defer stop()
	ev.wait(t, Registered)
	time.Sleep(10 * time.Second) // the scenario: the primary fails 10 s after registering
	failed := time.Now()
	if failure == "kill" {
		l.primary.Kill()
	} else {
		l.primary.Pause()
	}
	over := ev.waitFor(t, FailedOver, 150*time.Second)
	time.Sleep(10 * time.Second)
	back := time.Now()
	if failure == "kill" {
		l.primary.Restart(t)
	} else {
		l.primary.Resume()
	}
	fb := ev.waitFor(t, FailedBack, 150*time.Second)
	noticed := over.Time
	for _, e := range ev.snapshot() {
		if (e.Kind == Registering || e.Kind == ProbeFailed) && e.Time.After(failed) {
			noticed = e.Time
			break
		}
	}
	t.Logf("MEASURE %s %s probe=%v: backup 200 OK %.2fs after the failure (%.2fs after the first REGISTER or failed probe that followed it); primary 200 OK %.2fs after its return",
		transport, failure, probe, over.Time.Sub(failed).Seconds(), over.Time.Sub(noticed).Seconds(), fb.Time.Sub(back).Seconds())
}
