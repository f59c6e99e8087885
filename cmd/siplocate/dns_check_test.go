package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// updateGolden reports whether golden files are to be rewritten: with
// `go test -update` when some test file of the package defines -update
// (the package's test files are shared), or with UPDATE_GOLDEN=1.
func updateGolden() bool {
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		return true
	}
	return os.Getenv("UPDATE_GOLDEN") == "1"
}

func TestDNSCheckGolden(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{name: "clean", args: []string{"../../docs/examples/example.com.zone"}, wantCode: exitOK},
		{name: "clean_json", args: []string{"--json", "../../docs/examples/example.com.zone"}, wantCode: exitOK},
		{name: "broken", args: []string{"../../zonecheck/testdata/broken.zone"}, wantCode: exitFailure},
		{name: "broken_json", args: []string{"--json", "../../zonecheck/testdata/broken.zone"}, wantCode: exitFailure},
		{name: "warnings_only", args: []string{"../../zonecheck/testdata/include/example.org.zone"}, wantCode: exitOK},
		{name: "parse_error", args: []string{"testdata/dns_check_bad.zone"}, wantCode: exitBadUsage},
		{name: "origin_flag", args: []string{"--origin", "example.com", "testdata/dns_check_relative.zone"}, wantCode: exitOK},
		{name: "missing_file", args: []string{"testdata/dns_check_nothere.zone"}, wantCode: exitBadUsage},
		{name: "no_file", args: []string{}, wantCode: exitBadUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"dns", "check"}, tt.args...), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit status = %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
			got := append(stdout.Bytes(), []byte("-- stderr --\n"+stderr.String())...)
			golden := filepath.Join("testdata", "dns_check_"+tt.name+".golden")
			if updateGolden() {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (UPDATE_GOLDEN=1 writes it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s:\n--- got ---\n%s\n--- want ---\n%s", golden, got, want)
			}
		})
	}
}

// checkHead starts every zone of TestDNSCheckRules: SOA, NS and the name
// server's address, clean; the record under test is on line 5.
const checkHead = "$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 604800 60\n@ NS ns1\n"

// TestDNSCheckRules runs `dns check` on one small zone per rule of issue 4
// and checks the line it reports, the severity and the exit status: 1 when
// there is an error, 0 for warnings only.
func TestDNSCheckRules(t *testing.T) {
	tests := []struct {
		name     string
		zone     string // after checkHead; the faulty record is on line 5
		severity string
		wantCode int
	}{
		{name: "SRV target is a CNAME", zone: "_sip._udp SRV 10 0 5060 alias\nalias CNAME sip1\nsip1 A 192.0.2.1\nns1 A 192.0.2.53\n", severity: "error", wantCode: exitFailure},
		{name: "SRV target has no address", zone: "_sip._udp SRV 10 0 5060 sip1\nns1 A 192.0.2.53\n", severity: "error", wantCode: exitFailure},
		{name: "NAPTR replacement has no SRV", zone: "@ NAPTR 10 50 \"S\" \"SIP+D2U\" \"\" _sip._udp\nns1 A 192.0.2.53\n", severity: "error", wantCode: exitFailure},
		{name: "unknown NAPTR service", zone: "@ NAPTR 10 50 \"S\" \"SIP+D2Q\" \"\" _sip._udp\n_sip._udp SRV 10 0 5060 ns1\nns1 A 192.0.2.53\n", severity: "error", wantCode: exitFailure},
		{name: "unknown NAPTR flag", zone: "@ NAPTR 10 50 \"X\" \"SIP+D2U\" \"\" _sip._udp\n_sip._udp SRV 10 0 5060 ns1\nns1 A 192.0.2.53\n", severity: "error", wantCode: exitFailure},
		{name: "SIPS service not leading to TLS", zone: "@ NAPTR 10 50 \"S\" \"SIPS+D2T\" \"\" _sip._tcp\n_sip._tcp SRV 10 0 5060 ns1\nns1 A 192.0.2.53\n", severity: "error", wantCode: exitFailure},
		{name: "weight 0 mixed with non-zero", zone: "_sip._udp SRV 10 0 5060 ns1\n_sip._udp SRV 10 5 5060 ns1\nns1 A 192.0.2.53\n", severity: "warning", wantCode: exitOK},
		{name: "TTL below 30 s", zone: "_sip._udp 10 SRV 10 0 5060 ns1\nns1 A 192.0.2.53\n", severity: "warning", wantCode: exitOK},
		{name: "TTL above one day", zone: "_sip._udp 90000 SRV 10 0 5060 ns1\nns1 A 192.0.2.53\n", severity: "warning", wantCode: exitOK},
		{name: "SRV target outside the zone", zone: "_sip._udp SRV 10 0 5060 sip.example.org.\nns1 A 192.0.2.53\n", severity: "warning", wantCode: exitOK},
		{name: "NAPTR replacement outside the zone", zone: "@ NAPTR 10 50 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.org.\nns1 A 192.0.2.53\n", severity: "warning", wantCode: exitOK},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, fmt.Sprintf("rule%d.zone", i))
			if err := os.WriteFile(file, []byte(checkHead+tt.zone), 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"dns", "check", file}, &stdout, &stderr)
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if want := file + ":5: " + tt.severity + ": "; len(lines) != 2 || !strings.HasPrefix(lines[0], want) {
				t.Errorf("output:\n%s\nwant one finding starting %q, then the summary", stdout.String(), want)
			}
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
		})
	}
}
