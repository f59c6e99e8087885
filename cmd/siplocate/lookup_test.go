package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"regexp"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/internal/dnstest"
)

// lookupZone is the guide's setup with one record per SRV priority, so
// that the target order does not depend on the weighted draw.
var lookupZone = []string{
	`example.com. 300 IN SOA ns.example.com. admin.example.com. 1 3600 600 86400 60`,
	`example.com. 300 IN NAPTR 10 10 "S" "SIP+D2U" "" _sip._udp.example.com.`,
	`example.com. 300 IN NAPTR 10 20 "S" "SIP+D2T" "" _sip._tcp.example.com.`,
	`_sip._udp.example.com. 120 IN SRV 10 60 5060 sip1.example.com.`,
	`_sip._udp.example.com. 120 IN SRV 20 40 5060 sip2.example.com.`,
	`_sip._tcp.example.com. 120 IN SRV 10 0 5060 sip1.example.com.`,
	`sip1.example.com. 60 IN A 192.0.2.13`,
	`sip1.example.com. 60 IN AAAA 2001:db8::13`,
	`sip2.example.com. 60 IN A 192.0.2.12`,
	`nosip.example.com. 60 IN TXT "no SIP here"`,
	`_sip._udp.dead.example.com. 60 IN SRV 0 0 0 .`,
	`_sip._tcp.dead.example.com. 60 IN SRV 0 0 0 .`,
	`_sip._udp.broken.example.com. 60 IN SRV 0 0 5060 sip1.example.com.example.com.`,
	`_sip._udp.broken.example.com. 60 IN SRV 1 0 5060 nosip.example.com.`,
}

var (
	rttText = regexp.MustCompile(`rtt [0-9.]+ms`)
	rttJSON = regexp.MustCompile(`"rtt_ms": [0-9.e-]+`)
	// localPort is the client's ephemeral port in a read error.
	localPort = regexp.MustCompile(`127\.0\.0\.1:[0-9]+(->|-\\u003e)`)
)

// runLookup runs `siplocate lookup` in-process against a dnstest server
// and returns its normalised stdout and stderr and exit status.
func runLookup(t *testing.T, server string, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	full := append([]string{"lookup"}, args...)
	if server != "" {
		full = append(full, "--dns", server)
	}
	code := run(context.Background(), full, &stdout, &stderr)
	norm := func(s string) string {
		if server != "" {
			s = strings.ReplaceAll(s, server, "127.0.0.1:PORT")
		}
		s = rttText.ReplaceAllString(s, "rtt X.Xms")
		s = localPort.ReplaceAllString(s, "127.0.0.1:LOCAL$1")
		return rttJSON.ReplaceAllString(s, `"rtt_ms": 0`)
	}
	return norm(stdout.String()), norm(stderr.String()), code
}

