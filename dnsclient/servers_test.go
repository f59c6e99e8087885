package dnsclient

import (
	"context"
	"errors"
	"testing"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/internal/dnstest"
)

func TestServerRotation(t *testing.T) {
	garbage := dnstest.Raw(func(r *dns.Msg) []byte {
		return []byte{byte(r.Id >> 8), byte(r.Id), 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xff, 0xff}
	})
	tests := []struct {
		name       string
		first      dns.Handler
		wantRcode  int
		wantSecond int // queries the second server sees
		wantStat   func(Stats) uint64
	}{
		{name: "timeout", first: dnstest.Silent(), wantSecond: 1, wantStat: func(s Stats) uint64 { return s.Timeouts }},
		{name: "SERVFAIL", first: dnstest.Rcode(dns.RcodeServerFailure), wantSecond: 1,
			wantStat: func(s Stats) uint64 { return s.ServerErrs }},
		{name: "REFUSED", first: dnstest.Rcode(dns.RcodeRefused), wantSecond: 1,
			wantStat: func(s Stats) uint64 { return s.ServerErrs }},
		{name: "NOTIMP", first: dnstest.Rcode(dns.RcodeNotImplemented), wantSecond: 1,
			wantStat: func(s Stats) uint64 { return s.ServerErrs }},
		{name: "FORMERR", first: dnstest.Rcode(dns.RcodeFormatError), wantSecond: 1,
			wantStat: func(s Stats) uint64 { return s.ServerErrs }},
		{name: "malformed", first: garbage, wantSecond: 1, wantStat: func(s Stats) uint64 { return s.Malformed }},
		{name: "NXDOMAIN stops", first: dnstest.Rcode(dns.RcodeNameError), wantRcode: dns.RcodeNameError,
			wantStat: func(s Stats) uint64 { return 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := dnstest.NewServer(t, tt.first)
			second := dnstest.NewServer(t, dnstest.NewZone(testZone...))
			c := testClient(t, []string{first.Addr, second.Addr}, newClock(), nil)
			a, err := c.Lookup(context.Background(), "sip1.example.com.", dns.TypeA)
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			waitFor(t, func() bool { return first.Count() >= 1 }) // a silent server may log late
			if first.Count() != 1 || second.Count() != tt.wantSecond {
				t.Errorf("queries: first %d, second %d; want 1, %d", first.Count(), second.Count(), tt.wantSecond)
			}
			wantServer := second.Addr
			if tt.wantSecond == 0 {
				wantServer = first.Addr
			}
			if a.Rcode != tt.wantRcode || a.Server != wantServer {
				t.Errorf("answer rcode %d from %s, want %d from %s", a.Rcode, a.Server, tt.wantRcode, wantServer)
			}
			if n := tt.wantStat(c.Stats()); n != 1 {
				t.Errorf("counter for %s = %d, want 1 (%+v)", tt.name, n, c.Stats())
			}
		})
	}
}

func TestAllServersFail(t *testing.T) {
	tests := []struct {
		name        string
		handler     dns.Handler
		wantErr     error
		wantTimeout bool
	}{
		{name: "timeout", handler: dnstest.Silent(), wantErr: ErrTimeout, wantTimeout: true},
		{name: "SERVFAIL", handler: dnstest.Rcode(dns.RcodeServerFailure), wantErr: ErrServerFailure},
		{name: "REFUSED", handler: dnstest.Rcode(dns.RcodeRefused), wantErr: ErrRefused},
		{name: "wrong IDs only", handler: dnstest.Raw(func(r *dns.Msg) []byte {
			m := new(dns.Msg)
			m.SetReply(r)
			m.Id = r.Id + 1
			b, _ := m.Pack()
			return b
		}), wantErr: ErrTimeout, wantTimeout: true},
		{name: "garbage", handler: dnstest.Raw(func(r *dns.Msg) []byte {
			return append([]byte{byte(r.Id >> 8), byte(r.Id)}, "not a dns message at all"...)
		}), wantErr: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := dnstest.NewServer(t, tt.handler)
			second := dnstest.NewServer(t, tt.handler)
			c := testClient(t, []string{first.Addr, second.Addr}, newClock(), func(cfg *Config) { cfg.Attempts = 2 })
			_, err := c.Lookup(context.Background(), "sip1.example.com.", dns.TypeA)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, tt.wantErr) || e.Timeout != tt.wantTimeout || e.Server != second.Addr {
				t.Fatalf("err = %#v, want *Error from %s wrapping %v, Timeout %v", err, second.Addr, tt.wantErr, tt.wantTimeout)
			}
			// attempts are passes over the servers: first, second, first, second
			waitFor(t, func() bool { return first.Count()+second.Count() >= 4 }) // a silent server may log late
			if first.Count() != 2 || second.Count() != 2 || c.Stats().Queries != 4 {
				t.Errorf("queries on the wire: %d and %d, want 2 and 2 (2 attempts x 2 servers)", first.Count(), second.Count())
			}
		})
	}
}
