package registrar

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/siplocate/siplocate/internal/fakeclock"
)

func TestNextAcceptDelay(t *testing.T) {
	var got []time.Duration
	for d, i := time.Duration(0), 0; i < 10; i++ {
		d = nextAcceptDelay(d)
		got = append(got, d)
	}
	ms := time.Millisecond
	want := []time.Duration{5 * ms, 10 * ms, 20 * ms, 40 * ms, 80 * ms, 160 * ms, 320 * ms, 640 * ms, time.Second, time.Second}
	if !slices.Equal(got, want) {
		t.Errorf("delays %v, want %v", got, want)
	}
}

// failingListener fails its first fails accepts with EMFILE, as accept(2)
// does without a descriptor left, then hands out pipes; with fails < 0 it
// fails until closed.
type failingListener struct {
	fails  int
	closed chan struct{}
}

func (l *failingListener) Accept() (net.Conn, error) {
	select {
	case <-l.closed:
		return nil, net.ErrClosed
	default:
	}
	if l.fails != 0 {
		l.fails--
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	c, _ := net.Pipe()
	return c, nil
}

func (l *failingListener) Close() error {
	select {
	case <-l.closed:
	default:
		close(l.closed)
	}
	return nil
}

func (l *failingListener) Addr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5060}
}

func testConns(t *testing.T, cfg Config) (*tcpConns, *counters) {
	t.Helper()
	stats := &counters{}
	return newTCPConns(&cfg, slog.New(slog.DiscardHandler), stats), stats
}

// TestAcceptRetries checks that a failed accept (EMFILE) is retried after
// the back-off, counted, and never handed to sipgo, whose Serve would stop
// for good on it (issue 8 item 3).
func TestAcceptRetries(t *testing.T) {
	conns, stats := testConns(t, Config{})
	l := newTCPListener(&failingListener{fails: 12, closed: make(chan struct{})}, conns)
	var waits []time.Duration
	l.after = func(d time.Duration) <-chan time.Time {
		waits = append(waits, d)
		c := make(chan time.Time, 1)
		c <- time.Time{}
		return c
	}
	c, err := l.Accept()
	if err != nil || c == nil {
		t.Fatalf("Accept: %v, %v; want a connection after the failures", c, err)
	}
	defer c.Close()
	ms := time.Millisecond
	want := []time.Duration{5 * ms, 10 * ms, 20 * ms, 40 * ms, 80 * ms, 160 * ms, 320 * ms, 640 * ms, time.Second, time.Second, time.Second, time.Second}
	if !slices.Equal(waits, want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
	if n := stats.acceptErrors.Load(); n != 12 {
		t.Errorf("%d accept errors counted, want 12", n)
	}
}

// TestAcceptWakesOnClose checks that a back-off wait ends when a
// connection closes (a descriptor came free) and when the listener closes.
func TestAcceptWakesOnClose(t *testing.T) {
	conns, _ := testConns(t, Config{})
	l := newTCPListener(&failingListener{fails: -1, closed: make(chan struct{})}, conns)
	waiting := make(chan struct{}, 100)
	l.after = func(time.Duration) <-chan time.Time {
		waiting <- struct{}{}
		return nil // only a wake-up ends the wait
	}
	done := make(chan error, 1)
	go func() {
		_, err := l.Accept()
		done <- err
	}()
	<-waiting
	conns.forget(&trackedConn{addr: "127.0.0.1:1", ip: "127.0.0.1"}) // as a closing connection does
	<-waiting                                                        // woken: accepted again, failed, waiting again
	l.closeAll()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after closeAll: %v, want net.ErrClosed", err)
	}
}

// dialFrom connects to the registrar's TCP address from the loopback
// address ip.
func dialFrom(t *testing.T, r *Registrar, ip string) *sipConn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addrOf(t, r, "tcp"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &sipConn{Conn: c, network: "tcp", r: bufio.NewReaderSize(c, 65536)}
}

