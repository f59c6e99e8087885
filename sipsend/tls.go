package sipsend

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/emiago/sipgo/sip"
)

// TLS makes Do's TLS connections itself. sipgo's dialer checks the
// server's certificate against the host it is sent to, which for a
// located target is an IP address; RFC 5922 §4 wants the SIP domain (the
// host of the URI that was located). So TLS dials, verifies the
// certificate for the domain, and hands the connection to sipgo as if a
// listener had accepted it: sipgo reads it, keeps it in its pool under the
// remote address and sends the request over it. A handshake that fails is
// a transport error (RFC 3263 §4.3). One TLS serves every request of a
// transport layer and is safe for concurrent use. It does not tell one
// domain from another on the same address: the first connection is used.
type TLS struct {
	tl     *sip.TransportLayer
	config *tls.Config

	mu    sync.Mutex
	conns map[netip.AddrPort]*tlsConn
	feed  *feedListener
}

// NewTLS returns the TLS connections of transport layer tl (a sipgo
// client's TransportLayer()); config gives the roots and client
// certificates, and its ServerName is replaced by each request's domain.
func NewTLS(tl *sip.TransportLayer, config *tls.Config) *TLS {
	if config == nil {
		config = &tls.Config{}
	}
	return &TLS{tl: tl, config: config, conns: map[netip.AddrPort]*tlsConn{}}
}

// Conn makes sure there is an open connection to raddr whose certificate
// was valid for domain, dialling one when there is none.
func (t *TLS) Conn(ctx context.Context, domain string, raddr netip.AddrPort) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.conns[raddr]; ok && !c.closed() {
		return nil
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", raddr.String())
	if err != nil {
		return fmt.Errorf("connect tls to %s: %w", raddr, err)
	}
	conf := t.config.Clone()
	conf.ServerName = domain // RFC 5922 §4
	tc := tls.Client(nc, conf)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = nc.Close()
		return fmt.Errorf("TLS handshake with %s for %s: %w", raddr, domain, err)
	}
	c := &tlsConn{Conn: tc, done: make(chan struct{})}
	if t.feed == nil {
		t.feed = &feedListener{conns: make(chan net.Conn), done: make(chan struct{})}
		go func() { _ = t.tl.ServeTLS(t.feed) }() // until Close
	}
	if err := t.feed.hand(ctx, c); err != nil {
		_ = c.Close()
		return fmt.Errorf("connect tls to %s: %w", raddr, err)
	}
	t.conns[raddr] = c
	return nil
}

// Close stops handing connections to sipgo and closes those made; sipgo's
// pool forgets them as its readers end.
func (t *TLS) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.feed != nil {
		_ = t.feed.Close()
	}
	for k, c := range t.conns {
		_ = c.Close()
		delete(t.conns, k)
	}
}

// tlsConn is a connection that knows when sipgo closed it.
type tlsConn struct {
	net.Conn
	once sync.Once
	done chan struct{}
}

func (c *tlsConn) Close() error {
	c.once.Do(func() { close(c.done) })
	return c.Conn.Close()
}

func (c *tlsConn) closed() bool {
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
