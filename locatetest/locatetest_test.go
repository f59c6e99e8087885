package locatetest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatetest"
)

// guideZone is the guide's zone: NAPTR to UDP then TCP, one SRV target per
// priority so the order is fixed.
const guideZone = `
$ORIGIN example.com.
$TTL 300
@          IN SOA   ns host 1 3600 600 86400 60
@          IN NS    ns
@          IN NAPTR 10 50 "S" "SIP+D2U" "" _sip._udp
@          IN NAPTR 20 50 "S" "SIP+D2T" "" _sip._tcp
_sip._udp  IN SRV   10 0 5060 sip1
_sip._udp  IN SRV   20 0 5060 sip2
_sip._tcp  IN SRV   10 0 5060 sip1
sip1       IN A     192.0.2.13
sip2       IN A     192.0.2.12
ns         IN A     192.0.2.53
`

func newResolver(t *testing.T, zone string) *locatetest.Resolver {
	t.Helper()
	r, err := locatetest.NewResolver(zone)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func targets(res *locate.Result) []string {
	var out []string
	for _, t := range res.Targets {
		out = append(out, t.String())
	}
	return out
}

func TestLocate(t *testing.T) {
	tests := []struct {
		name    string
		uri     string
		opts    locate.Options
		want    []string
		wantErr error
	}{
		{name: "NAPTR, SRV, A", uri: "sip:alice@example.com", opts: locate.Options{Family: locate.IPv4Only},
			want: []string{
				"udp 192.0.2.13:5060 (sip1.example.com)", "udp 192.0.2.12:5060 (sip2.example.com)",
				"tcp 192.0.2.13:5060 (sip1.example.com)",
			}},
		{name: "SRV mode, TCP", uri: "sip:example.com;transport=tcp", opts: locate.Options{Mode: locate.ModeSRV},
			want: []string{"tcp 192.0.2.13:5060 (sip1.example.com)"}},
		{name: "A mode", uri: "sip:sip2.example.com", opts: locate.Options{Mode: locate.ModeA},
			want: []string{"udp 192.0.2.12:5060 (sip2.example.com)"}},
		{name: "NXDOMAIN", uri: "sip:nope.example.com", wantErr: locate.ErrNXDOMAIN},
		{name: "other domain", uri: "sip:example.net", wantErr: locate.ErrNXDOMAIN},
		{name: "name without records", uri: "sip:ns.example.com", opts: locate.Options{Family: locate.IPv6Only},
			wantErr: locate.ErrNoRecords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &locate.Locator{Resolver: newResolver(t, guideZone)}
			res, err := l.Locate(context.Background(), tt.uri, tt.opts)
			if !errors.Is(err, tt.wantErr) || tt.wantErr == nil && err != nil {
				t.Fatalf("Locate(%s) error = %v, want %v", tt.uri, err, tt.wantErr)
			}
			if got := targets(res); !slices.Equal(got, tt.want) {
				t.Errorf("Locate(%s) targets:\n got %q\nwant %q", tt.uri, got, tt.want)
			}
		})
	}
}

// TestAdditionalSection checks that the NAPTR answer's additional records
// answer the SRV and A questions from the cache, as a real server's do.
func TestAdditionalSection(t *testing.T) {
	r := newResolver(t, guideZone)
	l := &locate.Locator{Resolver: r}
	res, err := l.Locate(context.Background(), "sip:example.com", locate.Options{Family: locate.IPv4Only})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range res.Queries {
		if want := q.Type != "NAPTR"; q.Cached != want || q.Server != locatetest.Server {
			t.Errorf("%s %s: Cached %v from %q; want Cached %v from %q", q.Type, q.Name, q.Cached, q.Server, want, locatetest.Server)
		}
	}
	if got := r.Asked(); len(got) == 0 || got[0] != "NAPTR example.com." {
		t.Errorf("Asked() = %q, want NAPTR example.com. first", got)
	}
}

func TestFail(t *testing.T) {
	r := newResolver(t, guideZone)
	l := &locate.Locator{Resolver: r}
	ctx := context.Background()
	silent := fmt.Errorf("%w: test server silent", locate.ErrNoDNSAnswer)
	r.Fail("Example.COM", locate.TypeNAPTR, silent)
	if _, err := l.Locate(ctx, "sip:example.com", locate.Options{}); !errors.Is(err, locate.ErrNoDNSAnswer) {
		t.Errorf("with NAPTR failing: error %v, want one that wraps ErrNoDNSAnswer", err)
	}
	r.Fail("example.com.", locate.TypeNAPTR, nil)
	if res, err := l.Locate(ctx, "sip:example.com", locate.Options{}); err != nil || len(res.Targets) == 0 {
		t.Errorf("after Fail(nil): %d targets, error %v; want targets", len(res.Targets), err)
	}
}

func TestNewResolverRefusesBadText(t *testing.T) {
	_, err := locatetest.NewResolver("$ORIGIN example.com.\nsip1 300 IN A 192.0.2.1\nsip2 300 IN A not-an-ip\n")
	if err == nil || !strings.Contains(err.Error(), "zone:3") {
		t.Errorf("NewResolver(bad A record on line 3) error = %v, want one naming zone:3", err)
	}
}

// TestTTLInFakeTime checks that answers expire with their TTL, in a
// synctest bubble.
func TestTTLInFakeTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newResolver(t, guideZone)
		ctx := context.Background()
		if _, err := r.Lookup(ctx, "sip1.example.com", locate.TypeA); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			after      time.Duration
			wantCached bool
		}{{299 * time.Second, true}, {time.Second, false}} {
			time.Sleep(tc.after)
			a, err := r.Lookup(ctx, "sip1.example.com", locate.TypeA)
			if err != nil {
				t.Fatal(err)
			}
			if a.Cached != tc.wantCached || len(a.Addrs) != 1 {
				t.Errorf("after %v more: Cached %v, %d addresses; want Cached %v, 1 address", tc.after, a.Cached, len(a.Addrs), tc.wantCached)
			}
		}
	})
}
