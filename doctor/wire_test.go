package doctor

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/dnsserver"
	"github.com/siplocate/siplocate/locatedns"
)

// zoneAt is the zone of split.example as one name server holds it:
// serial, and the port of the second SRV record.
func zoneAt(serial int, port2 int) string {
	var big strings.Builder
	for i := range 20 {
		fmt.Fprintf(&big, "_sip._udp.big IN SRV 10 10 5060 a-rather-long-target-name-number-%02d.split.example.\n", i)
	}
	return fmt.Sprintf(`$ORIGIN split.example.
$TTL 300
@         IN SOA ns1 hostmaster %d 3600 600 86400 300
@         IN NS  ns1
@         IN NS  ns2
ns1       IN A   127.0.13.70
ns2       IN A   127.0.13.71
_sip._udp IN SRV 10 0 5060 sip1
_sip._udp IN SRV 20 0 %d sip1
sip1      IN A   127.0.13.72
big       IN A   127.0.13.72
%s`, serial, port2, big.String())
}

// startNS serves zone on addr.
func startNS(t *testing.T, addr, zone string) netip.AddrPort {
	t.Helper()
	p := filepath.Join(t.TempDir(), "split.example.zone")
	if err := os.WriteFile(p, []byte(zone), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := dnsserver.New(dnsserver.Config{Zones: []string{p}, Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return netip.MustParseAddrPort(s.Addr().String())
}

// TestNameServersDisagree runs two name servers of one zone, the second
// behind on its serial and with another port in one SRV record.
func TestNameServersDisagree(t *testing.T) {
	first := startNS(t, "127.0.13.70:0", zoneAt(2, 5070))
	startNS(t, fmt.Sprintf("127.0.13.71:%d", first.Port()), zoneAt(1, 5080))
	c, err := dnsclient.New(dnsclient.Config{Servers: []string{first.String()}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Resolver: locatedns.New(c), Servers: []string{first.String()}, NSPort: first.Port(),
		Transports: nil, Timeout: 300 * time.Millisecond}
	for _, tc := range []struct {
		uri  string
		want []found
	}{
		{uri: "split.example", want: []found{
			{Error, "ns-disagree", "_sip._udp.split.example. SRV"},
			{Warning, "ns-soa-serial", "split.example. SOA"},
		}},
		{uri: "big.split.example", want: []found{{Warning, "dns-truncated", "_sip._udp.big.split.example. SRV"}}},
	} {
		rep, err := Check(context.Background(), tc.uri, cfg)
		if err != nil {
			t.Fatal(err)
		}
		got := foundIn(t, rep)
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: missing %+v in %v", tc.uri, w, rep.Findings)
			}
		}
	}
}
