package dnstest

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestMemServer(t *testing.T) {
	tests := []struct {
		name    string
		network string
		handler dns.Handler
		wantTC  bool
		wantN   int
	}{
		{name: "udp", network: "udp", handler: NewZone(testZone...), wantN: 1},
		{name: "tcp", network: "tcp", handler: NewZone(testZone...), wantN: 1},
		{name: "udp truncated", network: "udp", handler: Truncate(NewZone(testZone...)), wantTC: true},
		{name: "tcp behind Truncate", network: "tcp", handler: Truncate(NewZone(testZone...)), wantN: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewMemServer(tt.handler)
			conn, err := s.Dial(context.Background(), tt.network, "192.0.2.53:53")
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(5 * time.Second)) //nolint:errcheck
			q := new(dns.Msg)
			q.SetQuestion("sip1.example.com.", dns.TypeA)
			var r *dns.Msg
			if tt.network == "tcp" {
				co := &dns.Conn{Conn: conn}
				if err := co.WriteMsg(q); err != nil {
					t.Fatal(err)
				}
				r, err = co.ReadMsg()
			} else {
				r, err = udpRoundTrip(conn, q)
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Id != q.Id || r.Truncated != tt.wantTC || len(r.Answer) != tt.wantN {
				t.Errorf("got ID %d TC %v, %d answers; want ID %d TC %v, %d", r.Id, r.Truncated, len(r.Answer), q.Id, tt.wantTC, tt.wantN)
			}
			if qs := s.Queries(); len(qs) != 1 || qs[0].Net != tt.network {
				t.Errorf("Queries() = %+v, want one over %s", qs, tt.network)
			}
		})
	}
}

func udpRoundTrip(conn interface {
	Write([]byte) (int, error)
	Read([]byte) (int, error)
}, q *dns.Msg) (*dns.Msg, error) {
	b, err := q.Pack()
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write(b); err != nil {
		return nil, err
	}
	buf := make([]byte, dns.MaxMsgSize)
	n, err := conn.Read(buf)
	if err != nil {
		return nil, err
	}
	r := new(dns.Msg)
	return r, r.Unpack(buf[:n])
}
