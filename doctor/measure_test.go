package doctor

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/siplocate/siplocate/doctor/doctortest"
	"github.com/siplocate/siplocate/internal/testenv"
	"github.com/siplocate/siplocate/probe"
)

// TestMeasureSilentTarget logs how long a whole check of the fault lab
// takes (its targets probed in parallel, one silent) with a 2 s probe
// timeout, and in the same run how long the by-hand sequence of
// bench/doctor-by-hand/run (dig, sipsak, openssl s_client one after the
// other, each bounded by the same 2 s) takes against the same lab, for
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
	doctorTook := time.Since(start)
	silent := 0
	for _, p := range rep.Probes {
		if p.Outcome == probe.Silent {
			silent++
		}
	}
	t.Logf("siplocate doctor: %d targets, %d silent, timeout %s: whole check %s", len(rep.Targets), silent, cfg.Timeout, doctorTook.Round(time.Millisecond))

	out, took := runByHand(t, lab, "example.com", cfg.Timeout)
	t.Logf("by hand, in sequence (bench/doctor-by-hand/run):\n%s", out)
	t.Logf("by hand: %s; doctor: %s (%.1fx)", took.Round(time.Millisecond), doctorTook.Round(time.Millisecond), took.Seconds()/doctorTook.Seconds())
}

// runByHand runs bench/doctor-by-hand/run against lab for domain and
// returns its output and how long it took.
func runByHand(t *testing.T, lab *doctortest.Lab, domain string, timeout time.Duration) (string, time.Duration) {
	t.Helper()
	for _, b := range []string{"dig", "sipsak", "openssl", "bc"} {
		testenv.LookPath(t, b)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, lab.CAPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(lab.DNS)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join("..", "bench", "doctor-by-hand", "run"),
		"-s", host, "-p", port, "-d", domain, "-c", ca, "-t", timeout.String()[:len(timeout.String())-1])
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("bench/doctor-by-hand/run: %v\n%s", err, out)
	}
	return string(out), took
}
