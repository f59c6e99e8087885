package dnsserver

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const testKey = "xfr.example.com."

var testSecret = "c2lwbG9jYXRlLXRlc3Qta2V5LWZvci10c2lnLWhtYWM=" // base64 of a test-only secret

// startServer starts a server on 127.0.0.1 with a port of the system's
// choosing and stops it when t ends.
func startServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Zones == nil {
		cfg.Zones = testZones
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func exchange(t testing.TB, network, addr string, m *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s exchange: %v", network, err)
	}
	return r
}

func TestServeUDPAndTCP(t *testing.T) {
	s := startServer(t, Config{ReusePort: 2})
	addr := s.Addr().String()
	for _, network := range []string{"udp", "tcp"} {
		r := exchange(t, network, addr, query{name: "many.example.com.", qtype: dns.TypeA}.msg())
		wantTC := network == "udp"
		if r.Truncated != wantTC || (len(r.Answer) == 32) == wantTC {
			t.Errorf("%s: TC %v with %d answers; want TC only over UDP, all 32 over TCP", network, r.Truncated, len(r.Answer))
		}
	}
}

func TestAXFR(t *testing.T) {
	s := startServer(t, Config{
		AllowTransfer: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")},
		TSIG:          []TSIGKey{{Name: testKey, Algorithm: dns.HmacSHA256, Secret: testSecret}},
	})
	addr := s.Addr().String()
	tests := []struct {
		name    string
		key     string
		secret  string
		wantErr string
	}{
		{name: "address not allowed, no key: REFUSED", wantErr: "rcode: 5"},
		{name: "good TSIG key", key: testKey, secret: testSecret},
		{name: "TSIG with the wrong secret: NOTAUTH", key: testKey, secret: "d3Jvbmc=", wantErr: "bad authentication"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rrs, err := axfr(addr, "example.com.", tc.key, tc.secret)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.wantErr)) {
					t.Fatalf("AXFR gave %d records, error %v; want %s", len(rrs), err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			z := s.snap.Load().zones["example.com."]
			if len(rrs) != z.Len()+1 || rrs[0].Header().Rrtype != dns.TypeSOA || rrs[len(rrs)-1].Header().Rrtype != dns.TypeSOA {
				t.Errorf("got %d records, want %d framed by the SOA (RFC 5936 §2.2)", len(rrs), z.Len()+1)
			}
		})
	}
}

// axfr transfers zone from addr, signed when key is set.
func axfr(addr, zone, key, secret string) ([]dns.RR, error) {
	m := new(dns.Msg)
	m.SetAxfr(zone)
	tr := &dns.Transfer{}
	if key != "" {
		m.SetTsig(key, dns.HmacSHA256, 300, time.Now().Unix())
		tr.TsigSecret = map[string]string{key: secret}
	}
	ch, err := tr.In(m, addr)
	if err != nil {
		return nil, err
	}
	var out []dns.RR
	for env := range ch {
		if env.Error != nil {
			return out, env.Error
		}
		out = append(out, env.RR...)
	}
	return out, nil
}

