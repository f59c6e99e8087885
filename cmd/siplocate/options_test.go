package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/siplocate/siplocate/internal/dnstest"
	"github.com/siplocate/siplocate/registrar"
)

// siplocate options tests bind 127.0.12.100-127.0.12.199 (docs/loopback.md):
// the DNS server on .100, the primary on .101:5060, the backup on
// .102:5060, nothing on .103:5060.
var optionsZone = []string{
	`example.com. 300 IN SOA ns.example.com. admin.example.com. 1 3600 600 86400 60`,
	`example.com. 300 IN NAPTR 10 10 "S" "SIP+D2U" "" _sip._udp.example.com.`,
	`_sip._udp.example.com. 120 IN SRV 10 0 5060 sip1.example.com.`,
	`_sip._udp.example.com. 120 IN SRV 20 0 5060 sip2.example.com.`,
	`sip1.example.com. 60 IN A 127.0.12.101`,
	`sip2.example.com. 60 IN A 127.0.12.102`,
	`dead.example.com. 300 IN NAPTR 10 10 "S" "SIP+D2U" "" _sip._udp.dead.example.com.`,
	`_sip._udp.dead.example.com. 120 IN SRV 10 0 5060 sip3.example.com.`,
	`_sip._udp.dead.example.com. 120 IN SRV 20 0 5060 sip4.example.com.`,
	`sip3.example.com. 60 IN A 127.0.12.103`,
	`sip4.example.com. 60 IN A 127.0.12.104`,
}

var optionsMillis = regexp.MustCompile(`[0-9.]+ms|"time_ms": [0-9.e-]+`)

// startOptionsRegistrar starts a registrar on addr playing fault.
func startOptionsRegistrar(t *testing.T, addr string, fault registrar.Fault) {
	t.Helper()
	r, err := registrar.New(registrar.Config{Listen: []registrar.Listen{{Network: "udp", Addr: addr}}, NoAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	if err := r.SetFault(fault); err != nil {
		t.Fatal(err)
	}
}

// runOptions runs `siplocate options` in-process and returns its
// normalised stdout and stderr and exit status.
func runOptions(t *testing.T, server string, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	full := append([]string{"options"}, args...)
	if server != "" {
		full = append(full, "--dns", server)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, full, &stdout, &stderr)
	norm := func(s string) string {
		if server != "" {
			s = strings.ReplaceAll(s, server, "127.0.12.100:PORT")
		}
		s = localPort.ReplaceAllString(s, "127.0.0.1:LOCAL$1")
		return optionsMillis.ReplaceAllStringFunc(s, func(m string) string {
			if strings.HasPrefix(m, `"time_ms"`) {
				return `"time_ms": 0`
			}
			return "X.Xms"
		})
	}
	return norm(stdout.String()), norm(stderr.String()), code
}

func TestOptionsGolden(t *testing.T) {
	zone := &dnstest.Zone{Records: dnstest.RRs(optionsZone...)}
	none := registrar.Fault{}
	tests := []struct {
		name     string
		primary  *registrar.Fault // nil: nothing listens on the primary's port
		backup   bool
		zone     bool
		silent   bool // a DNS server that never answers
		args     []string
		wantCode int
	}{
		{name: "answered", primary: &none, backup: true, zone: true, args: []string{"sip:example.com"}},
		{name: "dead_primary", backup: true, zone: true, args: []string{"example.com", "--count", "3", "--interval", "0s"}},
		{name: "dead_primary_json", backup: true, zone: true, args: []string{"example.com", "--count", "2", "--interval", "0s", "--json"}},
		{name: "silent_primary", primary: &registrar.Fault{Kind: registrar.FaultSilent}, backup: true, zone: true, args: []string{"example.com", "--count", "2", "--interval", "0s", "--attempt-timeout", "200ms"}},
		{name: "503_primary", primary: &registrar.Fault{Kind: registrar.Fault503, RetryAfter: 30 * time.Second}, backup: true, zone: true, args: []string{"example.com", "--count", "2", "--interval", "0s"}},
		{name: "none_answered", zone: true, args: []string{"dead.example.com"}, wantCode: 1},
		{name: "dead_dns", silent: true, args: []string{"example.com", "--dns-timeout", "50ms"}, wantCode: 3},
		{name: "bad_uri", args: []string{"sip:exa mple.com"}, wantCode: 2},
		{name: "bad_mode", args: []string{"example.com", "--dns-mode", "dns"}, wantCode: 2},
		{name: "bad_transport", args: []string{"example.com", "--transport", "tls"}, wantCode: 2},
		{name: "bad_count", args: []string{"example.com", "--count", "0"}, wantCode: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.primary != nil {
				startOptionsRegistrar(t, "127.0.12.101:5060", *tt.primary)
			}
			if tt.backup {
				startOptionsRegistrar(t, "127.0.12.102:5060", none)
			}
			server := ""
			switch {
			case tt.zone:
				server = dnstest.NewServerOn(t, "127.0.12.100", zone).Addr
			case tt.silent:
				server = dnstest.NewServerOn(t, "127.0.12.100", dnstest.Silent()).Addr
			}
			stdout, stderr, code := runOptions(t, server, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d; stderr: %s", code, tt.wantCode, stderr)
			}
			checkGolden(t, "options_"+tt.name, stdout+"--- stderr\n"+stderr)
		})
	}
}

// TestOptionsJSONShape checks the documented --json fields.
func TestOptionsJSONShape(t *testing.T) {
	startOptionsRegistrar(t, "127.0.12.102:5060", registrar.Fault{})
	server := dnstest.NewServerOn(t, "127.0.12.100", &dnstest.Zone{Records: dnstest.RRs(optionsZone...)}).Addr
	stdout, _, code := runOptions(t, server, "example.com", "--json")
	if code != 0 {
		t.Fatalf("exit status %d", code)
	}
	var out struct {
		Version  *int `json:"version"`
		Requests []struct {
			Status   int              `json:"status"`
			Attempts []map[string]any `json:"attempts"`
		} `json:"requests"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	if out.Version == nil || *out.Version != 0 || len(out.Requests) != 1 || out.Requests[0].Status != 200 {
		t.Fatalf("JSON = %s", stdout)
	}
	for _, k := range []string{"transport", "address", "port", "outcome", "status", "time_ms"} {
		if _, ok := out.Requests[0].Attempts[0][k]; !ok {
			t.Errorf("attempt has no %q: %v", k, out.Requests[0].Attempts[0])
		}
	}
}
