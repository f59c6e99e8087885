package sipsend_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatetest"
	"github.com/siplocate/siplocate/probe/probetest"
	"github.com/siplocate/siplocate/sipsend"
)

// testCert returns a self-signed certificate for name and a pool that
// trusts it.
func testCert(t *testing.T, name string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// tlsResponder answers every request that comes over TLS on ip with 200.
func tlsResponder(t *testing.T, ip string, cert tls.Certificate) netip.AddrPort {
	t.Helper()
	l, err := tls.Listen("tcp", ip+":0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { answerStream(c) })
		}
	})
	return netip.MustParseAddrPort(l.Addr().String())
}

// answerStream reads requests without bodies from c and answers each 200.
func answerStream(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for range 100 {
		var msg strings.Builder
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			msg.WriteString(line)
			if line == "\r\n" {
				break
			}
		}
		m, err := sip.ParseMessage([]byte(msg.String()))
		req, ok := m.(*sip.Request)
		if err != nil || !ok {
			return
		}
		if _, err := c.Write([]byte(sip.NewResponseFromRequest(req, 200, "OK", nil).String())); err != nil {
			return
		}
	}
}

// TestTLSServerNameIsTheDomain: the certificate is checked for the SIP
// domain, not the target's address (RFC 5922 §4); a target whose
// certificate is for another name fails at the transport and the next one
// is tried; without Options.Streams, sipgo checks the address and both fail.
func TestTLSServerNameIsTheDomain(t *testing.T) {
	good, pool := testCert(t, "example.com")
	wrong, _ := testCert(t, "other.example")
	pool.AddCert(mustParse(t, wrong)) // trusted, but for another name
	p := tlsResponder(t, ip(70), wrong)
	b := tlsResponder(t, ip(71), good)
	zone, err := locatetest.NewResolver(fmt.Sprintf(`
$ORIGIN example.com.
_sips._tcp 300 IN SRV 10 0 %d sip1
_sips._tcp 300 IN SRV 20 0 %d sip2
sip1       300 IN A   %s
sip2       300 IN A   %s
`, p.Port(), b.Port(), p.Addr(), b.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, zone, locate.TLS)
	f.opts.Streams = sipsend.NewStreams(f.client.TransportLayer(), &tls.Config{RootCAs: pool})
	t.Cleanup(f.opts.Streams.Close)

	res, tr, err := f.options(t, "sips:example.com")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("Do = %v, %v (%q); want 200 from the backup", res, err, outcomes(tr))
	}
	if got := outcomes(tr); len(got) != 2 || got[0] != p.String()+" transport-error" || got[1] != b.String()+" 200" {
		t.Errorf("attempts = %q, want the primary's certificate refused, then the backup", got)
	}
	if _, tr, err = f.options(t, "sips:example.com"); err != nil || len(tr.Attempts) != 1 {
		t.Errorf("second request: %v, %q; want the backup at once over its connection", err, outcomes(tr))
	}

	// sipgo's own dialer, trusting the same roots: the name it checks is
	// the IP address, which neither certificate names.
	g := newFixture(t, zone, locate.TLS)
	ua, err := sipgo.NewUA(sipgo.WithUserAgenTLSConfig(&tls.Config{RootCAs: pool}),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(slog.New(slog.DiscardHandler))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ua.Close() })
	if g.client, err = sipgo.NewClient(ua, sipgo.WithClientLogger(slog.New(slog.DiscardHandler))); err != nil {
		t.Fatal(err)
	}
	g.opts.Streams = nil
	if _, tr, err := g.options(t, "sips:example.com"); !errors.Is(err, sipsend.ErrNoTarget) {
		t.Errorf("without Options.Streams: %v, %q; want no target (the certificates name no IP)", err, outcomes(tr))
	} else if !strings.Contains(tr.Attempts[1].Err.Error(), "cannot validate certificate for 127.0.12.71") {
		t.Errorf("without Options.Streams the backup failed with %v, want a name mismatch for its IP", tr.Attempts[1].Err)
	}
}

func mustParse(t *testing.T, c tls.Certificate) *x509.Certificate {
	t.Helper()
	x, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// resetter accepts TCP connections on ip, reads a request from each and
// resets the connection (SO_LINGER 0) instead of answering.
func resetter(t *testing.T, ip string) netip.AddrPort {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = l.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, _ = c.Read(buf)
			_ = c.(*net.TCPConn).SetLinger(0)
			_ = c.Close()
		}
	})
	return netip.MustParseAddrPort(l.Addr().String())
}

