package sipsend

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/probe"
)

// Streams makes Do's TCP and TLS connections itself, for two reasons.
// sipgo's dialer checks a TLS server's certificate against the host it is
// sent to, which for a located target is an IP address; RFC 5922 §4 wants
// the SIP domain (the host of the URI that was located). And sipgo tells
// no transaction when its connection is reset or closed, so an attempt
// would wait out its timeout. Streams dials (verifying the certificate
// for the domain), and hands each connection to sipgo as if a listener had
// accepted it: sipgo reads it, keeps it in its pool under the remote
// address and sends the request over it, and Do hears when it closes. A
// refused connection, a failed handshake and a connection that closes
// under a transaction are transport errors (RFC 3263 §4.3). One Streams
// serves every request of a transport layer and is safe for concurrent
// use. It does not tell one domain from another on the same address: the
// first connection is used.
type Streams struct {
	tl     *sip.TransportLayer
	config *tls.Config

	mu    sync.Mutex
	conns map[streamKey]*streamConn
	feeds map[locate.Transport]*feedListener
}

type streamKey struct {
	transport locate.Transport
	addr      netip.AddrPort
}

// NewStreams returns the TCP and TLS connections of transport layer tl (a
// sipgo client's TransportLayer()); tlsConfig gives the roots and client
// certificates (nil: the system's roots), and its ServerName is replaced
// by each request's domain.
func NewStreams(tl *sip.TransportLayer, tlsConfig *tls.Config) *Streams {
	if tlsConfig == nil {
		tlsConfig = &tls.Config{}
	}
	return &Streams{tl: tl, config: tlsConfig, conns: map[streamKey]*streamConn{}, feeds: map[locate.Transport]*feedListener{}}
}

// Conn returns the open connection to t (TCP or TLS), dialling one when
// there is none or the last one closed; a TLS server's certificate must
// be valid for domain.
func (s *Streams) Conn(ctx context.Context, t locate.Target, domain string) (*streamConn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := streamKey{t.Transport, t.AddrPort()}
	if c, ok := s.conns[k]; ok && !c.closed() {
		return c, nil
	}
	c, err := s.dial(ctx, t, domain)
	if err != nil {
		return nil, err
	}
	if err := s.feed(t.Transport).hand(ctx, c); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("connect %s to %s: %w", t.Transport, t.AddrPort(), err)
	}
	s.conns[k] = c
	return c, nil
}

// dial connects to t and, for TLS, does the handshake for domain.
func (s *Streams) dial(ctx context.Context, t locate.Target, domain string) (*streamConn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", t.AddrPort().String())
	if err != nil {
		return nil, fmt.Errorf("connect %s to %s: %w", t.Transport, t.AddrPort(), err)
	}
	if t.Transport == locate.TLS {
		tc := tls.Client(nc, s.tlsConfig(domain))
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = nc.Close()
			return nil, fmt.Errorf("TLS handshake with %s for %s: %w", t.AddrPort(), domain, err)
		}
		nc = tc
	}
	return &streamConn{Conn: nc, done: make(chan struct{})}, nil
}

// tlsConfig returns the configuration of a connection for domain: SNI is
// the domain (RFC 5922 §4), and the certificate must name it as §7.1-7.2
// say (a sip: URI, else a dNSName; crypto/tls would look at dNSNames
// only): probe.ClientConfig, the name check package probe shares.
func (s *Streams) tlsConfig(domain string) *tls.Config {
	return probe.ClientConfig(s.config, domain)
}

// feed returns the listener through which sipgo takes connections of
// transport, starting sipgo's Serve on it the first time. s.mu is held.
func (s *Streams) feed(transport locate.Transport) *feedListener {
	if l, ok := s.feeds[transport]; ok {
		return l
	}
	l := &feedListener{conns: make(chan net.Conn), done: make(chan struct{})}
	s.feeds[transport] = l
	serve := s.tl.ServeTCP
	if transport == locate.TLS {
		serve = s.tl.ServeTLS // takes connections as they are: ours are TLS already
	}
	go func() { _ = serve(l) }() // until Close
	return l
}

// Close stops handing connections to sipgo and closes those made; sipgo's
// pool forgets them as its readers end.
func (s *Streams) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.feeds {
		_ = l.Close()
	}
	for k, c := range s.conns {
		_ = c.Close()
		delete(s.conns, k)
	}
}

// streamConn is a connection that knows when sipgo closed it: sipgo
// closes a connection when its read fails (FIN, RST, a framing error).
type streamConn struct {
	net.Conn
	once sync.Once
	done chan struct{}
}

// Close closes the connection and marks it closed, once.
func (c *streamConn) Close() error {
	c.once.Do(func() { close(c.done) })
	return c.Conn.Close()
}

// Done returns a channel closed when the connection closes.
func (c *streamConn) Done() <-chan struct{} { return c.done }

func (c *streamConn) closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// feedListener is a net.Listener whose Accept returns the connections
// handed to it, so that sipgo's Serve takes connections we dialled.
type feedListener struct {
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

// hand gives c to sipgo and returns once sipgo has put it in its pool: the
// nil that follows c is taken only when Serve calls Accept again, after it
// registered c.
func (l *feedListener) hand(ctx context.Context, c net.Conn) error {
	for _, v := range []net.Conn{c, nil} {
		select {
		case l.conns <- v:
		case <-l.done:
			return net.ErrClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Accept returns the next connection handed over.
func (l *feedListener) Accept() (net.Conn, error) {
	for {
		select {
		case c := <-l.conns:
			if c != nil {
				return c, nil
			}
		case <-l.done:
			return nil, net.ErrClosed
		}
	}
}

// Close makes Accept return net.ErrClosed.
func (l *feedListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr is a placeholder: sipgo records its port as a listening port, and
// uses that only for Record-Route.
func (l *feedListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4zero} }
