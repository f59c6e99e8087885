package dnsclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/internal/dnstest"
)

func TestTruncatedRetriesOverTCP(t *testing.T) {
	srv := dnstest.NewServer(t, dnstest.Truncate(dnstest.NewZone(testZone...)))
	c := testClient(t, []string{srv.Addr}, newClock(), nil)
	a, err := c.Lookup(context.Background(), "_sip._udp.example.com.", dns.TypeSRV)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Records) != 2 {
		t.Errorf("got %d records over TCP, want 2", len(a.Records))
	}
	qs := srv.Queries()
	if len(qs) != 2 || qs[0].Net != "udp" || qs[1].Net != "tcp" {
		t.Errorf("queries = %+v, want udp then tcp", qs)
	}
	if s := c.Stats(); s.Truncated != 1 || s.Queries != 2 {
		t.Errorf("Truncated %d, Queries %d; want 1, 2", s.Truncated, s.Queries)
	}
}

func TestOversizedAnswers(t *testing.T) {
	var big []string
	for i := range 300 {
		big = append(big, fmt.Sprintf("big.example.com. 300 IN TXT \"record %03d padded to make the answer large\"", i))
	}
	tests := []struct {
		name     string
		handler  dns.Handler
		wantNets string
	}{
		// the zone truncates at the client's 1232 bytes: TC, then TCP
		{name: "truncated at EDNS0 size", handler: dnstest.NewZone(big...), wantNets: "udp,tcp"},
		// a server that ignores the advertised size: the datagram is still read whole
		{name: "UDP answer above EDNS0 size", handler: table(map[string][]string{"big.example.com.": big[:100]}),
			wantNets: "udp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := dnstest.NewServer(t, tt.handler)
			c := testClient(t, []string{srv.Addr}, newClock(), nil)
			a, err := c.Lookup(context.Background(), "big.example.com.", dns.TypeTXT)
			if err != nil {
				t.Fatal(err)
			}
			nets := ""
			for i, q := range srv.Queries() {
				if i > 0 {
					nets += ","
				}
				nets += q.Net
			}
			if nets != tt.wantNets || len(a.Records) < 100 {
				t.Errorf("got %d records via %s, want >= 100 via %s", len(a.Records), nets, tt.wantNets)
			}
		})
	}
}

func TestForgedAnswersDropped(t *testing.T) {
	srv := dnstest.NewServer(t, dnstest.Spoof(dnstest.NewZone(testZone...)))
	c := testClient(t, []string{srv.Addr}, newClock(), nil)
	a, err := c.Lookup(context.Background(), "sip1.example.com.", dns.TypeA)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Records) != 1 || a.Records[0].(*dns.A).A.String() != "192.0.2.1" {
		t.Errorf("records = %v, want sip1's A", rrStrings(a.Records))
	}
	if s := c.Stats(); s.Mismatched != 3 {
		t.Errorf("Mismatched = %d, want 3 (wrong ID, name, type)", s.Mismatched)
	}
}

func TestQueryIDs(t *testing.T) {
	srv := dnstest.NewServer(t, dnstest.NewZone(testZone...))
	next := uint16(0x1234)
	c := testClient(t, []string{srv.Addr}, newClock(), func(cfg *Config) {
		cfg.ID = func() uint16 { next++; return next }
	})
	for _, name := range []string{"sip1.example.com.", "sip2.example.com."} {
		if _, err := c.Lookup(context.Background(), name, dns.TypeA); err != nil {
			t.Fatal(err)
		}
	}
	qs := srv.Queries()
	if len(qs) != 2 || qs[0].ID != 0x1235 || qs[1].ID != 0x1236 {
		t.Errorf("queries = %+v, want IDs 0x1235, 0x1236 from Config.ID", qs)
	}
}

func TestParseAnswer(t *testing.T) {
	q := new(dns.Msg)
	q.SetQuestion("sip1.example.com.", dns.TypeA)
	q.Id = 7
	reply := func(mod func(*dns.Msg)) []byte {
		m := new(dns.Msg)
		m.SetReply(q)
		mod(m)
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name    string
		b       []byte
		wantErr error
	}{
		{name: "match", b: reply(func(*dns.Msg) {})},
		{name: "name in other case", b: reply(func(m *dns.Msg) { m.Question[0].Name = "SIP1.example.COM." })},
		{name: "short", b: []byte{0, 7, 0x81}, wantErr: ErrMalformed},
		{name: "wrong ID", b: reply(func(m *dns.Msg) { m.Id = 8 }), wantErr: errMismatch},
		{name: "not a response", b: reply(func(m *dns.Msg) { m.Response = false }), wantErr: errMismatch},
		{name: "no question", b: reply(func(m *dns.Msg) { m.Question = nil }), wantErr: errMismatch},
		{name: "other class", b: reply(func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassCHAOS }), wantErr: errMismatch},
		{name: "truncated body", b: reply(func(m *dns.Msg) {})[:14], wantErr: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseAnswer(tt.b, q)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("parseAnswer: err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestDialSeam(t *testing.T) {
	srv := dnstest.NewServer(t, dnstest.NewZone(testZone...))
	var dialed []string
	c := testClient(t, []string{"192.0.2.53"}, newClock(), func(cfg *Config) {
		cfg.Dial = func(ctx context.Context, network, address string) (net.Conn, error) {
			dialed = append(dialed, network+" "+address)
			var d net.Dialer
			return d.DialContext(ctx, network, srv.Addr)
		}
	})
	a, err := c.Lookup(context.Background(), "sip1.example.com.", dns.TypeA)
	if err != nil {
		t.Fatal(err)
	}
	if len(dialed) != 1 || dialed[0] != "udp 192.0.2.53:53" || a.Server != "192.0.2.53:53" {
		t.Errorf("dialed %v, answer from %s; want one udp dial of 192.0.2.53:53", dialed, a.Server)
	}
}
