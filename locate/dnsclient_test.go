package locate_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/internal/dnstest"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatedns"
)

// TestLocateRFC3263OnDNSClient runs TestLocateRFC3263's cases on a real
// dnsclient, through locatedns, asking an in-process DNS server (dnstest)
// that serves each case's zone.
func TestLocateRFC3263OnDNSClient(t *testing.T) {
	locate.RunRFC3263Cases(t, func(t *testing.T, zone []string) locate.Resolver {
		srv := dnstest.NewServer(t, &dnstest.Zone{Records: dnstest.RRs(zone...)})
		c, err := dnsclient.New(dnsclient.Config{Servers: []string{srv.Addr}, Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return locatedns.New(c)
	})
}

// TestLocateNXDOMAINOneQueryOnTheWire runs an NXDOMAIN domain through a
// real dnsclient against a dnstest server: one query leaves, the NAPTR.
func TestLocateNXDOMAINOneQueryOnTheWire(t *testing.T) {
	srv := dnstest.NewServer(t, dnstest.NewZone(`example.com. 60 IN SOA ns.example.com. h.example.com. 1 1 1 1 60`))
	c, err := dnsclient.New(dnsclient.Config{Servers: []string{srv.Addr}, Timeout: 2e9})
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&locate.Locator{Resolver: locatedns.New(c)}).Locate(context.Background(), "sip:alice@nowhere.example.com", locate.Options{})
	if !errors.Is(err, locate.ErrNXDOMAIN) || len(res.Targets) != 0 {
		t.Fatalf("Locate: %v, %d targets; want ErrNXDOMAIN and none", err, len(res.Targets))
	}
	if qs := srv.Queries(); len(qs) != 1 || qs[0].Type != dns.TypeNAPTR {
		t.Errorf("queries on the wire %+v, want the NAPTR only", qs)
	}
	if len(res.Queries) != 5 {
		t.Errorf("trace has %d queries, want 5 (NAPTR asked, 2 SRV and A/AAAA inferred)", len(res.Queries))
	}
}
