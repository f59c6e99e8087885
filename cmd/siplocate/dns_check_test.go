package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
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
