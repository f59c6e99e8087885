package dnsclient

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/internal/testenv"
)

// knotIP is dnsclient's interop address in its loopback block (docs/loopback.md).
const knotIP = "127.0.1.231"

const knotConf = `server:
    rundir: "{{dir}}"
    listen: {{ip}}@{{port}}
database:
    storage: "{{dir}}"
template:
  - id: default
    storage: "{{dir}}"
    semantic-checks: off
zone:
  - domain: example.com
    file: "{{dir}}/example.com.zone"
log:
  - target: stderr
    any: info
`

const knotZone = `$ORIGIN example.com.
$TTL 300
@        3600 IN SOA ns.example.com. host.example.com. 1 3600 600 86400 60
@             IN NS  ns.example.com.
ns            IN A   192.0.2.53
_sip._udp     IN SRV 10 60 5060 sip1.example.com.
_sip._udp     IN SRV 20 0 5060 sip2.example.com.
sip1      120 IN A   192.0.2.1
sip2          IN A   192.0.2.2
sip2          IN AAAA 2001:db8::2
www       100 IN CNAME sip1.example.com.
`

// startKnot runs knotd with knotZone (plus a TXT RRset too big for UDP)
// on knotIP and a free port, and returns its address once it answers.
func startKnot(t *testing.T) string {
	t.Helper()
	knotd := testenv.LookPath(t, "knotd")
	dir := t.TempDir()
	port := freePort(t, knotIP)
	var big strings.Builder
	for i := range 60 {
		fmt.Fprintf(&big, "big IN TXT \"record %02d padded so the RRset does not fit in 1232 bytes\"\n", i)
	}
	testenv.WriteFile(t, dir, "example.com.zone", knotZone+big.String())
	conf := testenv.WriteFile(t, dir, "knot.conf", testenv.Expand(knotConf,
		map[string]string{"dir": dir, "ip": knotIP, "port": strconv.Itoa(port)}))
	p := testenv.Start(t, knotd, "-c", conf)
	addr := net.JoinHostPort(knotIP, strconv.Itoa(port))
	testenv.WaitFor(t, p, 10*time.Second, zoneLoaded(addr))
	return addr
}

// freePort returns a TCP port on ip that was free a moment ago.
func freePort(t *testing.T, ip string) int {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("find a free port on %s: %v", ip, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// zoneLoaded returns a ready func that succeeds once addr answers the
// zone's SOA authoritatively.
func zoneLoaded(addr string) func() error {
	return func() error {
		q := new(dns.Msg)
		q.SetQuestion("example.com.", dns.TypeSOA)
		c := &dns.Client{Net: "tcp", Timeout: 200 * time.Millisecond}
		r, _, err := c.Exchange(q, addr)
		if err != nil {
			return err
		}
		if r.Rcode != dns.RcodeSuccess || !r.Authoritative {
			return fmt.Errorf("SOA query: rcode %s, AA %v", dns.RcodeToString[r.Rcode], r.Authoritative)
		}
		return nil
	}
}

func TestInteropKnot(t *testing.T) {
	testenv.RequireInterop(t)
	addr := startKnot(t)
	clk := newClock()
	c := testClient(t, []string{addr}, clk, func(cfg *Config) { cfg.Timeout = 2 * time.Second })
	ctx := context.Background()
	tests := []struct {
		name       string
		qname      string
		qtype      uint16
		wantRcode  int
		wantN      int
		wantCNAMEs int
		wantTTL    time.Duration
		wantCached bool
	}{
		{name: "SRV with additional A/AAAA", qname: "_sip._udp.example.com", qtype: dns.TypeSRV, wantN: 2, wantTTL: 300 * time.Second},
		{name: "AAAA of an SRV target, from the additional section", qname: "sip2.example.com", qtype: dns.TypeAAAA,
			wantN: 1, wantTTL: 300 * time.Second, wantCached: true},
		{name: "CNAME", qname: "www.example.com", qtype: dns.TypeA, wantN: 1, wantCNAMEs: 1, wantTTL: 100 * time.Second},
		{name: "NXDOMAIN", qname: "nope.example.com", qtype: dns.TypeA, wantRcode: dns.RcodeNameError, wantTTL: 60 * time.Second},
		{name: "NODATA", qname: "sip1.example.com", qtype: dns.TypeAAAA, wantTTL: 60 * time.Second},
		{name: "truncated, then TCP", qname: "big.example.com", qtype: dns.TypeTXT, wantN: 60, wantTTL: 300 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := c.Lookup(ctx, tt.qname, tt.qtype)
			if err != nil {
				t.Fatal(err)
			}
			if a.Rcode != tt.wantRcode || len(a.Records) != tt.wantN || len(a.CNAMEs) != tt.wantCNAMEs ||
				a.TTL(clk.Now()) != tt.wantTTL || a.Cached != tt.wantCached {
				t.Errorf("got rcode %d, %d records, %d CNAMEs, TTL %v, cached %v; want %d, %d, %d, %v, %v",
					a.Rcode, len(a.Records), len(a.CNAMEs), a.TTL(clk.Now()), a.Cached,
					tt.wantRcode, tt.wantN, tt.wantCNAMEs, tt.wantTTL, tt.wantCached)
			}
		})
	}
	if s := c.Stats(); s.Truncated != 1 || s.Queries != 6 {
		t.Errorf("Truncated %d, Queries %d; want 1, 6 (5 lookups on the wire, one over TCP too)", s.Truncated, s.Queries)
	}
}