// options sends an OPTIONS on c and returns the status, 0 when the
// connection closed first.
func (c *sipConn) options(t *testing.T, branch string) int {
	t.Helper()
	msg := strings.Replace(c.fix(request("OPTIONS")), "branch=z9hG4bK-1", "branch=z9hG4bK-"+branch, 1)
	if _, err := c.Write([]byte(msg)); err != nil {
		return 0
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := c.r.ReadString('\n')
	if err != nil {
		return 0
	}
	var code int
	if _, err := fmt.Sscanf(line, "SIP/2.0 %d", &code); err != nil {
		t.Fatalf("status line %q: %v", line, err)
	}
	for line != "\r\n" {
		if line, err = c.r.ReadString('\n'); err != nil {
			t.Fatalf("read response: %v", err)
		}
	}
	return code
}

// closedByPeer reports whether the registrar closed c: a read ends in EOF
// (or a reset) within wait.
func closedByPeer(c net.Conn, wait time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(wait))
	_, err := c.Read(make([]byte, 1))
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

// TestTCPConnectionCaps checks MaxTCPConnsPerIP and MaxTCPConns: a
// connection over either is closed at once, counted, and the ones held
// are served; when one closes there is room again.
func TestTCPConnectionCaps(t *testing.T) {
	r, _ := startTestRegistrar(t, Config{MaxTCPConns: 4, MaxTCPConnsPerIP: 2})
	a1, a2 := dialFrom(t, r, "127.0.8.10"), dialFrom(t, r, "127.0.8.10")
	for i, c := range []*sipConn{a1, a2} {
		if code := c.options(t, fmt.Sprint("a", i)); code != 200 {
			t.Fatalf("connection %d from 127.0.8.10: OPTIONS %d, want 200", i, code)
		}
	}
	if a3 := dialFrom(t, r, "127.0.8.10"); !closedByPeer(a3, 5*time.Second) {
		t.Errorf("third connection from 127.0.8.10 not closed (per-IP cap 2)")
	}
	b1, b2 := dialFrom(t, r, "127.0.8.11"), dialFrom(t, r, "127.0.8.11")
	for i, c := range []*sipConn{b1, b2} {
		if code := c.options(t, fmt.Sprint("b", i)); code != 200 {
			t.Fatalf("connection %d from 127.0.8.11: OPTIONS %d, want 200", i, code)
		}
	}
	if c := dialFrom(t, r, "127.0.8.12"); !closedByPeer(c, 5*time.Second) {
		t.Errorf("fifth connection not closed (cap 4)")
	}
	if s := r.Stats(); s.TCPRefused != 2 || s.TCPConns != 4 {
		t.Errorf("stats %+v, want 2 refused and 4 held", s)
	}
	_ = b2.Close()
	waitUntil(t, func() bool { return r.Stats().TCPConns == 3 })
	if code := dialFrom(t, r, "127.0.8.12").options(t, "c"); code != 200 {
		t.Errorf("after a close: OPTIONS %d, want 200", code)
	}
}

// waitUntil polls cond every 10 ms for at most 10 s.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met within 10 s")
}

// TestTCPIdleClosed checks that a connection with nothing read for
// TCPIdleTimeout is closed and counted (issue 8 item 3: none was).
func TestTCPIdleClosed(t *testing.T) {
	r, _ := startTestRegistrar(t, Config{TCPIdleTimeout: 100 * time.Millisecond})
	c := dialFrom(t, r, "127.0.8.13")
	if code := c.options(t, "idle"); code != 200 {
		t.Fatalf("OPTIONS %d, want 200", code)
	}
	if !closedByPeer(c, 10*time.Second) {
		t.Fatal("idle connection still open after 10 s (idle timeout 100 ms)")
	}
	waitUntil(t, func() bool { s := r.Stats(); return s.TCPIdleClosed == 1 && s.TCPConns == 0 })
}

// TestTCPBindingKeepsConnection checks that a connection carrying a
// binding outlives the idle timeout until the binding expires.
func TestTCPBindingKeepsConnection(t *testing.T) {
	r, _ := startTestRegistrar(t, Config{NoAuth: true, MinExpires: time.Second, DefaultExpires: time.Second, TCPIdleTimeout: 100 * time.Millisecond})
	c := dialFrom(t, r, "127.0.8.14")
	g := reg{contacts: []string{"<sip:alice@" + c.LocalAddr().String() + ";transport=tcp>"}, expires: "3"}
	if _, err := c.Write([]byte(c.fix(g.text()))); err != nil {
		t.Fatal(err)
	}
	if res := c.readResponse(t); res.StatusCode != 200 {
		t.Fatalf("REGISTER: %d %s, want 200", res.StatusCode, res.Reason)
	}
	if closedByPeer(c, time.Second) {
		t.Fatal("connection with a 3 s binding closed within 1 s (idle timeout 100 ms)")
	}
	if !closedByPeer(c, 10*time.Second) {
		t.Fatal("connection still open 10 s after its binding expired")
	}
}

// levelCounter counts records by level and keeps the last warning's attrs.
type levelCounter struct {
	mu       sync.Mutex
	counts   map[slog.Level]int
	lastWarn map[string]slog.Value
}

func (h *levelCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *levelCounter) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *levelCounter) WithGroup(string) slog.Handler            { return h }
func (h *levelCounter) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.counts[r.Level]++
	if r.Level == slog.LevelWarn {
		h.lastWarn = map[string]slog.Value{}
		r.Attrs(func(a slog.Attr) bool { h.lastWarn[a.Key] = a.Value; return true })
	}
	return nil
}

// TestRateLog checks that a flood's warnings come once a minute at most,
// each saying how many were held back (1,000 failed accepts logged 1,000
// warnings before).
func TestRateLog(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	h := &levelCounter{counts: map[slog.Level]int{}}
	rl := rateLog{log: slog.New(h), now: clock.Now, every: time.Minute}
	for range 100 {
		rl.warn("accept failed")
		clock.Advance(100 * time.Millisecond)
	}
	rl.warn("cap reached")
	clock.Advance(time.Minute)
	rl.warn("accept failed")
	if h.counts[slog.LevelWarn] != 3 || h.counts[slog.LevelDebug] != 99 {
		t.Errorf("counts %v, want 3 warnings and 99 debug records", h.counts)
	}
	if n := h.lastWarn["repeats_since_last_warning"]; n.Int64() != 99 {
		t.Errorf("last warning says %v repeats, want 99", n)
	}
}
