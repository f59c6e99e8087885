package register

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/probe"
)

// A registration over TCP or TLS lives on its connection: the registrar
// sends requests for the AOR back over it (RFC 3261 §18; RFC 5626 calls it
// the flow, §4.4), so when the server closes or resets it the binding is
// of no use. sipgo closes a connection when its read fails (FIN, RST, a
// framing error) but tells nobody outside its transaction layer, and its
// dialer cannot wrap a net.Conn. So flows dials TCP and TLS connections
// itself, one per target shared by every account and probe of a stack,
// and hands each to sipgo as if a listener had accepted it: sipgo reads
// it, keeps it in its pool under the remote address and sends our
// requests to that address over it. When sipgo closes it, the flow's
// Close reports it (Agent.flowClosed), and transactions waiting on it
// fail at once as a transport error (RFC 3263 §4.3).
type flows struct {
	tl     *sip.TransportLayer
	tls    *tls.Config // server name: the SIP domain (RFC 5922 §4); nil without TLS
	now    func() time.Time
	closed func(*flow) // run on a goroutine of its own when a flow closes
	dialer *net.Dialer // from the account's bind address

	mu    sync.Mutex
	m     map[flowKey]*flowDial
	feeds map[locate.Transport]*feedListener
}

type flowKey struct {
	transport locate.Transport
	addr      netip.AddrPort
}

// flowDial is a connection being dialled (until ready is closed) or made.
type flowDial struct {
	ready chan struct{}
	f     *flow
	err   error
}

// stale reports whether d is done and of no use: it failed, or its
// connection has closed since.
func (d *flowDial) stale() bool {
	select {
	case <-d.ready:
		return d.err != nil || d.f.isClosed()
	default:
		return false
	}
}

func newFlows(tl *sip.TransportLayer, tlsConf *tls.Config, now func() time.Time, closed func(*flow), d *net.Dialer) *flows {
	return &flows{tl: tl, tls: tlsConf, now: now, closed: closed, dialer: d,
		m: map[flowKey]*flowDial{}, feeds: map[locate.Transport]*feedListener{}}
}

// get returns the open connection to t (TCP or TLS), dialling it when
// there is none or the last one closed. Callers asking at once share one
// dial; ctx bounds the dial and the wait for it.
func (fl *flows) get(ctx context.Context, t locate.Target) (*flow, error) {
	k := flowKey{t.Transport, t.AddrPort()}
	fl.mu.Lock()
	d := fl.m[k]
	if d == nil || d.stale() {
		d = &flowDial{ready: make(chan struct{})}
		fl.m[k] = d
		fl.mu.Unlock()
		d.f, d.err = fl.dial(ctx, t)
		close(d.ready)
		return d.f, d.err
	}
	fl.mu.Unlock()
	select {
	case <-d.ready:
		return d.f, d.err
	case <-ctx.Done():
		return nil, fmt.Errorf("connect %s to %s: %w", t.Transport, t.AddrPort(), ctx.Err())
	}
}

// dial connects to t, does the TLS handshake for TLS, and hands the
// connection to sipgo. A refused connection or a failed handshake is the
// error.
func (fl *flows) dial(ctx context.Context, t locate.Target) (*flow, error) {
	c, err := fl.dialer.DialContext(ctx, "tcp", t.AddrPort().String())
	if err != nil {
		return nil, fmt.Errorf("connect %s to %s: %w", t.Transport, t.AddrPort(), err)
	}
	if t.Transport == locate.TLS {
		if fl.tls == nil {
			_ = c.Close()
			return nil, fmt.Errorf("connect tls to %s: no TLS configuration", t.AddrPort())
		}
		// RFC 5922 §7.1-7.2's name check (a sip: URI, else a dNSName), not
		// crypto/tls's (dNSNames only): package probe's, shared.
		tc := tls.Client(c, probe.ClientConfig(fl.tls, fl.tls.ServerName))
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("TLS handshake with %s: %w", t.AddrPort(), err)
		}
		c = tc
	}
	f := &flow{Conn: c, opened: fl.now(), now: fl.now, done: make(chan struct{}), closed: fl.closed}
	if err := fl.feed(t.Transport).hand(f); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("connect %s to %s: %w", t.Transport, t.AddrPort(), err)
	}
	return f, nil
}

// feed returns the listener through which sipgo takes the connections of
// transport, starting sipgo's reader on it the first time.
func (fl *flows) feed(transport locate.Transport) *feedListener {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if l, ok := fl.feeds[transport]; ok {
		return l
	}
	l := &feedListener{conns: make(chan net.Conn), done: make(chan struct{})}
	fl.feeds[transport] = l
	serve := fl.tl.ServeTCP
	if transport == locate.TLS {
		serve = fl.tl.ServeTLS // sipgo's TLS Serve takes connections as they are: ours are TLS already
	}
	go func() { _ = serve(l) }() // until the listener is closed
	return l
}

// close stops sipgo's accepting of new connections; the connections
// themselves close with sipgo's transport layer.
func (fl *flows) close() {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	for _, l := range fl.feeds {
		_ = l.Close()
	}
}

// flow is one TCP or TLS connection that sipgo reads. sipgo calls Close
// when its read ends (the peer closed or reset it, or sent what it cannot
// frame) and when its transport layer closes.
type flow struct {
	net.Conn
	reads    atomic.Int64 // reads that returned data
	opened   time.Time
	now      func() time.Time
	closed   func(*flow)
	once     sync.Once
	closedAt time.Time     // set before done is closed
	done     chan struct{} // closed by Close
}

// Close closes the connection and reports it, once.
func (f *flow) Close() error {
	f.once.Do(func() {
		f.closedAt = f.now()
		close(f.done)
		// sipgo calls Close holding its connection pool's lock: report on
		// a goroutine of its own.
		go f.closed(f)
	})
	return f.Conn.Close()
}

// Read reads from the connection, counting the reads that return data.
func (f *flow) Read(b []byte) (int, error) {
	n, err := f.Conn.Read(b)
	if n > 0 {
		f.reads.Add(1)
	}
	return n, err
}

// Done returns a channel closed when the connection closes.
func (f *flow) Done() <-chan struct{} { return f.done }

func (f *flow) isClosed() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// lifetime returns how long the connection was open; call it once Done
// is closed.
func (f *flow) lifetime() time.Duration { return f.closedAt.Sub(f.opened) }

// feedListener is a net.Listener whose Accept returns the connections
// handed to it, so that sipgo's Serve takes connections we dialled.
type feedListener struct {
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

// hand gives c to sipgo and returns once sipgo has put it in its pool: the
// nil that follows c is taken only when sipgo's Serve calls Accept again,
// after it registered c.
func (l *feedListener) hand(c net.Conn) error {
	for _, v := range []net.Conn{c, nil} {
		select {
		case l.conns <- v:
		case <-l.done:
			return net.ErrClosed
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
// uses that only for Record-Route, which we never add.
func (l *feedListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4zero} }
