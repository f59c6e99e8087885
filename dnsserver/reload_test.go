package dnsserver

import (
	"strconv"
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
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), path+":7:") {
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

// TestNoQueryLostDuringReloads queries the server over its sockets, UDP
// and TCP, without pause while the zone file is rewritten and reloaded
// many times: by Reload (what SIGHUP calls), by the polling loop after a
// change, and with a bad file now and then. Every query must get the
// answer of one of the good versions: zero timeouts, zero errors.
func TestNoQueryLostDuringReloads(t *testing.T) {
	path := writeZone(t, t.TempDir(), "db.zone", zoneVersion("1", "192.0.2.1"))
	tick := make(chan time.Time)
	s := startServer(t, Config{Zones: []string{path}, ReusePort: 2, tick: tick})
	addr := s.Addr().String()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	results := make(chan queryTally, 4)
	for _, network := range []string{"udp", "udp", "tcp", "tcp"} {
		wg.Go(func() { results <- queryUntil(stop, network, addr) })
	}
	const reloads = 60
	for i := range reloads {
		serial, a := strconv.Itoa(i+2), []string{"192.0.2.1", "192.0.2.2"}[i%2]
		switch {
		case i%10 == 9:
			writeZone(t, "", path, zoneVersion(serial, a)+"bad A 192.0.2.999\n")
			if err := s.Reload(); err == nil {
				t.Fatal("bad file reloaded")
			}
		case i%2 == 0:
			writeZone(t, "", path, zoneVersion(serial, a))
			if err := s.Reload(); err != nil {
				t.Fatal(err)
			}
		default:
			writeZone(t, "", path, zoneVersion(serial, a))
			tick <- time.Time{} // the watch loop takes it and reloads;
			tick <- time.Time{} // it takes the next once that is done (and finds no change)
		}
	}
	close(stop)
	wg.Wait()
	close(results)
	var total queryTally
	for r := range results {
		total.ok, total.failed = total.ok+r.ok, append(total.failed, r.failed...)
	}
	if len(total.failed) > 0 || total.ok < reloads {
		t.Errorf("%d queries answered, %d failed (want none failed, and at least %d answered): %v", total.ok, len(total.failed), reloads, total.failed)
	}
	// Reload is called reloads/2 times with a good file and reloads/10
	// with a bad one; the polling loop may reload more (the tick after
	// one's reload can catch the next write).
	if ok, failed := s.reloadsOK.Load(), s.reloadsFailed.Load(); ok < reloads/2 || failed < reloads/10 {
		t.Errorf("reloads: %d ok, %d refused; want at least %d and %d", ok, failed, reloads/2, reloads/10)
	}
}

// queryTally counts one client's queries.
type queryTally struct {
	ok     int
	failed []string
}

// queryUntil asks for sip1's address over network, one query after the
// other, until stop is closed, and tallies the outcomes. Over TCP it keeps
// one connection, as a resolver does.
func queryUntil(stop <-chan struct{}, network, addr string) queryTally {
	var tally queryTally
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	conn, err := c.Dial(addr)
	if err != nil {
		tally.failed = append(tally.failed, network+" dial: "+err.Error())
		return tally
	}
	defer conn.Close()
	q := query{name: "sip1.example.com.", qtype: dns.TypeA, edns: 1232}.msg()
	for {
		select {
		case <-stop:
			return tally
		default:
		}
		q.Id = dns.Id()
		r, _, err := c.ExchangeWithConn(q, conn)
		if problem := checkSip1(r, err); problem != "" {
			tally.failed = append(tally.failed, network+": "+problem)
			continue
		}
		tally.ok++
	}
}

// checkSip1 returns what is wrong with a response to sip1's A query, or "".
func checkSip1(r *dns.Msg, err error) string {
	if err != nil {
		return err.Error()
	}
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		return r.String()
	}
	if a, ok := r.Answer[0].(*dns.A); !ok || a.A.String() != "192.0.2.1" && a.A.String() != "192.0.2.2" {
		return r.Answer[0].String()
	}
	return ""
}

// TestReloadIfIncludedFileChanged changes only a file the zone $INCLUDEs:
// the polling reload must see it, and a bad included file is refused with
// its own name and line while the last good zone keeps serving.
func TestReloadIfIncludedFileChanged(t *testing.T) {
	dir := t.TempDir()
	writeZone(t, dir, "sip.inc", "sip1 A 192.0.2.1\n")
	path := writeZone(t, dir, "db.zone", "$ORIGIN example.com.\n$TTL 60\n@ SOA ns1 hostmaster 1 3600 900 604800 300\n  NS ns1\nns1 A 192.0.2.53\n$INCLUDE sip.inc\n")
	s := newTestServer(t, path)
	writeZone(t, dir, "sip.inc", "sip1 A 192.0.2.2\n")
	if err := s.ReloadIfChanged(); err != nil {
		t.Fatal(err)
	}
	if got := sip1Address(t, s); got != "192.0.2.2" {
		t.Fatalf("after the included file changed sip1 is %s, want 192.0.2.2", got)
	}
	writeZone(t, dir, "sip.inc", "; moved\nsip1 A 192.0.2.3\nsip1 CNAME www\n")
	err := s.ReloadIfChanged()
	if err == nil || !strings.Contains(err.Error(), "sip.inc:3") {
		t.Fatalf("ReloadIfChanged: %v, want the CNAME conflict at sip.inc:3", err)
	}
	if got := sip1Address(t, s); got != "192.0.2.2" {
		t.Errorf("after a bad included file sip1 is %s, want the last good 192.0.2.2", got)
	}
	// Fixing the included file alone is a change too.
	writeZone(t, dir, "sip.inc", "; fixed\nsip1 A 192.0.2.4\n")
	if err := s.ReloadIfChanged(); err != nil {
		t.Fatal(err)
	}
	if got := sip1Address(t, s); got != "192.0.2.4" {
		t.Errorf("after the included file was fixed sip1 is %s, want 192.0.2.4", got)
	}
}

// TestTwoFilesForOneZone refuses a second file for a zone another file
// holds: at start, and when a reload turns one zone file into another's.
func TestTwoFilesForOneZone(t *testing.T) {
	dir := t.TempDir()
	a := writeZone(t, dir, "a.zone", zoneVersion("1", "192.0.2.1"))
	b := writeZone(t, dir, "b.zone", zoneVersion("2", "192.0.2.2"))
	if _, err := New(Config{Zones: []string{a, b}}); err == nil || !strings.Contains(err.Error(), "both hold zone example.com.") {
		t.Fatalf("New with two files for example.com.: %v, want refused", err)
	}
	netZone := writeZone(t, dir, "b.zone", "$ORIGIN example.net.\n$TTL 60\n@ SOA ns2 hostmaster 1 3600 900 604800 300\n  NS ns2\nns2 A 198.51.100.53\n")
	s := newTestServer(t, a, netZone)
	writeZone(t, dir, "b.zone", zoneVersion("3", "192.0.2.3"))
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "both hold zone example.com.") {
		t.Fatalf("Reload: %v, want b.zone refused for holding example.com. too", err)
	}
	if got := sip1Address(t, s); got != "192.0.2.1" {
		t.Errorf("sip1 is %s, want a.zone's 192.0.2.1", got)
	}
	if zs := s.Zones(); len(zs) != 2 || zs[1].Origin != "example.net." {
		t.Errorf("zones %v, want example.com. and the last good example.net.", zs)
	}
}
