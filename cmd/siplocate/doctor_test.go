package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/siplocate/siplocate/doctor/doctortest"
	"github.com/siplocate/siplocate/internal/dnstest"
)

// Loopback block 127.0.13.0/24 (docs/loopback.md): siplocate doctor's
// tests use .100-.199, the lab .100-.107 with every server on port 5060.

var (
	doctorMillis = regexp.MustCompile(`[0-9]+\.[0-9]+ms`)
	doctorRTT    = regexp.MustCompile(`"rtt_ms": [0-9.e-]+`)
	doctorTime   = regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z`)
	doctorTemp   = regexp.MustCompile(`/tmp/Test[^ ]*/`)
)

// runDoctor runs `siplocate doctor` with args and returns its output with
// round-trip times and certificate times made stable.
func runDoctor(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, append([]string{"doctor"}, args...), &stdout, &stderr)
	out := stdout.String() + "--- stderr\n" + stderr.String()
	out = doctorMillis.ReplaceAllString(out, "N.Nms")
	out = doctorRTT.ReplaceAllString(out, `"rtt_ms": 0`)
	out = localPort.ReplaceAllString(out, "127.0.0.1:LOCAL$1")
	out = doctorTemp.ReplaceAllString(out, "TMP/")
	return doctorTime.ReplaceAllString(out, "TIME"), code
}

func TestDoctorGolden(t *testing.T) {
	lab := doctortest.Start(t, "127.0.13.", 100, 5060)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, lab.CAPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	silent := dnstest.NewServerOn(t, "127.0.13.110", dnstest.Silent()).Addr
	lab1 := []string{"--dns", lab.DNS, "--ca", ca, "--timeout", "500ms", "--dns-timeout", "500ms"}
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{name: "faults", args: append([]string{"example.com"}, lab1...), wantCode: 1},
		{name: "faults_json", args: append([]string{"example.com", "--json"}, lab1...), wantCode: 1},
		{name: "good", args: append([]string{"sip:alice@good.example"}, lab1...)},
		{name: "good_json", args: append([]string{"good.example", "--json"}, lab1...)},
		{name: "udp_only", args: append([]string{"good.example", "--transport", "udp"}, lab1...)},
		{name: "dead_dns", args: []string{"example.com", "--dns", silent, "--dns-timeout", "100ms"}, wantCode: 3},
		{name: "bad_transport", args: []string{"example.com", "--transport", "sctp"}, wantCode: 2},
		{name: "bad_ca", args: []string{"example.com", "--ca", filepath.Join(t.TempDir(), "none.pem")}, wantCode: 2},
		{name: "bad_uri", args: []string{"sip:exa mple.com", "--dns", lab.DNS}, wantCode: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code := runDoctor(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d; output:\n%s", code, tt.wantCode, out)
			}
			out = strings.ReplaceAll(out, silent, "127.0.13.110:PORT")
			checkGolden(t, "doctor_"+tt.name, out)
		})
	}
}

// TestDoctorJSONShape checks the fields issue 11 names.
func TestDoctorJSONShape(t *testing.T) {
	lab := doctortest.Start(t, "127.0.13.", 120, 0)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"doctor", "example.com", "--json", "--dns", lab.DNS, "--timeout", "300ms", "--dns-timeout", "300ms"}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr.String())
	}
	var got map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "findings", "queries", "targets"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no %q in %s", k, stdout.String())
		}
	}
	f := got["findings"].([]any)[0].(map[string]any)
	for _, k := range []string{"severity", "id", "subject", "message", "rfc"} {
		if _, ok := f[k]; !ok {
			t.Errorf("finding without %q: %v", k, f)
		}
	}
}
