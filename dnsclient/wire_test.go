package dnsclient

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/internal/dnstest"
)

// TestQueryAdvertisesEDNS0 checks every query carries an OPT record
// advertising 1232 bytes (RFC 6891 §6.2.5, RFC 8900 §3), or the size
// configured, and asks for recursion (a stub resolver, RFC 1034 §5.3.1).
func TestQueryAdvertisesEDNS0(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  uint16
		want uint16
	}{
		{name: "default", want: 1232},
		{name: "configured", cfg: 4096, want: 4096},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var sizes []uint16
			var rd []bool
			zone := dnstest.NewZone(testZone...)
			srv := dnstest.NewServer(t, dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
				mu.Lock()
				if opt := r.IsEdns0(); opt != nil {
					sizes = append(sizes, opt.UDPSize())
				} else {
					sizes = append(sizes, 0)
				}
				rd = append(rd, r.RecursionDesired)
				mu.Unlock()
				zone.ServeDNS(w, r)
			}))
			c := testClient(t, []string{srv.Addr}, newClock(), func(cfg *Config) { cfg.UDPSize = tt.cfg })
			if _, err := c.Lookup(context.Background(), "sip1.example.com.", dns.TypeA); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(sizes) != 1 || sizes[0] != tt.want || !rd[0] {
				t.Errorf("EDNS0 sizes %v, RD %v; want one query advertising %d with RD set", sizes, rd, tt.want)
			}
		})
	}
}

// TestDefaultQueryIDsVary checks that without Config.ID the IDs come from
// a random source (dns.Id, crypto/rand): eight queries do not share one
// (the chance that they do by luck is 65536^-7).
func TestDefaultQueryIDsVary(t *testing.T) {
	srv := dnstest.NewServer(t, dnstest.NewZone(testZone...))
	c, err := New(Config{Servers: []string{srv.Addr}, Timeout: time.Second, Attempts: 1, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	for range 8 {
		if _, err := c.Lookup(context.Background(), "sip1.example.com.", dns.TypeA); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[uint16]bool{}
	for _, q := range srv.Queries() {
		ids[q.ID] = true
	}
	if len(srv.Queries()) != 8 || len(ids) < 2 {
		t.Errorf("%d queries with %d distinct IDs; want 8 with random IDs", len(srv.Queries()), len(ids))
	}
}

// TestAnswerFromOtherSourceDropped sends, before the real answer, a
// well-formed answer with the right ID and question from another port of
// the server's address: the client's connected UDP socket never takes it
// (RFC 5452 §4.3: the answer must come from the address and port queried).
func TestAnswerFromOtherSourceDropped(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	other, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	done := make(chan error, 1)
	go func() { done <- serveWithForgery(pc, other) }()
	c := testClient(t, []string{pc.LocalAddr().String()}, newClock(), func(cfg *Config) { cfg.Timeout = 2 * time.Second })
	a, err := c.Lookup(context.Background(), "sip1.example.com.", dns.TypeA)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(a.Records) != 1 || a.Records[0].(*dns.A).A.String() != "192.0.2.1" {
		t.Errorf("records %v, want the real answer 192.0.2.1, not the forgery from another port", rrStrings(a.Records))
	}
}

// serveWithForgery answers one query on pc: first a forged answer from
// other, then the real one from pc.
func serveWithForgery(pc, other net.PacketConn) error {
	buf := make([]byte, 512)
	pc.SetReadDeadline(time.Now().Add(5 * time.Second)) //nolint:errcheck
	n, from, err := pc.ReadFrom(buf)
	if err != nil {
		return err
	}
	q := new(dns.Msg)
	if err := q.Unpack(buf[:n]); err != nil {
		return err
	}
	for _, w := range []struct {
		conn net.PacketConn
		addr string
	}{{other, "198.51.100.66"}, {pc, "192.0.2.1"}} {
		b, err := dnstest.Reply(q, dns.RcodeSuccess, dnstest.RRs("sip1.example.com. 60 IN A "+w.addr), nil, nil).Pack()
		if err != nil {
			return err
		}
		if _, err := w.conn.WriteTo(b, from); err != nil {
			return err
		}
	}
	return nil
}
