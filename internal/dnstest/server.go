package dnstest

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// startTimeout bounds how long NewServer waits for the listeners to run.
const startTimeout = 5 * time.Second

// Query is one query the server received.
type Query struct {
	Net  string // "udp" or "tcp"
	Name string // the question name as sent (case preserved)
	Type uint16
	ID   uint16
}

// Server is a DNS server on loopback, UDP and TCP on the same port, that
// hands every query to its own handler and logs it. It is shut down by
// the test's Cleanup.
type Server struct {
	Addr string // host:port, the same for UDP and TCP

	handler dns.Handler
	udp     *dns.Server
	tcp     *dns.Server

	mu      sync.Mutex
	queries []Query
}

// NewServer starts a server on 127.0.0.1 and an ephemeral port that
// answers with h. It waits until both listeners run.
func NewServer(t testing.TB, h dns.Handler) *Server {
	t.Helper()
	return NewServerOn(t, "127.0.0.1", h)
}

// NewServerOn is NewServer on the given loopback IP (see docs/loopback.md
// for the block each package may use).
func NewServerOn(t testing.TB, ip string, h dns.Handler) *Server {
	t.Helper()
	pc, l, err := listenPair(ip)
	if err != nil {
		t.Fatalf("dnstest: %v", err)
	}
	s := &Server{Addr: pc.LocalAddr().String(), handler: h}
	udpUp, tcpUp := make(chan struct{}), make(chan struct{})
	s.udp = &dns.Server{PacketConn: pc, Handler: s, NotifyStartedFunc: func() { close(udpUp) }}
	s.tcp = &dns.Server{Listener: l, Handler: s, NotifyStartedFunc: func() { close(tcpUp) }}
	go s.udp.ActivateAndServe() //nolint:errcheck // the error after Shutdown is expected
	go s.tcp.ActivateAndServe() //nolint:errcheck
	t.Cleanup(s.shutdown)
	for _, up := range []chan struct{}{udpUp, tcpUp} {
		select {
		case <-up:
		case <-time.After(startTimeout):
			t.Fatalf("dnstest: server on %s did not start within %v", s.Addr, startTimeout)
		}
	}
	return s
}

// listenPair opens a UDP socket and a TCP listener on the same ephemeral
// port of ip, retrying a few times when the UDP port is taken.
func listenPair(ip string) (net.PacketConn, net.Listener, error) {
	var lastErr error
	for range 20 {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			return nil, nil, fmt.Errorf("listen tcp on %s: %w", ip, err)
		}
		pc, err := net.ListenPacket("udp", l.Addr().String())
		if err == nil {
			return pc, l, nil
		}
		l.Close()
		lastErr = err
	}
	return nil, nil, fmt.Errorf("listen udp and tcp on one port of %s: %w", ip, lastErr)
}

func (s *Server) shutdown() {
	s.udp.Shutdown() //nolint:errcheck // best effort at cleanup
	s.tcp.Shutdown() //nolint:errcheck
}

// ServeDNS logs the query and hands it to the server's handler.
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	q := Query{Net: network(w), ID: r.Id}
	if len(r.Question) > 0 {
		q.Name, q.Type = r.Question[0].Name, r.Question[0].Qtype
	}
	s.mu.Lock()
	s.queries = append(s.queries, q)
	s.mu.Unlock()
	s.handler.ServeDNS(w, r)
}

// Queries returns a copy of the queries received so far, in order.
func (s *Server) Queries() []Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Query(nil), s.queries...)
}

// Count returns how many queries the server received.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queries)
}

// CountOf returns how many queries for (name, qtype) the server received,
// over either transport; name is compared case-insensitively.
func (s *Server) CountOf(name string, qtype uint16) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, q := range s.queries {
		if q.Type == qtype && strings.EqualFold(q.Name, dns.Fqdn(name)) {
			n++
		}
	}
	return n
}

// Reset forgets the queries logged so far.
func (s *Server) Reset() {
	s.mu.Lock()
	s.queries = nil
	s.mu.Unlock()
}

// network returns "tcp" or "udp" for the transport w answers on.
func network(w dns.ResponseWriter) string {
	if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
		return "tcp"
	}
	return "udp"
}
