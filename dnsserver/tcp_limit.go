package dnsserver

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// The TCP connection caps when Config leaves them zero. NSD holds 100 TCP
// connections by default (tcp-count), BIND 150 (tcp-clients) and Knot half
// the descriptor limit (tcp-max-clients). Over TCP a SIP platform's server
// sees resolvers retrying truncated answers and secondaries transferring,
// so 1,000 leaves room for many resolvers at once while 64 per address
// keeps one host (or one attacker) from taking them all.
const (
	DefaultMaxTCPConns      = 1000
	DefaultMaxTCPConnsPerIP = 64
)

// tcpReserveFDs are descriptors the TCP cap leaves free below RLIMIT_NOFILE
// for what must keep working when the connections are all taken: reading
// zone files and their $INCLUDEs at a reload, NOTIFY sockets, the metrics
// listener, and the accept-and-close of connections over the cap.
const tcpReserveFDs = 64

// The backoff after a failed accept (EMFILE, ENFILE, ENOBUFS): miekg/dns
// retried at once, in a loop that took 1.3 cores while descriptors were
// out.
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

// maxTCPConns returns the cap on TCP connections: MaxTCPConns or the
// default, lowered to leave tcpReserveFDs of the descriptor limit free.
func (c *Config) maxTCPConns() int {
	n := c.MaxTCPConns
	if n <= 0 {
		n = DefaultMaxTCPConns
	}
	if lim, ok := fdLimit(); ok {
		n = min(n, max(1, lim-tcpReserveFDs))
	}
	return n
}

func (c *Config) maxTCPConnsPerIP() int {
	if c.MaxTCPConnsPerIP <= 0 {
		return DefaultMaxTCPConnsPerIP
	}
	return c.MaxTCPConnsPerIP
}

// tcpLimiter is the listener miekg's server accepts from. It holds at most
// max connections, perIP from one address; one over either cap is closed
// as soon as it is accepted. A failed accept is retried after a backoff,
// never handed to miekg (which would retry it at once, forever).
type tcpLimiter struct {
	net.Listener
	max, perIP int
	log        *slog.Logger
	after      func(time.Duration) <-chan time.Time // time.After; tests step it
	done       chan struct{}                        // closed by Close
	freed      chan struct{}                        // a connection closed: retry a failed accept now
	closeOnce  sync.Once

	mu       sync.Mutex
	total    int
	byIP     map[netip.Addr]int
	refusing bool // a connection over the cap was refused since the last one admitted

	refused      atomic.Uint64 // connections closed for being over a cap
	acceptErrors atomic.Uint64 // failed accepts
}

func newTCPLimiter(ln net.Listener, max, perIP int, log *slog.Logger) *tcpLimiter {
	return &tcpLimiter{
		Listener: ln, max: max, perIP: perIP, log: log, after: time.After,
		done: make(chan struct{}), freed: make(chan struct{}, 1), byIP: map[netip.Addr]int{},
	}
}

// Accept returns the next connection within the caps.
func (l *tcpLimiter) Accept() (net.Conn, error) {
	var delay time.Duration
	failures := 0
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil, err
			}
			delay, failures = nextBackoff(delay), failures+1
			l.acceptFailed(err, failures, delay)
			if !l.wait(delay) {
				return nil, net.ErrClosed
			}
			continue
		}
		if failures > 0 {
			l.log.Info("tcp accept works again", "failures", failures)
			failures, delay = 0, 0
		}
		if lc := l.admit(c); lc != nil {
			return lc, nil
		}
		_ = c.Close()
	}
}

// nextBackoff doubles d within [acceptBackoffMin, acceptBackoffMax].
func nextBackoff(d time.Duration) time.Duration {
	return min(max(2*d, acceptBackoffMin), acceptBackoffMax)
}

// acceptFailed counts a failed accept; it logs the first of a run and
// then each time the backoff reaches its longest, at most once a second.
func (l *tcpLimiter) acceptFailed(err error, failures int, delay time.Duration) {
	l.acceptErrors.Add(1)
	if failures == 1 || delay == acceptBackoffMax {
		l.log.Warn("tcp accept failed, retrying", "err", err, "failures", failures, "retry_seconds", delay.Seconds())
	}
}

// wait waits d, or less when a connection closes; it reports false when
// the listener is closed meanwhile.
func (l *tcpLimiter) wait(d time.Duration) bool {
	select {
	case <-l.done:
		return false
	case <-l.freed:
		return true
	case <-l.after(d):
		return true
	}
}

// admit counts c in, or returns nil when it is over a cap.
func (l *tcpLimiter) admit(c net.Conn) net.Conn {
	ip := remoteIP(c.RemoteAddr())
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total >= l.max || l.byIP[ip] >= l.perIP {
		l.refused.Add(1)
		if !l.refusing {
			l.refusing = true
			l.log.Warn("tcp connections over the cap closed", "from", ip, "conns", l.total, "max", l.max, "from_ip", l.byIP[ip], "max_per_ip", l.perIP)
		}
		return nil
	}
	l.total++
	l.byIP[ip]++
	l.refusing = false
	return &limitedConn{Conn: c, l: l, ip: ip}
}

// release counts a closed connection out.
func (l *tcpLimiter) release(ip netip.Addr) {
	l.mu.Lock()
	l.total--
	if l.byIP[ip]--; l.byIP[ip] <= 0 {
		delete(l.byIP, ip)
	}
	l.mu.Unlock()
	select {
	case l.freed <- struct{}{}:
	default:
	}
}

// conns returns the connections held now.
func (l *tcpLimiter) conns() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

func (l *tcpLimiter) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitedConn is a connection the limiter counts until it is closed.
type limitedConn struct {
	net.Conn
	l    *tcpLimiter
	ip   netip.Addr
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.ip) })
	return err
}
