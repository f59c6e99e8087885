package main

import (
	"bytes"
	"context"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestDNSServeFlags(t *testing.T) {
	tests := []struct {
		name    string
		flags   serveFlags
		wantErr string
		check   func(t *testing.T, f serveFlags)
	}{
		{
			name:  "defaults",
			flags: serveFlags{zones: []string{"z"}, listen: "127.0.0.1:5353"},
		},
		{
			name:  "transfer to an address and a prefix, a TSIG key",
			flags: serveFlags{zones: []string{"z"}, listen: "127.0.0.1:53", allowTransfer: []string{"192.0.2.1", "2001:db8::/32"}, tsig: []string{"xfr:hmac-sha256:c2VjcmV0"}},
			check: func(t *testing.T, f serveFlags) {
				cfg, _ := f.config()
				want := []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32"), netip.MustParsePrefix("2001:db8::/32")}
				if len(cfg.AllowTransfer) != 2 || cfg.AllowTransfer[0] != want[0] || cfg.AllowTransfer[1] != want[1] {
					t.Errorf("allow-transfer %v, want %v", cfg.AllowTransfer, want)
				}
				if k := cfg.TSIG[0]; k.Name != "xfr." || k.Algorithm != dns.HmacSHA256 || k.Secret != "c2VjcmV0" {
					t.Errorf("tsig %+v", k)
				}
			},
		},
		{name: "bad listen", flags: serveFlags{zones: []string{"z"}, listen: "localhost"}, wantErr: "--listen"},
		{name: "bad prefix", flags: serveFlags{zones: []string{"z"}, listen: ":53", allowTransfer: []string{"10.0.0.0/33"}}, wantErr: "--allow-transfer"},
		{name: "bad notify", flags: serveFlags{zones: []string{"z"}, listen: ":53", notify: []string{"192.0.2.1"}}, wantErr: "--notify"},
		{name: "TSIG without secret", flags: serveFlags{zones: []string{"z"}, listen: ":53", tsig: []string{"xfr:hmac-sha256:"}}, wantErr: "--tsig"},
		{name: "TSIG unknown algorithm", flags: serveFlags{zones: []string{"z"}, listen: ":53", tsig: []string{"xfr:hmac-md4:c2VjcmV0"}}, wantErr: "unknown algorithm"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.flags.config()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("config: %v, want error %q", err, tc.wantErr)
			}
			if tc.check != nil {
				tc.check(t, tc.flags)
			}
		})
	}
}

// notifyingBuffer is a buffer that signals each write.
type notifyingBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func (b *notifyingBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	select {
	case b.wrote <- struct{}{}:
	default:
	}
	return n, err
}

func (b *notifyingBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestDNSServeAnswersAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &notifyingBuffer{wrote: make(chan struct{}, 1)}
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"dns", "serve", "--zone", "../../dnsserver/testdata/example.com.zone", "--listen", "127.0.4.53:0", "--reuseport", "2"}, stdout, &stderr)
	}()
	select {
	case <-stdout.wrote:
	case code := <-done:
		t.Fatalf("exited %d: %s", code, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("no serving line within 10 s")
	}
	m := regexp.MustCompile(`^dns: serving example\.com\. \(serial 2026112501, \d+ records\) on (127\.0\.4\.53:\d+) \(udp\+tcp\)\n$`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("serving line %q", stdout.String())
	}
	r, err := dns.Exchange(new(dns.Msg).SetQuestion("sip1.example.com.", dns.TypeA), m[1])
	if err != nil || len(r.Answer) != 1 || !r.Authoritative {
		t.Fatalf("query: %v %v", r, err)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit %d, want 0; stderr %s", code, stderr.String())
	}
}

func TestDNSServeBadZoneExits1(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"dns", "serve", "--zone", "../../dnsserver/testdata/bad/cname-and-a.zone", "--listen", "127.0.4.53:0"}, &stdout, &stderr)
	if code != exitFailure || !strings.Contains(stderr.String(), "cname-and-a.zone:8: www.example.com.: CNAME and other data at one name") {
		t.Errorf("exit %d, stderr %q; want 1 and the file, line and reason", code, stderr.String())
	}
}
