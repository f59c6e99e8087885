package registrar

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Accept back-off after a failed accept (too many open files...), as
// net/http's Server does: 5 ms, doubling up to 1 s.
const (
	acceptDelayMin = 5 * time.Millisecond
	acceptDelayMax = time.Second
)

// nextAcceptDelay returns the wait after a failed accept that followed a
// wait of d (0 after a good accept).
func nextAcceptDelay(d time.Duration) time.Duration {
	if d == 0 {
		return acceptDelayMin
	}
	return min(2*d, acceptDelayMax)
}

// tcpConns is the registrar's table of TCP connections, across its
// listeners: it enforces the caps, finds a connection by remote address
// and counts.
type tcpConns struct {
	max, perIP int
	idle       time.Duration
	log        *slog.Logger
	stats      *counters

	warnings rateLog // the warnings of a flood: one a minute of each

	mu      sync.Mutex
	byAddr  map[string]*trackedConn // remote host:port
	byIP    map[string]int
	freed   chan struct{} // a connection closed: a failed accept may now work
	onClose func()        // tests: called after each close
}

func newTCPConns(cfg *Config, log *slog.Logger, stats *counters) *tcpConns {
	return &tcpConns{max: cfg.maxTCPConns(), perIP: cfg.maxTCPConnsPerIP(), idle: cfg.tcpIdleTimeout(),
		log: log, stats: stats, warnings: rateLog{log: log, now: cfg.now, every: time.Minute},
		byAddr: map[string]*trackedConn{}, byIP: map[string]int{}, freed: make(chan struct{}, 1)}
}

// admit tracks c unless that would pass a cap; it reports whether it did.
func (t *tcpConns) admit(c *trackedConn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.byAddr) >= t.max || t.byIP[c.ip] >= t.perIP {
		t.warnings.warn("TCP connection cap reached: closing new connections", "conns", len(t.byAddr), "max", t.max,
			"from", c.ip, "from_conns", t.byIP[c.ip], "max_per_ip", t.perIP)
		return false
	}
	t.byAddr[c.addr] = c
	t.byIP[c.ip]++
	return true
}

// forget stops tracking c and wakes an accept waiting for a descriptor.
func (t *tcpConns) forget(c *trackedConn) {
	t.mu.Lock()
	if t.byAddr[c.addr] == c {
		delete(t.byAddr, c.addr)
		if t.byIP[c.ip]--; t.byIP[c.ip] <= 0 {
			delete(t.byIP, c.ip)
		}
	}
	onClose := t.onClose
	t.mu.Unlock()
	select {
	case t.freed <- struct{}{}:
	default:
	}
	if onClose != nil {
		onClose()
	}
}

// keep holds the connection from addr open for d at least, however idle:
// it carries a binding that long (as Kamailio's tcp_persistent_flag does).
func (t *tcpConns) keep(addr string, d time.Duration) {
	t.mu.Lock()
	c := t.byAddr[addr]
	t.mu.Unlock()
	if c != nil {
		c.keepFor(d)
	}
}

// len returns the number of connections held.
func (t *tcpConns) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byAddr)
}

// tcpListener is the listener handed to sipgo. It never returns an accept
// error but net.ErrClosed, since sipgo's Serve stops for good on the first:
// it waits and tries again (nextAcceptDelay, cut short when a connection
// closes), logs and counts. It closes at once a connection over the caps,
// and remembers the ones it accepted so FaultRefuseTCP and Stop can close
// them along with it.
type tcpListener struct {
	net.Listener
	conns *tcpConns
	after func(time.Duration) <-chan time.Time // time.After; tests replace it

	mu     sync.Mutex
	mine   map[*trackedConn]struct{}
	closed bool
	done   chan struct{}
}

func listenTCP(addr string, conns *tcpConns) (*tcpListener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return newTCPListener(l, conns), nil
}

func newTCPListener(l net.Listener, conns *tcpConns) *tcpListener {
	return &tcpListener{Listener: l, conns: conns, after: time.After, mine: map[*trackedConn]struct{}{}, done: make(chan struct{})}
}

// Accept returns the next connection within the caps.
func (l *tcpListener) Accept() (net.Conn, error) {
	var delay time.Duration
	var failed int
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if l.isClosed() || errors.Is(err, net.ErrClosed) {
				return nil, net.ErrClosed
			}
			delay, failed = nextAcceptDelay(delay), failed+1
			l.acceptFailed(err, delay)
			if !l.wait(delay) {
				return nil, net.ErrClosed
			}
			continue
		}
		if failed > 0 {
			l.conns.log.Debug("accepting TCP connections again", "addr", l.Addr().String(), "failed_accepts", failed)
			delay, failed = 0, 0
		}
		if tc, err := l.track(c); tc != nil || err != nil {
			return tc, err
		}
	}
}

