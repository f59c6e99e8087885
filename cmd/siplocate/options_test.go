package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/internal/dnstest"
	"github.com/siplocate/siplocate/probe/probetest"
	"github.com/siplocate/siplocate/registrar"
)

// siplocate options tests bind 127.0.12.100-127.0.12.199 (docs/loopback.md):
// the DNS server on .100, the primary on .101:5060, the backup on
// .102:5060, nothing on .103:5060; TLS servers on .105:5061 (a
// certificate for its host only) and .106:5061 (one for sip:example.com).
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
	`_sip._tcp.example.com. 120 IN SRV 10 0 5060 sip2.example.com.`,
	`_sips._tcp.example.com. 120 IN SRV 10 0 5061 tls1.example.com.`,
	`_sips._tcp.example.com. 120 IN SRV 20 0 5061 tls2.example.com.`,
	`tls1.example.com. 60 IN A 127.0.12.105`,
	`tls2.example.com. 60 IN A 127.0.12.106`,
}

var optionsMillis = regexp.MustCompile(`[0-9.]+ms|"time_ms": [0-9.e-]+`)

// startOptionsRegistrar starts a registrar on addr playing fault, over
// UDP and, when tcp is set, over TCP too.
func startOptionsRegistrar(t *testing.T, addr string, fault registrar.Fault, tcp ...bool) {
	t.Helper()
	listen := []registrar.Listen{{Network: "udp", Addr: addr}}
	if len(tcp) > 0 && tcp[0] {
		listen = append(listen, registrar.Listen{Network: "tcp", Addr: addr})
	}
	r, err := registrar.New(registrar.Config{Listen: listen, NoAuth: true})
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
		tcp      bool // the backup listens on TCP too
		tls      bool // the TLS servers run, and --ca names their CA
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
		{name: "tcp_srv", backup: true, tcp: true, zone: true, args: []string{"example.com", "--dns-mode", "srv", "--transport", "tcp"}},
		{name: "tls_domain_name", tls: true, zone: true, args: []string{"sips:example.com", "--count", "2", "--interval", "0s"}},
		{name: "tls_transport_flag", tls: true, zone: true, args: []string{"example.com", "--dns-mode", "srv", "--transport", "tls", "--json"}},
		{name: "tls_system_roots", tls: true, zone: true, args: []string{"sips:example.com", "--attempt-timeout", "1s"}, wantCode: 1},
		{name: "bad_ca", args: []string{"sips:example.com", "--ca", "testdata/no-such-ca.pem"}, wantCode: 2},
		{name: "bad_transport", args: []string{"example.com", "--transport", "sctp"}, wantCode: 2},
		{name: "bad_count", args: []string{"example.com", "--count", "0"}, wantCode: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.primary != nil {
				startOptionsRegistrar(t, "127.0.12.101:5060", *tt.primary)
			}
			if tt.backup {
				startOptionsRegistrar(t, "127.0.12.102:5060", none, tt.tcp)
			}
			args := tt.args
			if tt.tls {
				ca := startOptionsTLS(t)
				if tt.name != "tls_system_roots" {
					args = append(args, "--ca", ca)
				}
			}
			server := ""
			switch {
			case tt.zone:
				server = dnstest.NewServerOn(t, "127.0.12.100", zone).Addr
			case tt.silent:
				server = dnstest.NewServerOn(t, "127.0.12.100", dnstest.Silent()).Addr
			}
			stdout, stderr, code := runOptions(t, server, args...)
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

// startOptionsTLS starts the TLS servers: tls1 (.105:5061) with a
// certificate for tls1.example.com only, which RFC 5922 §7.2 refuses for
// the domain example.com, and tls2 (.106:5061) with one for
// sip:example.com. It returns the path of their CA's PEM file.
func startOptionsTLS(t *testing.T) string {
	t.Helper()
	now := time.Now()
	ca := probetest.NewCA(t, now)
	year := now.Add(365 * 24 * time.Hour)
	serveSIPTLS(t, "127.0.12.105:5061", ca.Leaf(t, year, "tls1.example.com"))
	serveSIPTLS(t, "127.0.12.106:5061", ca.Leaf(t, year, "sip:example.com"))
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// serveSIPTLS answers every request on every TLS connection to addr with
// 200 OK, until the test ends.
func serveSIPTLS(t *testing.T, addr string, cert tls.Certificate) {
	t.Helper()
	conf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	probetest.ServeStream(t, addr, func(c net.Conn) {
		tc := tls.Server(c, conf)
		defer tc.Close()
		_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(tc)
		for range 100 {
			req, err := readStreamRequest(br)
			if err != nil {
				return
			}
			res := sip.NewResponseFromRequest(req, 200, "OK", nil)
			if _, err := tc.Write([]byte(res.String())); err != nil {
				return
			}
		}
	})
}

// readStreamRequest reads one body-less request from a stream (RFC 3261
// §18.3: the empty line ends it), skipping CRLF keep-alives.
func readStreamRequest(br *bufio.Reader) (*sip.Request, error) {
	var head strings.Builder
	for head.Len() < 8192 {
		l, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(l) == "" {
			if head.Len() == 0 {
				continue
			}
			msg, err := sip.ParseMessage([]byte(head.String() + "\r\n"))
			if err != nil {
				return nil, err
			}
			req, ok := msg.(*sip.Request)
			if !ok {
				return nil, errors.New("not a request")
			}
			return req, nil
		}
		head.WriteString(l)
	}
	return nil, errors.New("request head over 8192 bytes")
}
