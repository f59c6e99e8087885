package register

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/siplocate/siplocate/locate"
)

// testServer is a minimal in-process registrar on 127.0.0.1 (UDP; TCP or
// TLS from newStreamTestServer): it
// answers REGISTER through a handler that can be swapped, records what it
// received, and answers OPTIONS unless silenced.
type testServer struct {
	t      testing.TB
	target locate.Target
	ua     *sipgo.UserAgent // its requests to the agent go out of its socket

	mu       sync.Mutex
	handler  func(req *sip.Request) *sip.Response // nil response: stay silent
	received []*sip.Request
	silent   atomic.Bool // drop everything, OPTIONS included
	options  atomic.Int64
}

// newTestServer starts a server answering REGISTER with handler.
func newTestServer(t testing.TB, handler func(req *sip.Request) *sip.Response) *testServer {
	t.Helper()
	return newTestServerAt(t, "127.0.0.1:0", handler)
}

// newTestServerAt is newTestServer on addr.
func newTestServerAt(t testing.TB, addr string, handler func(req *sip.Request) *sip.Response) *testServer {
	t.Helper()
	conn, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Skipf("listen %s: %v", addr, err)
	}
	s, ua := newTestUA(t, handler)
	s.ua = ua
	ap := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	s.target = locate.Target{Transport: locate.UDP, Addr: ap.Addr().Unmap(), Port: ap.Port()}
	go func() { _ = ua.TransportLayer().ServeUDP(conn) }()
	t.Cleanup(func() { _ = conn.Close(); _ = ua.Close() })
	return s
}

// newStreamTestServer is newTestServer over TCP on 127.0.0.1, or over TLS
// with tlsConf. kill closes its listener and every connection, as the
// kernel does for a killed server: the client reads the end of its
// connection, and new ones are refused.
func newStreamTestServer(t testing.TB, handler func(req *sip.Request) *sip.Response, tlsConf *tls.Config) (s *testServer, kill func()) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, ua := newTestUA(t, handler)
	ap := l.Addr().(*net.TCPAddr).AddrPort()
	s.target = locate.Target{Transport: locate.TCP, Addr: ap.Addr().Unmap(), Port: ap.Port()}
	serve := ua.TransportLayer().ServeTCP
	if tlsConf != nil {
		s.target.Transport = locate.TLS
		l = tls.NewListener(l, tlsConf)
		serve = ua.TransportLayer().ServeTLS
	}
	go func() { _ = serve(l) }()
	var once sync.Once
	kill = func() { once.Do(func() { _ = l.Close(); _ = ua.Close() }) }
	t.Cleanup(kill)
	return s, kill
}

// newTestUA returns a server for handler on a sipgo user agent, with no
// transport yet.
func newTestUA(t testing.TB, handler func(req *sip.Request) *sip.Response) (*testServer, *sipgo.UserAgent) {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(testLogger())),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(testLogger())))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(testLogger()))
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, handler: handler}
	srv.OnRegister(s.serve)
	srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		s.options.Add(1)
		if !s.silent.Load() {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		}
	})
	return s, ua
}

func (s *testServer) serve(req *sip.Request, tx sip.ServerTransaction) {
	if s.silent.Load() {
		return
	}
	s.mu.Lock()
	s.received = append(s.received, req.Clone())
	h := s.handler
	s.mu.Unlock()
	if res := h(req); res != nil {
		_ = tx.Respond(res)
	}
}

// requests returns the REGISTERs received so far.
func (s *testServer) requests() []*sip.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*sip.Request(nil), s.received...)
}

// ok answers 200 with the Contact and the expiry asked for.
func ok(req *sip.Request) *sip.Response {
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	if c := req.Contact(); c != nil {
		exp := req.GetHeader("Expires").Value()
		res.AppendHeader(sip.NewHeader("Contact", "<"+c.Address.String()+">;expires="+exp))
	}
	return res
}

// status answers with code and extra headers ("Name: value").
func status(code int, headers ...string) func(*sip.Request) *sip.Response {
	return func(req *sip.Request) *sip.Response {
		res := sip.NewResponseFromRequest(req, code, "Test", nil)
		for _, h := range headers {
			name, value, _ := strings.Cut(h, ": ")
			res.AppendHeader(sip.NewHeader(name, value))
		}
		return res
	}
}

