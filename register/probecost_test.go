package register

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/siplocate/siplocate/locate"
)

// TestMeasureProbeCost counts the OPTIONS that --probe 2s sends in 30 s for
// 1 and for 10,000 accounts, registered with the primary (one target
// probed) and with the backup after the primary went silent (two targets
// probed). It runs only with SIPLOCATE_MEASURE=1 and asserts nothing.
func TestMeasureProbeCost(t *testing.T) {
	if os.Getenv("SIPLOCATE_MEASURE") == "" {
		t.Skip("measurement: set SIPLOCATE_MEASURE=1")
	}
	for _, n := range []int{1, 10000} {
		for _, onBackup := range []bool{false, true} {
			t.Run(fmt.Sprintf("accounts=%d/backup=%v", n, onBackup), func(t *testing.T) {
				primary, backup := newTestServer(t, ok), newTestServer(t, ok)
				accounts := make([]Account, n)
				for i := range accounts {
					accounts[i] = alice()
					accounts[i].AOR = fmt.Sprintf("sip:user%d@example.com", i)
					accounts[i].Probe = 2 * time.Second
				}
				ev, _ := startAgent(t, []locate.Target{primary.target, backup.target}, accounts...)
				waitCount(t, ev, Registered, n)
				if onBackup {
					// As in the scenario: registered with the
					// primary, which then goes silent; the probes notice
					// and every account moves to the backup. (Starting
					// with a silent primary would make each account's
					// first round spend 3 attempts on it, 128 rounds in
					// flight: 10,000 accounts take minutes.)
					primary.silent.Store(true)
					waitCount(t, ev, FailedOver, n)
				}
				time.Sleep(4 * time.Second) // past the start-up rounds
				p0, b0 := primary.options.Load(), backup.options.Load()
				const window = 30 * time.Second
				time.Sleep(window)
				p1, b1 := primary.options.Load(), backup.options.Load()
				perMin := float64(p1-p0+b1-b0) * float64(time.Minute) / float64(window)
				t.Logf("MEASURE probe cost: %d accounts, on the %s: %.0f OPTIONS a minute (primary %d, backup %d in %v)",
					n, map[bool]string{false: "primary", true: "backup"}[onBackup], perMin, p1-p0, b1-b0, window)
			})
		}
	}
}

// waitCount waits, a minute at most, until n events of kind were seen.
func waitCount(t *testing.T, ev *events, kind Kind, n int) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ev.count(kind) < n; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d %s events after a minute", ev.count(kind), n, kind)
		}
	}
}
