package doctor

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/siplocate/siplocate/doctor/doctortest"
	"github.com/siplocate/siplocate/probe"
)

// TestMeasureSilentTarget logs how long a whole check of the fault lab
// takes (7 targets, one silent) with a 2 s probe timeout, for
// docs/benchmarks.md: SIPLOCATE_MEASURE=1 go test -run TestMeasure -v ./doctor/
// It asserts no timing.
func TestMeasureSilentTarget(t *testing.T) {
	if os.Getenv("SIPLOCATE_MEASURE") == "" {
		t.Skip("set SIPLOCATE_MEASURE=1 to measure")
	}
	lab := doctortest.Start(t, "127.0.13.", 80, 0)
	cfg := labConfig(t, lab)
	cfg.Timeout = probe.DefaultTimeout
	start := time.Now()
	rep, err := Check(context.Background(), "example.com", cfg)
	if err != nil {
		t.Fatal(err)
	}
	silent := 0
	for _, p := range rep.Probes {
		if p.Outcome == probe.Silent {
			silent++
		}
	}
	t.Logf("%d targets, %d silent, timeout %s: whole check %s", len(rep.Targets), silent, cfg.Timeout, time.Since(start).Round(time.Millisecond))
}
