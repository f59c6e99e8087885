package dnsserver

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// zoneVersion is the reload tests' zone with serial and sip1's address.
func zoneVersion(serial, addr string) string {
	return "$ORIGIN example.com.\n$TTL 60\n@ SOA ns1 hostmaster " + serial + " 3600 900 604800 300\n  NS ns1\nns1 A 192.0.2.53\nsip1 A " + addr + "\n"
}

func sip1Address(t testing.TB, s *Server) string {
	t.Helper()
	r := exchangeUDP(t, s, pack(t, query{name: "sip1.example.com.", qtype: dns.TypeA}.msg()))
	if r == nil || len(r.Answer) != 1 {
		t.Fatalf("sip1: %v, want one A record", r)
	}
	return r.Answer[0].(*dns.A).A.String()
}

func TestReloadBadFileKeepsGoodZone(t *testing.T) {
	path := writeZone(t, t.TempDir(), "db.zone", zoneVersion("1", "192.0.2.1"))
	s := newTestServer(t, path)
	writeZone(t, "", path, zoneVersion("2", "192.0.2.2")+"sip2 A 192.0.2.999\n")
	err := s.Reload()
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "line: 7") {
		t.Fatalf("Reload: %v, want an error naming %s line 7", err, path)
	}
	if got := sip1Address(t, s); got != "192.0.2.1" {
		t.Errorf("after a bad reload sip1 is %s, want the last good 192.0.2.1", got)
	}
	writeZone(t, "", path, zoneVersion("3", "192.0.2.3")+"www A 192.0.2.3\nwww CNAME sip1\n")
	if err := s.ReloadIfChanged(); err == nil || !strings.Contains(err.Error(), "db.zone:8") {
		t.Fatalf("ReloadIfChanged: %v, want the CNAME conflict at db.zone:8", err)
	}
	if got := sip1Address(t, s); got != "192.0.2.1" {
		t.Errorf("after a bad reload sip1 is %s, want the last good 192.0.2.1", got)
	}
}

func TestReloadGoodFileSwaps(t *testing.T) {
	rec, secondary := startSecondary(t)
	path := writeZone(t, t.TempDir(), "db.zone", zoneVersion("1", "192.0.2.1"))
	s, err := New(Config{Zones: []string{path}, Notify: []string{secondary}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.ReloadIfChanged(); err != nil || s.reloadsOK.Load() != 0 {
		t.Fatalf("unchanged file: err %v, %d reloads; want none", err, s.reloadsOK.Load())
	}
	writeZone(t, "", path, zoneVersion("2", "192.0.2.2"))
	if err := s.ReloadIfChanged(); err != nil {
		t.Fatal(err)
	}
	if got := sip1Address(t, s); got != "192.0.2.2" {
		t.Errorf("after reload sip1 is %s, want 192.0.2.2", got)
	}
	select {
	case m := <-rec.got:
		if soa, ok := m.Answer[0].(*dns.SOA); !ok || soa.Serial != 2 {
			t.Errorf("NOTIFY carries %v, want serial 2", m.Answer)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no NOTIFY after reload within 5 s")
	}
}

// TestQueriesDuringReload answers queries from several goroutines while
// the zone is reloaded again and again: every query gets one of the two
// versions' answers, none is lost.
func TestQueriesDuringReload(t *testing.T) {
	path := writeZone(t, t.TempDir(), "db.zone", zoneVersion("1", "192.0.2.1"))
	s := newTestServer(t, path)
	const workers, perWorker, reloads = 4, 500, 40
	var wg sync.WaitGroup
	errs := make(chan string, workers*perWorker)
	for range workers {
		wg.Go(func() {
			u := &udpSocket{srv: s}
			raw := pack(t, query{name: "sip1.example.com.", qtype: dns.TypeA}.msg())
			out := make([]byte, 0, 512)
			for range perWorker {
				r := new(dns.Msg)
				if err := r.Unpack(u.handle(raw, out, nil)); err != nil || len(r.Answer) != 1 {
					errs <- "bad response"
					continue
				}
				if a := r.Answer[0].(*dns.A).A.String(); a != "192.0.2.1" && a != "192.0.2.2" {
					errs <- a
				}
			}
		})
	}
	for i := range reloads {
		writeZone(t, "", path, zoneVersion(strings.Repeat("1", i%2+1), []string{"192.0.2.1", "192.0.2.2"}[i%2]))
		if err := s.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("query during reload: %s", e)
	}
}

// TestWatchReloadsChangedFile drives the polling loop with a tick channel
// of its own: the second tick is taken only once the first one's reload
// is done.
func TestWatchReloadsChangedFile(t *testing.T) {
	path := writeZone(t, t.TempDir(), "db.zone", zoneVersion("1", "192.0.2.1"))
	tick := make(chan time.Time)
	s := startServer(t, Config{Zones: []string{path}, tick: tick})
	writeZone(t, "", path, zoneVersion("2", "192.0.2.2"))
	tick <- time.Time{}
	tick <- time.Time{}
	if got := sip1Address(t, s); got != "192.0.2.2" {
		t.Errorf("after a tick sip1 is %s, want 192.0.2.2", got)
	}
}

// TestReloadEmptiesAnswerCache checks that a name cached as NXDOMAIN by a
// socket is found once a reload adds it.
func TestReloadEmptiesAnswerCache(t *testing.T) {
	path := writeZone(t, t.TempDir(), "db.zone", zoneVersion("1", "192.0.2.1"))
	s := newTestServer(t, path)
	u := &udpSocket{srv: s}
	raw := pack(t, query{name: "sip2.example.com.", qtype: dns.TypeA}.msg())
	for range 2 {
		if r := unpack(t, u.handle(raw, make([]byte, 0, 512), nil)); r.Rcode != dns.RcodeNameError {
			t.Fatalf("before reload: %v, want NXDOMAIN", r)
		}
	}
	writeZone(t, "", path, zoneVersion("2", "192.0.2.1")+"sip2 A 192.0.2.2\n")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if r := unpack(t, u.handle(raw, make([]byte, 0, 512), nil)); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Errorf("after reload: %v, want sip2's A record", r)
	}
}
