package dnsserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/siplocate/siplocate/internal/fakeclock"
)

// fakeProber answers probes from a set of targets that are down.
type fakeProber struct {
	mu    sync.Mutex
	down  map[string]bool // HealthTarget.String()
	calls map[string]int
}

func newFakeProber(down ...string) *fakeProber {
	p := &fakeProber{down: map[string]bool{}, calls: map[string]int{}}
	p.set(true, down...)
	return p
}

func (p *fakeProber) set(down bool, targets ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range targets {
		p.down[t] = down
	}
}

func (p *fakeProber) probe(_ context.Context, t HealthTarget) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[t.String()]++
	if p.down[t.String()] {
		return "no answer", errors.New("no answer")
	}
	return "200 OK", nil
}

// newHealthServer is newTestServer with health checks by p on a fake
// clock; the test runs the rounds (healthRound) itself.
func newHealthServer(t testing.TB, p *fakeProber, mode string, log *slog.Logger) (*Server, *fakeclock.Clock) {
	t.Helper()
	clock := fakeclock.New(time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC))
	s, err := New(Config{Zones: testZones, HealthCheck: p.probe, HealthMode: mode, Logger: log, now: clock.Now})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, clock
}

// rounds runs n health rounds, the clock stepped one interval before each.
func rounds(s *Server, clock *fakeclock.Clock, n int) {
	for range n {
		clock.Advance(DefaultHealthInterval)
		s.healthRound(context.Background())
	}
}

// ask returns the answer to name/qtype through the fast path and checks
// that the slow path gives the same.
func ask(t *testing.T, s *Server, name string, qtype uint16) *dns.Msg {
	t.Helper()
	raw := pack(t, query{name: name, qtype: qtype, edns: 4096}.msg())
	fast, slow := exchangeUDP(t, s, raw), exchangeSlow(t, s, raw)
	if section(fast.Answer) != section(slow.Answer) || section(fast.Extra) != section(slow.Extra) {
		t.Errorf("%s %s: fast path and slow path differ:\n%v\n%v", name, dns.TypeToString[qtype], fast, slow)
	}
	return fast
}

const (
	srv1 = "_sip._udp.example.com. 6 IN SRV 10 60 5060 sip1.example.com."
	srv2 = "_sip._udp.example.com. 6 IN SRV 20 40 5060 sip2.example.com."
)

func TestHealthFallRise(t *testing.T) {
	p := newFakeProber("sip1.example.com:5060/udp")
	s, clock := newHealthServer(t, p, "", nil)
	for i := 1; i <= 3; i++ {
		want := []string{srv1, srv2}
		if i == 3 {
			want = []string{srv2} // fall: 3 failures in a row
		}
		rounds(s, clock, 1)
		checkSection(t, "answer after failure "+string(rune('0'+i)), ask(t, s, "_sip._udp.example.com.", dns.TypeSRV).Answer, want)
	}
	m := ask(t, s, "_sip._udp.example.com.", dns.TypeSRV)
	checkSection(t, "additional", m.Extra, []string{"sip2.example.com. 3600 IN A 192.0.2.12"})
	p.set(false, "sip1.example.com:5060/udp")
	rounds(s, clock, 1)
	checkSection(t, "answer after one pass", ask(t, s, "_sip._udp.example.com.", dns.TypeSRV).Answer, []string{srv2})
	rounds(s, clock, 1)
	checkSection(t, "answer after rise", ask(t, s, "_sip._udp.example.com.", dns.TypeSRV).Answer, []string{srv1, srv2})
	if st := s.Stats(); st.HealthProbes == 0 || st.HealthChanges != 2 || st.HealthTargetsDown != 0 {
		t.Errorf("stats: %d probes, %d changes, %d down; want some probes, 2 changes, 0 down", st.HealthProbes, st.HealthChanges, st.HealthTargetsDown)
	}
}

func TestHealthFailureRunResets(t *testing.T) {
	p := newFakeProber("sip1.example.com:5060/udp")
	s, clock := newHealthServer(t, p, "", nil)
	rounds(s, clock, 2)
	p.set(false, "sip1.example.com:5060/udp")
	rounds(s, clock, 1)
	p.set(true, "sip1.example.com:5060/udp")
	rounds(s, clock, 2)
	checkSection(t, "answer", ask(t, s, "_sip._udp.example.com.", dns.TypeSRV).Answer, []string{srv1, srv2})
}

