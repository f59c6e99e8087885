package register

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/internal/fakeclock"
	"github.com/siplocate/siplocate/locate"
)

// TestConnectionClosedMovesOnAtOnce: registered over TCP (or TLS) with the
// primary, which then dies: its connection ends and its port is closed.
// The agent registers with the backup at once, with no probe and an hour
// before its refresh; the attempt to the dead primary fails as a transport
// error, not by a timeout.
func TestConnectionClosedMovesOnAtOnce(t *testing.T) {
	for _, transport := range []locate.Transport{locate.TCP, locate.TLS} {
		t.Run(string(transport), func(t *testing.T) {
			var srvTLS *tls.Config
			acct := alice()
			acct.AttemptTimeout = time.Minute // a timeout would fail the test's 10 s waits
			cfg := Config{}
			if transport == locate.TLS {
				srvTLS, cfg.TLS = testCerts(t, "example.com")
			}
			primary, kill := newStreamTestServer(t, ok, srvTLS)
			backup, _ := newStreamTestServer(t, ok, srvTLS)
			ev := startWith(t, cfg, []locate.Target{primary.target, backup.target}, acct)
			if got := ev.wait(t, Registered); got.Target.AddrPort() != primary.target.AddrPort() {
				t.Fatalf("registered first with %s, want the primary", targetName(got.Target))
			}
			kill()
			if got := ev.wait(t, ConnectionLost); got.Target.AddrPort() != primary.target.AddrPort() || got.Retry != 0 {
				t.Errorf("connection lost: %s, next round in %v; want the primary's, at once", targetName(got.Target), got.Retry)
			}
			if got := ev.wait(t, AttemptFailed); got.Target.AddrPort() != primary.target.AddrPort() || got.Outcome != "transport-error" {
				t.Errorf("attempt to %s: %s (%v), want the primary's to fail with transport-error", targetName(got.Target), got.Outcome, got.Err)
			}
			if got := ev.wait(t, FailedOver); got.Target.AddrPort() != backup.target.AddrPort() {
				t.Errorf("failed over to %s, want the backup", targetName(got.Target))
			}
			if n := len(backup.requests()); n != 1 {
				t.Errorf("the backup got %d REGISTERs, want 1", n)
			}
		})
	}
}

// TestConnectionClosedUnderAttempt: a server that reads the REGISTER and
// closes the connection without an answer fails the attempt at once as a
// transport error (RFC 3263 §4.3), not at its one-minute timeout.
func TestConnectionClosedUnderAttempt(t *testing.T) {
	srv := newDroppingServer(t, nil)
	acct := alice()
	acct.AttemptTimeout = time.Minute
	ev, _ := startAgent(t, []locate.Target{srv.target}, acct)
	got := ev.wait(t, AttemptFailed)
	if got.Outcome != "transport-error" {
		t.Errorf("attempt: %s (%v), want transport-error", got.Outcome, got.Err)
	}
}

// TestConnectionLossBackOff: each loss of the registration's connection is
// followed by one round. When the lost connections had lived a short
// while (here: no time at all on the agent's clock), the first loss gets
// its round at once and the next ones in a row wait the retry back-off,
// growing: a server that takes registrations and drops the connection
// gets no REGISTER loop. Connections that lived longer than minFlowLife
// are re-registered at once every time.
func TestConnectionLossBackOff(t *testing.T) {
	for _, long := range []bool{false, true} {
		t.Run(map[bool]string{false: "short-lived", true: "long-lived"}[long], func(t *testing.T) {
			srv := newDroppingServer(t, rawResponse("200 OK", with("Expires: 3600")...))
			clock := fakeclock.New(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
			ev := startWith(t, Config{Clock: clock}, []locate.Target{srv.target}, alice())
			advanceUntil(t, clock, ev, Registered, 1)
			var last time.Duration
			for i := range 4 {
				if long {
					clock.Advance(minFlowLife)
				}
				srv.drop()
				got := advanceUntil(t, clock, ev, ConnectionLost, i+1)
				switch {
				case long || i == 0:
					if got.Retry != 0 {
						t.Errorf("loss %d: next round in %v, want at once", i+1, got.Retry)
					}
				case got.Retry <= 0 || got.Retry < last:
					t.Errorf("loss %d: next round in %v, want a back-off of at least %v", i+1, got.Retry, last)
				}
				last = got.Retry
				if n := countKind(ev, Registered); got.Retry > 0 && n != i+1 {
					t.Fatalf("loss %d: %d registrations before the round was due, want %d", i+1, n, i+1)
				}
				clock.Advance(got.Retry)
				advanceUntil(t, clock, ev, Registered, i+2)
			}
			if n := srv.requests(); n != 5 {
				t.Errorf("%d REGISTERs for 4 lost connections, want 5 (the first, then one per loss)", n)
			}
		})
	}
}

// droppingServer is a raw TCP server on 127.0.0.1 that answers each
// REGISTER with reply (or closes the connection without an answer when
// reply is nil) and closes every open connection when the test says.
type droppingServer struct {
	target locate.Target
	h      hostile

	mu    sync.Mutex
	conns []net.Conn
}

func newDroppingServer(t *testing.T, reply func(*sip.Request) string) *droppingServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &droppingServer{target: locate.Target{Transport: locate.TCP, Addr: netip.MustParseAddr("127.0.0.1"), Port: uint16(l.Addr().(*net.TCPAddr).Port)}}
	t.Cleanup(func() { _ = l.Close(); s.drop() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			go s.serve(c, reply)
		}
	}()
	return s
}

// serve answers the requests on c until it is closed.
func (s *droppingServer) serve(c net.Conn, reply func(*sip.Request) string) {
	r := bufio.NewReader(c)
	for {
		head, err := readHead(r)
		if err != nil {
			return
		}
		if reply == nil {
			s.h.handle(head, func(*sip.Request) string { return "" })
			_ = c.Close()
			return
		}
		if out := s.h.handle(head, reply); out != "" {
			_, _ = io.WriteString(c, out)
		}
	}
}

// drop closes every connection open now.
func (s *droppingServer) drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Close()
	}
	s.conns = nil
}

// requests returns how many REGISTERs came.
func (s *droppingServer) requests() int64 { return s.h.requests.Load() }

// testCerts returns a server TLS configuration with a self-signed
// certificate for name, and a client one that trusts it.
func testCerts(t *testing.T, name string) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: roots}
}

// advanceUntil steps the agent's clock by nothing, firing the timers that
// are due, until n events of kind have come, and returns the n-th: the
// close of a connection reaches the agent over loopback, on a goroutine
// of its own. It fails the test after 5 s of wall time.
func advanceUntil(t *testing.T, clock *fakeclock.Clock, ev *events, kind Kind, n int) Event {
	t.Helper()
	for range 500 {
		clock.Advance(0)
		if got := ev.kinds(kind); len(got) >= n {
			return got[n-1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d %s events within 5 s, want %d; events: %s", countKind(ev, kind), kind, n, ev.summary())
	return Event{}
}