// digestAuth challenges with code (401 or 407) and algorithm, and answers
// 200 to correct credentials for alice/secret, 403 to wrong ones.
func digestAuth(code int, algorithm string) func(*sip.Request) *sip.Response {
	chalHdr, credHdr := "WWW-Authenticate", "Authorization"
	if code == 407 {
		chalHdr, credHdr = "Proxy-Authenticate", "Proxy-Authorization"
	}
	chal := &digest.Challenge{Realm: "example.com", Nonce: "n0nce", Algorithm: algorithm, QOP: []string{"auth"}}
	return func(req *sip.Request) *sip.Response {
		h := req.GetHeader(credHdr)
		if h == nil {
			return status(code, chalHdr+": "+chal.String())(req)
		}
		cred, err := digest.ParseCredentials(h.Value())
		if err != nil {
			return status(400)(req)
		}
		want, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: cred.URI, Username: "alice", Password: "secret", Cnonce: cred.Cnonce, Count: cred.Nc})
		if err != nil || want.Response != cred.Response || cred.Algorithm != algorithm {
			return status(403)(req)
		}
		return ok(req)
	}
}

// staticLocator returns fixed targets.
type staticLocator struct{ targets []locate.Target }

func (l staticLocator) Locate(context.Context, string, locate.Options) (*locate.Result, error) {
	return &locate.Result{Targets: l.targets}, nil
}

// events collects an agent's events and lets a test wait for one.
type events struct {
	ch  chan Event
	mu  sync.Mutex
	all []Event
}

func newEvents() *events { return &events{ch: make(chan Event, 1000)} }

func (e *events) add(ev Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
	select {
	case e.ch <- ev:
	default:
	}
}

// wait returns the next event of kind, failing the test after 10 s.
func (e *events) wait(t testing.TB, kind Kind) Event {
	t.Helper()
	return e.waitFor(t, kind, 10*time.Second)
}

// waitFor returns the next event of kind, failing the test after d.
func (e *events) waitFor(t testing.TB, kind Kind, d time.Duration) Event {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev := <-e.ch:
			if ev.Kind == kind {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event within %v; events: %s", kind, d, e.summary())
			return Event{}
		}
	}
}

func (e *events) summary() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var b strings.Builder
	for _, ev := range e.all {
		fmt.Fprintf(&b, "\n  %s %s %s %v", ev.Kind, targetName(ev.Target), ev.Outcome, ev.Err)
	}
	return b.String()
}

// startAgent runs an agent for accounts against targets until the test
// ends; it returns the events and a stop function that waits for Run.
func startAgent(t testing.TB, targets []locate.Target, accounts ...Account) (*events, func() error) {
	t.Helper()
	ev := newEvents()
	a, err := New(Config{Accounts: accounts, Locator: staticLocator{targets}, OnEvent: ev.add, Logger: testLogger(), RetryBase: 200 * time.Millisecond, RetryMax: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return ev, stop
}

// startWith runs an agent with cfg for accounts against targets until the
// test ends. cfg's Logger and retry bounds default to the tests' (silent,
// 200 ms doubling to 1 s); its accounts, locator and events are set here.
func startWith(t *testing.T, cfg Config, targets []locate.Target, accounts ...Account) *events {
	t.Helper()
	ev := newEvents()
	cfg.Accounts, cfg.Locator, cfg.OnEvent = accounts, staticLocator{targets}, ev.add
	if cfg.Logger == nil {
		cfg.Logger = testLogger()
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase, cfg.RetryMax = 200*time.Millisecond, time.Second
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(runAgent(t, a))
	return ev
}

// alice returns a test account; fast timers keep tests short.
func alice() Account {
	return Account{AOR: "sip:alice@example.com", Password: "secret", Server: "example.com", Expires: time.Hour, AttemptTimeout: 500 * time.Millisecond}
}

func testLogger() *slog.Logger {
	if os.Getenv("REGISTER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// snapshot returns the events so far.
func (e *events) snapshot() []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Event(nil), e.all...)
}

// count returns how many events of kind came so far.
func (e *events) count(kind Kind) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.all {
		if ev.Kind == kind {
			n++
		}
	}
	return n
}