func TestHealthFailOpen(t *testing.T) {
	p := newFakeProber("sip1.example.com:5060/udp", "sip2.example.com:5060/udp")
	s, clock := newHealthServer(t, p, "", nil)
	rounds(s, clock, 3)
	if st := s.Stats(); st.HealthTargetsDown != 2 {
		t.Fatalf("%d targets down, want 2", st.HealthTargetsDown)
	}
	checkSection(t, "answer", ask(t, s, "_sip._udp.example.com.", dns.TypeSRV).Answer, []string{srv1, srv2})
}

func TestHealthTTLCap(t *testing.T) {
	s, _ := newHealthServer(t, newFakeProber(), "", nil)
	// interval × fall = 6 s, from the start; other RRsets keep theirs.
	checkSection(t, "answer", ask(t, s, "_sip._udp.example.com.", dns.TypeSRV).Answer, []string{srv1, srv2})
	checkSection(t, "answer", ask(t, s, "sip2.example.com.", dns.TypeA).Answer, []string{"sip2.example.com. 3600 IN A 192.0.2.12"})
	// Without health checks the zone's TTL.
	checkSection(t, "answer", ask(t, newTestServer(t), "_sip._udp.example.com.", dns.TypeSRV).Answer, []string{
		"_sip._udp.example.com. 3600 IN SRV 10 60 5060 sip1.example.com.",
		"_sip._udp.example.com. 3600 IN SRV 20 40 5060 sip2.example.com."})
}

func TestHealthDemote(t *testing.T) {
	s, clock := newHealthServer(t, newFakeProber("sip1.example.com:5060/udp"), HealthDemote, nil)
	rounds(s, clock, 3)
	checkSection(t, "answer", ask(t, s, "_sip._udp.example.com.", dns.TypeSRV).Answer, []string{
		"_sip._udp.example.com. 6 IN SRV 65535 60 5060 sip1.example.com.", srv2})
}

func TestHealthNAPTRAdditional(t *testing.T) {
	// sip2 is only a UDP target: down, its SRV record and its address
	// leave the NAPTR answer's additional section.
	s, clock := newHealthServer(t, newFakeProber("sip2.example.com:5060/udp"), "", nil)
	rounds(s, clock, 3)
	m := ask(t, s, "example.com.", dns.TypeNAPTR)
	checkSection(t, "additional", m.Extra, []string{
		"_sips._tcp.example.com. 6 IN SRV 10 60 5061 sip1.example.com.",
		"_sip._udp.example.com. 6 IN SRV 10 60 5060 sip1.example.com.",
		"sip1.example.com. 3600 IN A 192.0.2.13",
		"sip1.example.com. 3600 IN AAAA 2001:db8::13",
		"sip3.example.com. 3600 IN A 192.0.2.14",
	})
}

func TestHealthTargets(t *testing.T) {
	s, _ := newHealthServer(t, newFakeProber(), "", nil)
	got := targetsOf(s.snap.Load(), s.Zones())
	var names []string
	for _, tg := range got {
		names = append(names, tg.String()+" "+tg.Domain)
	}
	want := "pool-1-long-host-name-for-size.example.com:5060/tcp pool.example.com."
	if len(got) == 0 || names[0] != want {
		t.Errorf("targets %q, want %q first", names, want)
	}
	for _, tg := range got {
		if tg.String() == "sip1.example.com:5061/tls" && (tg.Domain != "example.com." ||
			!slices.Equal(tg.Addrs, []netip.Addr{netip.MustParseAddr("192.0.2.13"), netip.MustParseAddr("2001:db8::13")})) {
			t.Errorf("sip1 tls target %+v", tg)
		}
	}
}

func TestHealthLog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	s, clock := newHealthServer(t, newFakeProber("sip2.example.com:5060/udp"), "", log)
	rounds(s, clock, 3)
	if want := "sip2.example.com:5060/udp down after 3 failed probes: no answer"; !strings.Contains(buf.String(), want) {
		t.Errorf("log %q lacks %q", buf.String(), want)
	}
}