func TestLookupGolden(t *testing.T) {
	plain := &dnstest.Zone{Records: dnstest.RRs(lookupZone...)}
	tests := []struct {
		name     string
		zone     dns.Handler // nil: no DNS server
		args     []string
		wantCode int
	}{
		{name: "naptr", zone: plain, args: []string{"sip:alice@example.com"}},
		{name: "naptr_trace", zone: plain, args: []string{"example.com", "--trace", "--family", "ipv4"}},
		{name: "naptr_json", zone: plain, args: []string{"sip:alice@example.com", "--json"}},
		{name: "srv_tcp", zone: plain, args: []string{"example.com", "--dns-mode", "srv", "--transport", "tcp"}},
		{name: "a", zone: plain, args: []string{"sip1.example.com", "--dns-mode", "a"}},
		{name: "static", args: []string{"sip:example.com;transport=tcp", "--dns-mode", "static", "--primary-ip", "192.0.2.13", "--backup-ip", "192.0.2.12:5080,[2001:db8::12]"}},
		{name: "static_json", args: []string{"example.com", "--dns-mode", "static", "--primary-ip", "192.0.2.13", "--json"}},
		{name: "nxdomain", zone: plain, args: []string{"nowhere.example.com", "--transport", "udp", "--family", "ipv4"}, wantCode: 1},
		{name: "nxdomain_json", zone: plain, args: []string{"nowhere.example.com", "--transport", "udp", "--family", "ipv4", "--json"}, wantCode: 1},
		{name: "nodata", zone: plain, args: []string{"nosip.example.com:5060", "--family", "ipv4"}, wantCode: 1},
		{name: "all_dot", zone: plain, args: []string{"dead.example.com", "--dns-mode", "srv"}, wantCode: 1},
		{name: "all_dot_json", zone: plain, args: []string{"dead.example.com", "--dns-mode", "srv", "--json"}, wantCode: 1},
		{name: "partial", zone: failing("sip2.example.com.", plain), args: []string{"example.com", "--transport", "udp", "--family", "ipv4"}},
		{name: "bad_uri", args: []string{"sip:exa mple.com"}, wantCode: 2},
		{name: "bad_mode", args: []string{"example.com", "--dns-mode", "dns"}, wantCode: 2},
		{name: "bad_dns", args: []string{"example.com", "--dns", "bad host:xx"}, wantCode: 2},
		{name: "bad_transport", args: []string{"example.com", "--transport", "pigeon"}, wantCode: 2},
		{name: "dropped", zone: plain, args: []string{"broken.example.com", "--dns-mode", "srv", "--transport", "udp", "--family", "ipv4"}, wantCode: 1},
		{name: "dropped_json", zone: plain, args: []string{"broken.example.com", "--dns-mode", "srv", "--transport", "udp", "--family", "ipv4", "--json"}, wantCode: 1},
		{name: "dead_dns", zone: dnstest.Silent(), args: []string{"example.com", "--dns-timeout", "50ms"}, wantCode: 3},
		{name: "dead_dns_json", zone: dnstest.Silent(), args: []string{"example.com", "--dns-timeout", "50ms", "--json"}, wantCode: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := ""
			if tt.zone != nil {
				server = dnstest.NewServer(t, tt.zone).Addr
			}
			stdout, stderr, code := runLookup(t, server, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d; stderr: %s", code, tt.wantCode, stderr)
			}
			checkGolden(t, "lookup_"+tt.name, stdout+"--- stderr\n"+stderr)
		})
	}
}

// failing answers SERVFAIL for name and lets h answer everything else.
func failing(name string, h dns.Handler) dns.Handler {
	return dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		if len(r.Question) == 1 && r.Question[0].Name == name {
			w.WriteMsg(dnstest.Reply(r, dns.RcodeServerFailure, nil, nil, nil)) //nolint:errcheck
			return
		}
		h.ServeDNS(w, r)
	})
}