// acceptFailed logs and counts a failed accept: a warning once a minute
// at most, the others at debug level.
func (l *tcpListener) acceptFailed(err error, delay time.Duration) {
	l.conns.stats.acceptErrors.Add(1)
	l.conns.warnings.warn("accept TCP connection failed: retrying", "addr", l.Addr().String(), "error", err, "retry_in_s", delay.Seconds())
}

// wait waits d, or less when a connection closes; false when l closed.
func (l *tcpListener) wait(d time.Duration) bool {
	select {
	case <-l.after(d):
	case <-l.conns.freed:
	case <-l.done:
		return false
	}
	return true
}

// track wraps c and admits it: nil, nil when it was over a cap and closed.
func (l *tcpListener) track(c net.Conn) (*trackedConn, error) {
	tc := newTrackedConn(c, l)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		_ = c.Close()
		return nil, net.ErrClosed
	}
	if !l.conns.admit(tc) {
		l.conns.stats.tcpRefused.Add(1)
		_ = c.Close()
		return nil, nil
	}
	l.mine[tc] = struct{}{}
	return tc, nil
}

func (l *tcpListener) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// closeAll closes the listener and every connection it accepted.
func (l *tcpListener) closeAll() {
	_ = l.Listener.Close()
	l.mu.Lock()
	if !l.closed {
		close(l.done)
	}
	l.closed = true
	mine := l.mine
	l.mine = map[*trackedConn]struct{}{}
	l.mu.Unlock()
	for c := range mine {
		_ = c.Close()
	}
}

// trackedConn is an accepted connection: it closes after its idle time
// without a byte read, and forgets itself in its listener when closed.
type trackedConn struct {
	net.Conn
	l         *tcpListener
	addr, ip  string
	keepUntil atomic.Int64 // Unix ns: no idle close before (a binding lives on it)
	closeOnce sync.Once
}

func newTrackedConn(c net.Conn, l *tcpListener) *trackedConn {
	addr := c.RemoteAddr().String()
	ip, _, err := net.SplitHostPort(addr)
	if err != nil {
		ip = addr
	}
	return &trackedConn{Conn: c, l: l, addr: addr, ip: ip}
}

// Read reads with a deadline of the idle time (or the binding's end). An
// idle connection reads as io.EOF, so that sipgo closes it quietly.
func (c *trackedConn) Read(b []byte) (int, error) {
	for {
		_ = c.Conn.SetReadDeadline(c.deadline(time.Now()))
		n, err := c.Conn.Read(b)
		if n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
		if time.Now().UnixNano() < c.keepUntil.Load() {
			continue // kept open meanwhile (keepFor)
		}
		c.l.conns.stats.tcpIdleClosed.Add(1)
		c.l.conns.log.Debug("closing idle TCP connection", "from", c.addr, "idle_s", c.l.conns.idle.Seconds())
		return 0, io.EOF
	}
}

func (c *trackedConn) deadline(now time.Time) time.Time {
	d := now.Add(c.l.conns.idle)
	if keep := time.Unix(0, c.keepUntil.Load()); keep.After(d) {
		return keep
	}
	return d
}

// keepFor holds the connection open for d at least.
func (c *trackedConn) keepFor(d time.Duration) {
	now := time.Now()
	until := now.Add(d).UnixNano()
	for {
		old := c.keepUntil.Load()
		if old >= until || c.keepUntil.CompareAndSwap(old, until) {
			break
		}
	}
	_ = c.Conn.SetReadDeadline(c.deadline(now))
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.closeOnce.Do(func() {
		c.l.mu.Lock()
		delete(c.l.mine, c)
		c.l.mu.Unlock()
		c.l.conns.forget(c)
	})
	return err
}

// tcpReserveFDs is what the default TCP cap leaves of the descriptor limit
// for everything else: UDP sockets, the poller, listeners reopened after
// FaultRefuseTCP, and the accepts that a full table closes at once.
const tcpReserveFDs = 64

// rateLog logs a warning once per every for each message at most; the
// repeats in between go to debug level, and the next warning says how
// many there were.
type rateLog struct {
	log   *slog.Logger
	now   func() time.Time
	every time.Duration

	mu     sync.Mutex
	last   map[string]time.Time
	missed map[string]int
}

func (r *rateLog) warn(msg string, args ...any) {
	now := r.now()
	r.mu.Lock()
	if r.last == nil {
		r.last, r.missed = map[string]time.Time{}, map[string]int{}
	}
	last, seen := r.last[msg]
	warn := !seen || now.Sub(last) >= r.every
	missed := r.missed[msg]
	if warn {
		r.last[msg], r.missed[msg] = now, 0
	} else {
		r.missed[msg]++
	}
	r.mu.Unlock()
	if !warn {
		r.log.Debug(msg, args...)
		return
	}
	if missed > 0 {
		args = append(args, "repeats_since_last_warning", missed)
	}
	r.log.Warn(msg, args...)
}
