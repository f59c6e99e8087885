package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
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
		{
			name:  "TCP caps",
			flags: serveFlags{zones: []string{"z"}, listen: ":53", maxTCP: 50, maxTCPPerIP: 5},
			check: func(t *testing.T, f serveFlags) {
				if cfg, _ := f.config(); cfg.MaxTCPConns != 50 || cfg.MaxTCPConnsPerIP != 5 {
					t.Errorf("TCP caps %d and %d per IP, want 50 and 5", cfg.MaxTCPConns, cfg.MaxTCPConnsPerIP)
				}
			},
		},
		{name: "negative TCP cap", flags: serveFlags{zones: []string{"z"}, listen: ":53", maxTCP: -1}, wantErr: "--tcp-max-conns"},
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
	if code != exitFailure || !strings.Contains(stderr.String(), "cname-and-a.zone:8: www.example.com. has a CNAME and A records: a CNAME must be the only data at its name") {
		t.Errorf("exit %d, stderr %q; want 1 and the file, line and reason", code, stderr.String())
	}
}

// sipNetZone is a small zone for the reload test, with serial and the
// address of sip.example.net. to change.
func sipNetZone(serial, addr string) string {
	return "$ORIGIN example.net.\n$TTL 60\n@ SOA ns2 hostmaster " + serial + " 3600 900 604800 300\n  NS ns2\nns2 A 198.51.100.53\nsip A " + addr + "\n"
}

// TestDNSServeSIGHUPAndMetrics runs `dns serve` with --metrics, reloads
// it with SIGHUP (a good file, then a bad one that must be refused with
// its line while the good zone keeps serving) and reads the counters from
// the Prometheus endpoint.
func TestDNSServeSIGHUPAndMetrics(t *testing.T) {
	dir := t.TempDir()
	zone := filepath.Join(dir, "example.net.zone")
	writeFile(t, zone, sipNetZone("1", "198.51.100.5"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"dns", "serve", "--zone", zone, "--listen", "127.0.2.54:0", "--metrics", "127.0.2.54:0", "--reload-interval", "0"}, &stdout, &stderr)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr.String())
		}
	})
	waitOutput(t, &stdout, "(udp+tcp)\n")
	m := regexp.MustCompile(`metrics on (http://\S+/metrics)\n(?s:.*)on (127\.0\.2\.54:\d+) \(udp\+tcp\)`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("output %q lacks the metrics and serving addresses", stdout.String())
	}
	metricsURL, addr := m[1], m[2]
	waitAddress(t, addr, "198.51.100.5")

	writeFile(t, zone, sipNetZone("2", "198.51.100.6"))
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitAddress(t, addr, "198.51.100.6")

	writeFile(t, zone, sipNetZone("3", "198.51.100.7")+"bad A 198.51.100.999\n")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, &stderr, `zone reload refused, last good zone kept`)
	if e := stderr.String(); !strings.Contains(e, zone+`:7: bad A A: \"198.51.100.999\"`) {
		t.Errorf("stderr %q, want the file, line 7 and the reason", e)
	}
	waitAddress(t, addr, "198.51.100.6")

	metrics := httpGet(t, metricsURL)
	for _, want := range []string{
		`siplocate_dns_reloads_total{result="ok"} 1`,
		`siplocate_dns_reloads_total{result="error"} 1`,
		`siplocate_dns_zone_serial{zone="example.net."} 2`,
		`siplocate_dns_responses_total{rcode="NOERROR"}`,
		`siplocate_dns_queries_total{type="A"}`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s:\n%s", want, metrics)
		}
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitAddress queries sip.example.net. A at addr until the answer is want,
// for up to 5 s (a reload runs in the background of the signal).
func waitAddress(t *testing.T, addr, want string) {
	t.Helper()
	var got string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r, err := dns.Exchange(new(dns.Msg).SetQuestion("sip.example.net.", dns.TypeA), addr)
		if err == nil && len(r.Answer) == 1 {
			if got = r.Answer[0].(*dns.A).A.String(); got == want {
				return
			}
		}
	}
	t.Fatalf("sip.example.net. A is %q after 5 s, want %s", got, want)
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", url, resp.Status, err)
	}
	return string(b)
}