// TestTCPReset: a connection reset under the transaction is a transport
// error at once, not a timeout, and the backup answers.
func TestTCPReset(t *testing.T) {
	p := resetter(t, ip(72))
	_, b := startRegistrar(t, "tcp", ip(73))
	f := newFixture(t, srvZone(t, "tcp", p, b), locate.TCP)
	f.opts.AttemptTimeout = 10 * time.Second // a timeout would fail the test's own deadline
	res, tr, err := f.options(t, "sip:example.com")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("Do = %v, %v (%q); want 200 from the backup", res, err, outcomes(tr))
	}
	if got := outcomes(tr); len(got) != 2 || got[0] != p.String()+" transport-error" {
		t.Errorf("attempts = %q, want the reset primary's transport error first", got)
	}
}

// TestTLSSIPDomainIdentity: the name check is RFC 5922 §7.1-7.2's, not the
// web's: a certificate whose subjectAltName is the URI sip:example.com is
// the domain's, and one that has sip URIs for another domain is not, even
// with a dNSName example.com (the URIs win, §7.1).
func TestTLSSIPDomainIdentity(t *testing.T) {
	ca := probetest.NewCA(t, time.Now())
	year := time.Now().Add(365 * 24 * time.Hour)
	tests := []struct {
		name  string
		names []string
		want  string
	}{
		{name: "sip URI", names: []string{"sip:example.com"}, want: "200"},
		{name: "dNSName", names: []string{"example.com"}, want: "200"},
		{name: "sip URI of another domain wins over dNSName", names: []string{"sip:other.example", "example.com"}, want: "transport-error"},
		{name: "host only", names: []string{"sip1.example.com"}, want: "transport-error"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tlsResponder(t, ip(74+i), ca.Leaf(t, year, tc.names...))
			zone, err := locatetest.NewResolver(fmt.Sprintf("$ORIGIN example.com.\n_sips._tcp 300 IN SRV 10 0 %d sip1\nsip1 300 IN A %s\n", p.Port(), p.Addr()))
			if err != nil {
				t.Fatal(err)
			}
			f := newFixture(t, zone, locate.TLS)
			f.opts.Streams = sipsend.NewStreams(f.client.TransportLayer(), &tls.Config{RootCAs: ca.Pool})
			t.Cleanup(f.opts.Streams.Close)
			_, tr, _ := f.options(t, "sips:example.com")
			if got := outcomes(tr); len(got) != 1 || got[0] != p.String()+" "+tc.want {
				t.Errorf("attempts = %q, want %s", got, tc.want)
			}
		})
	}
}

// TestNoGoroutineLeftStreams: requests over TCP and TLS whose first
// targets reset the connection or show a certificate for another name
// leave no goroutine behind: after 20 more of them the count is where it
// was after the first 5 (the backup's connection and its reader stay).
func TestNoGoroutineLeftStreams(t *testing.T) {
	for _, transport := range []locate.Transport{locate.TCP, locate.TLS} {
		t.Run(string(transport), func(t *testing.T) {
			ca := probetest.NewCA(t, time.Now())
			year := time.Now().Add(365 * 24 * time.Hour)
			var zone *locatetest.Resolver
			if transport == locate.TCP {
				p := resetter(t, ip(84))
				_, b := startRegistrar(t, "tcp", ip(85))
				zone = srvZone(t, "tcp", p, b)
			} else {
				p := tlsResponder(t, ip(86), ca.Leaf(t, year, "other.example"))
				b := tlsResponder(t, ip(87), ca.Leaf(t, year, "sip:example.com"))
				var err error
				zone, err = locatetest.NewResolver(fmt.Sprintf("$ORIGIN example.com.\n_sips._tcp 300 IN SRV 10 0 %d sip1\n_sips._tcp 300 IN SRV 20 0 %d sip2\nsip1 300 IN A %s\nsip2 300 IN A %s\n",
					p.Port(), b.Port(), p.Addr(), b.Addr()))
				if err != nil {
					t.Fatal(err)
				}
			}
			f := newFixture(t, zone, transport)
			f.opts.Streams = sipsend.NewStreams(f.client.TransportLayer(), &tls.Config{RootCAs: ca.Pool})
			t.Cleanup(f.opts.Streams.Close)
			uri := map[locate.Transport]string{locate.TCP: "sip:example.com", locate.TLS: "sips:example.com"}[transport]
			send := func(n int) {
				for range n {
					f.opts.Health = nil // every request meets the failure
					if res, tr, err := f.options(t, uri); err != nil || res.StatusCode != 200 || len(tr.Attempts) != 2 {
						t.Fatalf("Do = %v, %v, %q; want the first target failed, then 200", res, err, outcomes(tr))
					}
				}
			}
			send(5)
			before := runtime.NumGoroutine()
			send(20)
			deadline := time.Now().Add(5 * time.Second)
			for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond) // sipgo's readers of closed connections end asynchronously
			}
			if after := runtime.NumGoroutine(); after > before {
				t.Errorf("%d goroutines after 20 more requests, %d before", after, before)
			}
		})
	}
}
