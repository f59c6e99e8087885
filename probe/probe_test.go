package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/siplocate/siplocate/registrar"
)

// Loopback block 127.0.13.0/24 (docs/loopback.md): probe's unit tests use
// .1-.49.

func TestProbeRegistrar(t *testing.T) {
	r, udp, tcp := startRegistrar(t, "127.0.13.1")
	ctx := context.Background()
	opts := Options{Timeout: 2 * time.Second}
	for _, tg := range []Target{target("udp", "127.0.13.1", udp), target("tcp", "127.0.13.1", tcp)} {
		res := Probe(ctx, tg, "example.com", opts)
		if res.Outcome != Answered || res.Status != 200 || res.RTT <= 0 {
			t.Errorf("%s: got %s %d (%v), want answered 200", tg, res.Outcome, res.Status, res.Err)
		}
	}
	if err := r.SetFault(registrar.Fault{Kind: registrar.Fault503, RetryAfter: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	res := Probe(ctx, target("udp", "127.0.13.1", udp), "example.com", opts)
	if res.Outcome != Answered || res.Status != 503 || res.RetryAfter != 30*time.Second {
		t.Errorf("503: got %s %d Retry-After %s (%v), want answered 503 Retry-After 30s", res.Outcome, res.Status, res.RetryAfter, res.Err)
	}
	if !strings.Contains(res.String(), "Retry-After 30s") {
		t.Errorf("String() = %q, want the Retry-After", res)
	}
}

func TestProbeSilent(t *testing.T) {
	r, udp, _ := startRegistrar(t, "127.0.13.2")
	if err := r.SetFault(registrar.Fault{Kind: registrar.FaultSilent}); err != nil {
		t.Fatal(err)
	}
	res := Probe(context.Background(), target("udp", "127.0.13.2", udp), "example.com", Options{Timeout: 200 * time.Millisecond})
	if res.Outcome != Silent {
		t.Errorf("got %s (%v), want silent", res.Outcome, res.Err)
	}
}

func TestProbeRefusedAndUnreachable(t *testing.T) {
	r, _, tcp := startRegistrar(t, "127.0.13.3")
	if err := r.SetFault(registrar.Fault{Kind: registrar.FaultRefuseTCP}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if res := Probe(ctx, target("tcp", "127.0.13.3", tcp), "example.com", Options{}); res.Outcome != Refused {
		t.Errorf("refuse-tcp: got %s (%v), want tcp-refused", res.Outcome, res.Err)
	}
	port := closedUDPPort(t, "127.0.13.4")
	if res := Probe(ctx, target("udp", "127.0.13.4", port), "example.com", Options{Timeout: 5 * time.Second}); res.Outcome != Unreachable {
		t.Errorf("closed UDP port: got %s (%v), want icmp-unreachable", res.Outcome, res.Err)
	}
}

func TestProbeStreamFaults(t *testing.T) {
	huge := func(c net.Conn) {
		defer c.Close()
		_, _ = c.Write([]byte("SIP/2.0 200 OK\r\nX: " + strings.Repeat("a", 3000) + "\r\n"))
		for range 100 {
			if _, err := c.Write([]byte("X: " + strings.Repeat("b", 1000) + "\r\n")); err != nil {
				return
			}
		}
	}
	slow := func(c net.Conn) {
		defer c.Close()
		_, _ = c.Write([]byte("SIP/2.0 200 OK\r\n"))
		_, _ = io.Copy(io.Discard, c) // until the prober gives up
	}
	cases := []struct {
		name   string
		handle func(net.Conn)
		want   Outcome
	}{
		{name: "reset", handle: resetConn, want: Reset},
		{name: "garbage", handle: func(c net.Conn) { defer c.Close(); _, _ = c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n")) }, want: Garbage},
		{name: "huge", handle: huge, want: Garbage},
		{name: "slow", handle: slow, want: Garbage},
		{name: "silent", handle: func(c net.Conn) { defer c.Close(); _, _ = io.Copy(io.Discard, c) }, want: Silent},
		{name: "answers", handle: answerOK, want: Answered},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			host := fmt.Sprintf("127.0.13.%d", 10+i)
			port := serveStream(t, host, tc.handle)
			res := Probe(context.Background(), target("tcp", host, port), "example.com", Options{Timeout: 300 * time.Millisecond, MaxResponse: 16 << 10})
			if res.Outcome != tc.want {
				t.Errorf("got %s (%v), want %s", res.Outcome, res.Err, tc.want)
			}
		})
	}
}

func TestProbeTLS(t *testing.T) {
	ca := newTestCA(t)
	year := certNow.Add(365 * 24 * time.Hour)
	cases := []struct {
		name string
		cert tls.Certificate
		want Outcome
		soon bool
	}{
		{name: "sip URI names the domain", cert: ca.leaf(t, year, "sip:example.com", "sip3.example.com"), want: Answered},
		{name: "dNSName names the domain", cert: ca.leaf(t, year, "example.com"), want: Answered},
		{name: "names the host only", cert: ca.leaf(t, year, "sip3.example.com"), want: TLSName},
		{name: "sip URI of another domain wins over dNSName", cert: ca.leaf(t, year, "sip:other.example", "example.com"), want: TLSName},
		{name: "wildcard", cert: ca.leaf(t, year, "*.com"), want: TLSName},
		{name: "expired", cert: ca.leaf(t, certNow.Add(-time.Hour), "example.com"), want: TLSCertificate, soon: true},
		{name: "expires in a week", cert: ca.leaf(t, certNow.Add(7*24*time.Hour), "example.com"), want: Answered, soon: true},
		{name: "unknown authority", cert: newTestCA(t).leaf(t, year, "example.com"), want: TLSCertificate},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			host := fmt.Sprintf("127.0.13.%d", 20+i)
			port := serveTLS(t, host, tc.cert)
			res := Probe(context.Background(), target("tls", host, port), "example.com",
				Options{Timeout: 2 * time.Second, TLS: &tls.Config{RootCAs: ca.Pool}, Now: func() time.Time { return certNow }})
			if res.Outcome != tc.want {
				t.Fatalf("got %s (%v), want %s", res.Outcome, res.Err, tc.want)
			}
			if res.Cert == nil || res.Cert.ExpiresSoon != tc.soon {
				t.Errorf("Cert %+v: want ExpiresSoon %v", res.Cert, tc.soon)
			}
		})
	}
}

func TestProbeTLSHandshakeAndSNI(t *testing.T) {
	port := serveStream(t, "127.0.13.9", func(c net.Conn) { defer c.Close(); _, _ = c.Write([]byte("SIP/2.0 200 OK\r\n\r\n")) })
	res := Probe(context.Background(), target("tls", "127.0.13.9", port), "example.com", Options{Timeout: time.Second})
	if res.Outcome != TLSHandshake {
		t.Errorf("plain TCP on a TLS target: got %s (%v), want tls-handshake", res.Outcome, res.Err)
	}
	ca := newTestCA(t)
	sni := make(chan string, 1)
	conf := &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
		sni <- h.ServerName
		c := ca.leaf(t, certNow.Add(time.Hour*24*365), "example.com")
		return &c, nil
	}}
	port = serveStream(t, "127.0.13.9", func(c net.Conn) { answerOK(tls.Server(c, conf)) })
	res = Probe(context.Background(), target("tls", "127.0.13.9", port), "Example.com",
		Options{TLS: &tls.Config{RootCAs: ca.Pool}, Now: func() time.Time { return certNow }})
	if got := <-sni; got != "Example.com" || res.Outcome != Answered {
		t.Errorf("SNI %q, outcome %s (%v): want the SIP domain and answered", got, res.Outcome, res.Err)
	}
}

func TestProbeBadTarget(t *testing.T) {
	if res := Probe(context.Background(), Target{Transport: "sctp"}, "example.com", Options{}); res.Outcome != Failed {
		t.Errorf("got %s, want error", res.Outcome)
	}
}