func TestAXFRFromAllowedAddress(t *testing.T) {
	s := startServer(t, Config{AllowTransfer: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	rrs, err := axfr(s.Addr().String(), "example.net.", "", "")
	if err != nil || len(rrs) != 5 {
		t.Fatalf("AXFR: %d records, %v; want 5", len(rrs), err)
	}
	if _, err := axfr(s.Addr().String(), "sip1.example.com.", "", ""); err == nil || !strings.Contains(err.Error(), "rcode: 9") {
		t.Errorf("AXFR of a name that is no zone apex: %v, want NOTAUTH", err)
	}
}

// notifyRecorder is a fake secondary that records the NOTIFYs it gets.
type notifyRecorder struct {
	got chan *dns.Msg
}

func (n *notifyRecorder) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	_ = w.WriteMsg(m)
	n.got <- r
}

func startSecondary(t *testing.T) (*notifyRecorder, string) {
	t.Helper()
	rec := &notifyRecorder{got: make(chan *dns.Msg, 16)}
	started := make(chan struct{})
	srv := &dns.Server{Addr: "127.0.0.1:0", Net: "udp", Handler: rec, NotifyStartedFunc: func() { close(started) }}
	go func() { _ = srv.ListenAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return rec, srv.PacketConn.LocalAddr().String()
}

func TestNotifyAtStart(t *testing.T) {
	rec, addr := startSecondary(t)
	startServer(t, Config{Zones: []string{"testdata/example.net.zone"}, Notify: []string{addr}})
	select {
	case m := <-rec.got:
		if m.Opcode != dns.OpcodeNotify || !m.Authoritative || m.Question[0].Name != "example.net." || m.Question[0].Qtype != dns.TypeSOA {
			t.Fatalf("got %v, want NOTIFY for example.net. SOA with AA (RFC 1996 §3.7)", m)
		}
		if len(m.Answer) != 1 || m.Answer[0].(*dns.SOA).Serial != 1 {
			t.Errorf("answer %v, want the SOA with serial 1", m.Answer)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no NOTIFY within 5 s")
	}
}

func TestTSIGOverUDP(t *testing.T) {
	s := startServer(t, Config{TSIG: []TSIGKey{{Name: testKey, Algorithm: dns.HmacSHA256, Secret: testSecret}}})
	tests := []struct {
		name   string
		secret string
		rcode  int
		err    bool
	}{
		{name: "signed with our key: signed answer", secret: testSecret, rcode: dns.RcodeSuccess},
		{name: "wrong secret: NOTAUTH, unsigned", secret: "d3Jvbmc=", err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := query{name: "example.com.", qtype: dns.TypeSOA}.msg()
			m.SetTsig(testKey, dns.HmacSHA256, 300, time.Now().Unix())
			c := &dns.Client{Net: "udp", Timeout: 2 * time.Second, TsigSecret: map[string]string{testKey: tc.secret}}
			r, _, err := c.Exchange(m, s.Addr().String())
			if tc.err {
				if err == nil && r.Rcode != dns.RcodeNotAuth {
					t.Fatalf("response %v, want NOTAUTH or a TSIG error", r)
				}
				return
			}
			if err != nil || r.Rcode != tc.rcode || r.IsTsig() == nil || len(r.Answer) != 1 {
				t.Fatalf("response %v, err %v; want a signed SOA answer", r, err)
			}
		})
	}
}

func TestServeIPv6(t *testing.T) {
	if ln, err := net.ListenPacket("udp", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	} else {
		ln.Close()
	}
	s := startServer(t, Config{Addr: "[::1]:0", ReusePort: 1})
	r := exchange(t, "udp", s.Addr().String(), query{name: "sip1.example.com.", qtype: dns.TypeAAAA, edns: 1232}.msg())
	checkSection(t, "answer", r.Answer, []string{sip1AAAA})
}

// TestTCPManyQueriesOnOneConnection keeps one TCP connection for more
// queries than miekg's default limit of 128: a resolver reusing its
// connection must not see it closed under it (RFC 7766 §6.2.1).
func TestTCPManyQueriesOnOneConnection(t *testing.T) {
	s := startServer(t, Config{})
	c := &dns.Client{Net: "tcp", Timeout: 2 * time.Second}
	conn, err := c.Dial(s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i := range 300 {
		q := query{name: "sip1.example.com.", qtype: dns.TypeA}.msg()
		q.Id = uint16(i)
		r, _, err := c.ExchangeWithConn(q, conn)
		if err != nil || len(r.Answer) != 1 {
			t.Fatalf("query %d on one connection: %v, %v", i+1, r, err)
		}
	}
}

// logRecorder is a slog.Handler that keeps the records logged through it.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logRecorder) WithGroup(string) slog.Handler            { return h }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}

// find returns the attributes of the records with message msg, as key=value.
func (h *logRecorder) find(msg string) []map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]string
	for _, r := range h.records {
		if r.Message != msg {
			continue
		}
		attrs := map[string]string{"level": r.Level.String()}
		r.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value.String(); return true })
		out = append(out, attrs)
	}
	return out
}

// TestAXFRRefusedIsLogged checks issue 4's "an AXFR from an address that
// is not allowed gets REFUSED and is logged": the warning names the zone
// and the client's address.
func TestAXFRRefusedIsLogged(t *testing.T) {
	rec := &logRecorder{}
	s := startServer(t, Config{
		AllowTransfer: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
		Logger:        slog.New(rec),
	})
	if _, err := axfr(s.Addr().String(), "example.com.", "", ""); err == nil || !strings.Contains(err.Error(), "rcode: 5") {
		t.Fatalf("AXFR from 127.0.0.1: %v, want REFUSED", err)
	}
	got := rec.find("zone transfer refused")
	if len(got) != 1 || got[0]["level"] != "WARN" || got[0]["zone"] != "example.com." || got[0]["from"] != "127.0.0.1" {
		t.Errorf("log records %v, want one warning with zone=example.com. from=127.0.0.1", got)
	}
}

// TestStartTCPPortTaken: with a port given, a TCP port already held is an
// error naming it, and the UDP sockets opened first are closed again (the
// same address can then be served by another server).
func TestStartTCPPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	s, err := New(Config{Zones: testZones, Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Start()
	if !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), "listen tcp "+addr) {
		t.Fatalf("Start with TCP %s taken: %v, want EADDRINUSE naming it", addr, err)
	}
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("UDP %s still held after the failed Start: %v", addr, err)
	}
	_ = pc.Close()
}

func TestAnyPort(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:0": true, "[::1]:0": true, "127.0.0.1:53": false, "nonsense": false} {
		if got := anyPort(addr); got != want {
			t.Errorf("anyPort(%q) = %v, want %v", addr, got, want)
		}
	}
}