func TestHealthJSON(t *testing.T) {
	s, clock := newHealthServer(t, newFakeProber("sip2.example.com:5060/udp"), "", nil)
	rounds(s, clock, 3)
	rec := httptest.NewRecorder()
	s.HealthHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/health", nil))
	var got struct {
		Targets []TargetHealth `json:"targets"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("/health: %v: %s", err, rec.Body)
	}
	for _, tg := range got.Targets {
		if tg.Target != "sip2.example.com:5060/udp" {
			continue
		}
		if tg.State != "down" || tg.LastOutcome != "no answer" || !tg.Since.Equal(clock.Now()) || !tg.LastProbe.Equal(clock.Now()) {
			t.Errorf("sip2: %+v", tg)
		}
		return
	}
	t.Errorf("/health has no sip2 target: %s", rec.Body)
}

func TestHealthAXFRUnchanged(t *testing.T) {
	p := newFakeProber("sip1.example.com:5060/udp", "sip2.example.com:5060/udp", "sip1.example.com:5061/tls")
	s := startServer(t, Config{AllowTransfer: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		HealthCheck: p.probe, HealthInterval: time.Hour})
	for range 3 {
		s.healthRound(context.Background())
	}
	rrs, err := axfr(s.Addr().String(), "example.com.", "", "")
	if err != nil {
		t.Fatalf("AXFR: %v", err)
	}
	var z *Zone
	for _, zz := range s.Zones() {
		if zz.Origin == "example.com." {
			z = zz
		}
	}
	if g, w := section(rrs), section(append(z.Records(), z.SOA)); g != w {
		t.Errorf("AXFR after health changes:\n%s\nwant the zone as written:\n%s", g, w)
	}
}

func TestHealthSlowProbeDoesNotBlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		calls := map[string]int{}
		probe := func(ctx context.Context, tg HealthTarget) (string, error) {
			mu.Lock()
			calls[tg.String()]++
			mu.Unlock()
			if tg.Host == "sip1.example.com." {
				<-ctx.Done() // silence: never answers
				return "", ctx.Err()
			}
			return "200 OK", nil
		}
		s, err := New(Config{Zones: testZones, HealthCheck: probe, HealthConcurrency: 2})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		s.wg.Go(s.watchHealth)
		time.Sleep(4*DefaultHealthInterval - time.Millisecond)
		synctest.Wait()
		checkSection(t, "answer", ask(t, s, "_sip._udp.example.com.", dns.TypeSRV).Answer, []string{srv2})
		mu.Lock()
		if calls["sip2.example.com:5060/udp"] < 3 {
			t.Errorf("sip2 probed %d times, want at least 3 while sip1 hangs", calls["sip2.example.com:5060/udp"])
		}
		mu.Unlock()
		_ = s.Close()
	})
}

func TestSafeOutcome(t *testing.T) {
	for in, want := range map[string]string{
		"200 OK":                 "200 OK",
		"200 \x1b[2JOK":          `"200 \x1b[2JOK"`,
		strings.Repeat("x", 300): strings.Repeat("x", maxOutcome) + "...",
	} {
		if got := safeOutcome(in); got != want {
			t.Errorf("safeOutcome(%.20q) = %.30q, want %.30q", in, got, want)
		}
	}
}

func TestProbeAllSharesProbes(t *testing.T) {
	a := []netip.Addr{netip.MustParseAddr("192.0.2.13")}
	targets := []HealthTarget{
		{Transport: "udp", Host: "sip1.d1.example.", Port: 5060, Addrs: a, Domain: "d1.example."},
		{Transport: "udp", Host: "sip1.d2.example.", Port: 5060, Addrs: a, Domain: "d2.example."},
		{Transport: "tcp", Host: "sip1.d2.example.", Port: 5060, Addrs: a, Domain: "d2.example."},
		{Transport: "tls", Host: "sip1.d1.example.", Port: 5061, Addrs: a, Domain: "d1.example."},
		{Transport: "tls", Host: "sip1.d2.example.", Port: 5061, Addrs: a, Domain: "d2.example."},
		{Transport: "udp", Host: "elsewhere.example.", Port: 5060},
	}
	p := newFakeProber("sip1.d1.example:5060/udp")
	got := probeAll(context.Background(), p.probe, targets, 2, time.Second)
	// The two UDP targets at one address are one probe, sent for the
	// first; TLS is checked per domain.
	if len(p.calls) != 5 || p.calls["sip1.d2.example:5060/udp"] != 0 {
		t.Errorf("probes sent %v, want 5, none for sip1.d2.example:5060/udp", p.calls)
	}
	if got[1].err == nil || got[1].sent || !got[0].sent || got[1].key.host != "sip1.d2.example." {
		t.Errorf("shared result %+v, want the failure of the first target, not counted as sent", got[1])
	}
}