// TestLookupJSONShape checks the documented --json fields, so that the
// golden file cannot drift from the contract unnoticed.
func TestLookupJSONShape(t *testing.T) {
	server := dnstest.NewServer(t, &dnstest.Zone{Records: dnstest.RRs(lookupZone...)}).Addr
	stdout, _, code := runLookup(t, server, "sip:alice@example.com", "--json")
	if code != 0 {
		t.Fatalf("exit status %d", code)
	}
	var out struct {
		Version *int             `json:"version"`
		Targets []map[string]any `json:"targets"`
		Queries []map[string]any `json:"queries"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	if out.Version == nil || *out.Version != 0 || len(out.Targets) == 0 || len(out.Queries) == 0 {
		t.Fatalf("bad shape: %s", stdout)
	}
	for _, k := range []string{"transport", "address", "port", "host", "priority", "weight", "ttl"} {
		if _, ok := out.Targets[0][k]; !ok {
			t.Errorf("target lacks %q", k)
		}
	}
	for _, k := range []string{"name", "type", "rcode", "answers", "rtt_ms", "cached"} {
		if _, ok := out.Queries[0][k]; !ok {
			t.Errorf("query lacks %q", k)
		}
	}
}

// TestLookupUsesAdditional checks that SRV records and addresses from the
// additional section (cached by dnsclient when in bailiwick) spare their
// queries: only NAPTR and the AAAA the server did not send go on the wire.
func TestLookupUsesAdditional(t *testing.T) {
	server := dnstest.NewServer(t, dnstest.NewZone(lookupZone...)).Addr
	stdout, _, code := runLookup(t, server, "sip:alice@example.com", "--json")
	if code != 0 {
		t.Fatalf("exit status %d", code)
	}
	var out lookupJSON
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	var wire []string
	for _, q := range out.Queries {
		if !q.Cached {
			wire = append(wire, q.Type+" "+q.Name)
		}
	}
	want := []string{"NAPTR example.com.", "AAAA sip2.example.com."}
	if strings.Join(wire, ",") != strings.Join(want, ",") || len(out.Targets) != 5 {
		t.Errorf("queries on the wire %q, want %q; %d targets, want 5", wire, want, len(out.Targets))
	}
}

// TestLookupSeveralServers checks that --dns takes several servers and
// that a dead first one costs a timeout, not the lookup (issue 2: "move to
// the next server on timeout").
func TestLookupSeveralServers(t *testing.T) {
	dead := dnstest.NewServer(t, dnstest.Silent()).Addr
	good := dnstest.NewServer(t, &dnstest.Zone{Records: dnstest.RRs(lookupZone...)}).Addr
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"lookup", "sip1.example.com:5060", "--family", "ipv4", "--dns-timeout", "100ms",
		"--dns", dead, "--dns", good, "--json"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit status %d; stderr: %s", code, stderr.String())
	}
	var out lookupJSON
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Targets) != 1 || out.Targets[0].Address != "192.0.2.13" || len(out.Queries) != 1 || out.Queries[0].Server != good {
		t.Errorf("targets %+v, queries %+v; want 192.0.2.13 answered by %s", out.Targets, out.Queries, good)
	}
}

func TestLookupOptions(t *testing.T) {
	tests := []struct {
		name    string
		flags   lookupFlags
		wantErr string
	}{
		{name: "defaults", flags: lookupFlags{mode: "naptr", family: "any"}},
		{name: "transports", flags: lookupFlags{mode: "srv", family: "ipv6", transports: []string{"udp", " TLS"}}},
		{name: "static", flags: lookupFlags{mode: "static", family: "any", primaryIP: "192.0.2.1"}},
		{name: "bad mode", flags: lookupFlags{mode: "dns", family: "any"}, wantErr: "--dns-mode"},
		{name: "bad family", flags: lookupFlags{mode: "a", family: "ipv5"}, wantErr: "--family"},
		{name: "bad transport", flags: lookupFlags{mode: "a", family: "any", transports: []string{"quic"}}, wantErr: "--transport"},
		{name: "IPs without static", flags: lookupFlags{mode: "naptr", family: "any", backupIPs: []string{"192.0.2.1"}}, wantErr: "--dns-mode static"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.flags.options()
			if (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("options() error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestDNSServers checks that --dns values are validated once, before any
// query: host:port, an IP or a name, which is resolved here once rather
// than at every query (issue 9 item 5).
func TestDNSServers(t *testing.T) {
	hosts := map[string][]string{"ns.example.com": {"192.0.2.53", "2001:db8::53"}, "localhost": {"127.0.0.1"}}
	lookupHost := func(_ context.Context, h string) ([]string, error) {
		if a, ok := hosts[h]; ok {
			return a, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: h, IsNotFound: true}
	}
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "127.0.0.1", want: "127.0.0.1:53"},
		{in: "127.0.0.1:5353", want: "127.0.0.1:5353"},
		{in: "[::1]:53", want: "[::1]:53"},
		{in: "::1", want: "[::1]:53"},
		{in: "[::1]", want: "[::1]:53"},
		{in: "ns.example.com", want: "192.0.2.53:53"},
		{in: "ns.example.com:5300", want: "192.0.2.53:5300"},
		{in: "nowhere.example.com", wantErr: "no such host"},
		{in: "bad host:53", wantErr: "want an IP address or host"},
		{in: "host:0", wantErr: "port"},
		{in: "host:65536", wantErr: "port"},
		{in: ":53", wantErr: "want an IP address or host"},
		{in: "host:x", wantErr: "port"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := dnsServers(context.Background(), []string{tt.in}, lookupHost)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("dnsServers(%q) = %q, %v; want an error with %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || len(got) != 1 || got[0] != tt.want {
				t.Errorf("dnsServers(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}
